// Command-line flags as Go's `flag` package reads them, which is what spire-server users type:
// single- or double-dash long names, `-name value` or `-name=value`, booleans as `-admin` or
// `-admin=true`, repeatable list flags, parsing stops at the first non-flag argument.
#ifndef DSTART_SERVER_CLI_FLAGS_H_
#define DSTART_SERVER_CLI_FLAGS_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace dstart::server::cli {

class FlagSet {
 public:
  void String(const std::string& name, std::string* out, std::string usage);
  void StringList(const std::string& name, std::vector<std::string>* out, std::string usage);
  void Int(const std::string& name, int64_t* out, std::string usage);
  void Bool(const std::string& name, bool* out, std::string usage);

  // Parses `args` (the command's arguments, without its name). Errors read as Go's do:
  // "flag provided but not defined: -x", "invalid value "y" for flag -x: parse error",
  // "flag needs an argument: -x". "-h"/"-help" give NotFound("help requested").
  // Returns the arguments left after the flags.
  absl::StatusOr<std::vector<std::string>> Parse(const std::vector<std::string>& args);

  bool IsSet(const std::string& name) const { return set_.count(name) > 0; }
  // "  -name value\n    \tusage" lines, sorted by name, as Go prints them.
  std::string Usage() const;

 private:
  enum class Kind { kString, kList, kInt, kBool };
  struct Flag {
    Kind kind;
    void* out;
    std::string usage;
  };
  absl::Status Set(const std::string& name, Flag& f, const std::string& value);
  std::map<std::string, Flag> flags_;
  std::set<std::string> set_;
};

}  // namespace dstart::server::cli

#endif  // DSTART_SERVER_CLI_FLAGS_H_
