// A parser for the HCL (version 1) dialect of SPIRE's server.conf / agent.conf and OpenBao's
// configuration and ACL policies, and helpers to decode it with errors that say where.
//
// Syntax accepted:
//   key = value                      attributes; value: "string", <<EOF heredoc, <<-EOF indented
//                                    heredoc, 42, -7, 0x1f, 1.5, 1e3, true/false, [list], { object
//                                    }
//   name "label" ident { ... }       blocks with zero or more labels (quoted strings or
//   identifiers) name = { ... } / name { ... }    both give an object # comment, // comment, /*
//   comment */ lists and objects may separate items with ',' and end with a trailing ',' a document
//   whose first character is '{' is read as JSON (HCL1 does the same)
// Strings take Go's escapes (\n \t \r \" \\ \' \a \b \f \v \xHH \NNN \uXXXX \UXXXXXXXX, and JSON's
// \/ and \uD83D\uDE00 surrogate pairs) and must be UTF-8; HCL's "${...}" is kept verbatim.
// `<<-EOF` removes the closing line's indentation from every line when all lines have it.
// Syntax errors read "file:line:column: message" (1-based; columns count bytes).
//
// The result is a tree of Values; every Entry keeps the position of its key. Entries stay in
// source order and repeated keys (several `path "..." {}` or `WorkloadAttestor "x" {}` blocks) are
// all kept. Decoding errors also read "file:line:column: key: ...".
#ifndef DSTART_COMMON_HCL_H_
#define DSTART_COMMON_HCL_H_

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace dstart::common::hcl {

struct Position {
  std::shared_ptr<const std::string> file;  // may be null (no file name given)
  int line = 0;                             // 1-based
  int column = 0;                           // 1-based, in bytes

  // "file:line:column", or "line:column" without a file name.
  std::string ToString() const;
};

struct Entry;
class Value;

// The body of a block, an `= { }` object, or the whole document.
class Object {
 public:
  Position pos;  // the opening '{' (line 1, column 1 for a document)

  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<Entry>& mutable_entries() { return entries_; }
  bool empty() const { return entries_.empty(); }

  // The first entry named `key`, or null.
  const Entry* Find(std::string_view key) const;
  // Every entry named `key`, in source order.
  std::vector<const Entry*> FindAll(std::string_view key) const;
  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  // The first block `key "label" { }` (exactly one label), or null: FindBlock("DataStore", "sql").
  const Entry* FindBlock(std::string_view key, std::string_view label) const;

  // Typed getters. When `key` is absent they return OK and leave *out unchanged (so *out can
  // hold the default). InvalidArgument, with position and key, when the value has the wrong type
  // or the key is set twice. As HCL1 does, a quoted number is accepted for a number and a
  // number is accepted for a string.
  absl::Status GetString(std::string_view key, std::string* out) const;
  absl::Status GetInt(std::string_view key, int64_t* out) const;
  absl::Status GetInt(std::string_view key, int* out) const;
  absl::Status GetDouble(std::string_view key, double* out) const;
  absl::Status GetBool(std::string_view key, bool* out) const;
  // A list of strings (a single string is taken as a one-element list).
  absl::Status GetStringList(std::string_view key, std::vector<std::string>* out) const;
  // A Go duration string ("1h", "30m0s"); see common/duration.h.
  absl::Status GetDuration(std::string_view key, std::chrono::nanoseconds* out) const;
  // The object under `key` (a block without labels or `key = { }`); *out stays null if absent.
  absl::Status GetObject(std::string_view key, const Object** out) const;

  // InvalidArgument naming `key` and the position of this object when `key` is absent.
  absl::Status Require(std::string_view key, std::string_view context) const;

  // Entries whose key is not in `known`, in source order.
  std::vector<const Entry*> UnknownKeys(std::initializer_list<std::string_view> known) const;
  std::vector<const Entry*> UnknownKeys(const std::vector<std::string>& known) const;
  // InvalidArgument listing every unknown key as `file:line:col: unknown key "k" in <context>`
  // (joined with "; "), or OK.
  absl::Status CheckKnownKeys(std::initializer_list<std::string_view> known,
                              std::string_view context) const;
  absl::Status CheckKnownKeys(const std::vector<std::string>& known,
                              std::string_view context) const;

 private:
  std::vector<Entry> entries_;
};

using List = std::vector<Value>;

class Value {
 public:
  enum class Type { kString, kInt, kFloat, kBool, kList, kObject };

  // (Defined below Entry, which they need complete.)
  Value();
  Value(std::string s, Position pos);
  Value(const char* s, Position pos);
  Value(int64_t i, Position pos);
  Value(double d, Position pos);
  Value(bool b, Position pos);
  Value(List l, Position pos);
  Value(Object o, Position pos);

  Type type() const { return static_cast<Type>(v_.index()); }
  // "string", "number", "bool", "list", "object" (as used in error messages).
  std::string_view TypeName() const;
  const Position& pos() const { return pos_; }

  bool is_string() const { return type() == Type::kString; }
  bool is_int() const { return type() == Type::kInt; }
  bool is_number() const { return type() == Type::kInt || type() == Type::kFloat; }
  bool is_bool() const { return type() == Type::kBool; }
  bool is_list() const { return type() == Type::kList; }
  bool is_object() const { return type() == Type::kObject; }

  // REQUIRES: the matching is_*() is true.
  const std::string& string_value() const { return std::get<std::string>(v_); }
  int64_t int_value() const { return std::get<int64_t>(v_); }
  double number_value() const;  // an int or a float
  bool bool_value() const { return std::get<bool>(v_); }
  const List& list() const { return std::get<List>(v_); }
  const Object& object() const { return std::get<Object>(v_); }
  Object& mutable_object() { return std::get<Object>(v_); }

 private:
  std::variant<std::string, int64_t, double, bool, List, Object> v_;
  Position pos_;
};

struct Entry {
  std::string key;
  std::vector<std::string> labels;  // `DataStore "sql" { }` has labels {"sql"}
  Position pos;                     // of the key
  bool block = false;               // written `key [labels] { }` rather than `key = value`
  Value value;                      // an object for blocks

  // "file:line:column: key: " + message, as an InvalidArgument status.
  absl::Status Error(std::string_view message) const;
};

inline Value::Value() : v_(std::string()) {}
inline Value::Value(std::string s, Position pos) : v_(std::move(s)), pos_(std::move(pos)) {}
inline Value::Value(const char* s, Position pos) : v_(std::string(s)), pos_(std::move(pos)) {}
inline Value::Value(int64_t i, Position pos) : v_(i), pos_(std::move(pos)) {}
inline Value::Value(double d, Position pos) : v_(d), pos_(std::move(pos)) {}
inline Value::Value(bool b, Position pos) : v_(b), pos_(std::move(pos)) {}
inline Value::Value(List l, Position pos) : v_(std::move(l)), pos_(std::move(pos)) {}
inline Value::Value(Object o, Position pos) : v_(std::move(o)), pos_(std::move(pos)) {}

// Parses `text`; `filename` appears in positions and errors ("" for none).
absl::StatusOr<Object> Parse(std::string_view text, std::string_view filename = "");
// Reads and parses the file at `path` (named by `path` in errors).
absl::StatusOr<Object> ParseFile(const std::string& path);

// JSON views (include <nlohmann/json.hpp> to use the result). Labels become nested objects
// (`path "a" { x = 1 }` → {"path":{"a":{"x":1}}}); repeated keys whose values are objects are
// merged (where both define the same inner non-object key, the later value wins), other
// repeated keys become an array of their values.
nlohmann::json ToJson(const Value& value);
nlohmann::json ToJson(const Object& object);

}  // namespace dstart::common::hcl

#endif  // DSTART_COMMON_HCL_H_
