#include "common/hcl.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/duration.h"
#include "common/file.h"
#include "common/quote.h"
#include "common/status.h"

namespace dstart::common::hcl {
namespace {

// Deeper nesting than this is refused, so hostile input cannot exhaust the stack.
constexpr int kMaxDepth = 128;

enum class Tok {
  kEof,
  kIdent,
  kString,  // quoted string or heredoc, already decoded
  kInt,
  kFloat,
  kBool,
  kLBrace,
  kRBrace,
  kLBrack,
  kRBrack,
  kComma,
  kAssign,
  kColon,
};

struct Token {
  Tok type = Tok::kEof;
  std::string text;  // identifier, decoded string, or the number's spelling
  int64_t ival = 0;
  double fval = 0;
  bool bval = false;
  bool heredoc = false;
  int line = 1;
  int col = 1;
};

std::string Describe(const Token& t) {
  switch (t.type) {
    case Tok::kEof:
      return "end of file";
    case Tok::kIdent:
      return fmt::format("identifier {}", t.text);
    case Tok::kString:
      return t.heredoc ? "heredoc" : fmt::format("string {}", GoQuote(t.text));
    case Tok::kInt:
    case Tok::kFloat:
      return fmt::format("number {}", t.text);
    case Tok::kBool:
      return t.bval ? "true" : "false";
    case Tok::kLBrace:
      return "'{'";
    case Tok::kRBrace:
      return "'}'";
    case Tok::kLBrack:
      return "'['";
    case Tok::kRBrack:
      return "']'";
    case Tok::kComma:
      return "','";
    case Tok::kAssign:
      return "'='";
    case Tok::kColon:
      return "':'";
  }
  return "token";
}

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int HexVal(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Parses an integer the way Go's strconv.ParseInt(s, 0, 64) does for HCL1: optional sign,
// 0x/0X hex, 0o/0 octal, 0b binary, else decimal; '_' digit separators are not accepted.
bool ParseGoInt(std::string_view s, int64_t* out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  int base = 10;
  if (s.size() > 1 && s[0] == '0') {
    if (s[1] == 'x' || s[1] == 'X') {
      base = 16;
      s.remove_prefix(2);
    } else if (s[1] == 'o' || s[1] == 'O') {
      base = 8;
      s.remove_prefix(2);
    } else if (s[1] == 'b' || s[1] == 'B') {
      base = 2;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);
    }
    if (s.empty()) return false;
  }
  uint64_t v = 0;
  const uint64_t limit = neg ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  for (char c : s) {
    int d;
    if (IsDigit(c)) {
      d = c - '0';
    } else if (base == 16 && IsHex(c)) {
      d = HexVal(c);
    } else {
      return false;
    }
    if (d >= base) return false;
    if (v > (limit - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) return false;
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  *out = neg ? static_cast<int64_t>(-v) : static_cast<int64_t>(v);
  return true;
}

bool ParseFloat(std::string_view s, double* out) {
  if (s.empty()) return false;
  std::string copy(s);
  char* end = nullptr;
  errno = 0;
  double d = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || errno == ERANGE || !std::isfinite(d)) return false;
  // strtod also takes "inf", "nan" and hex floats; configs do not.
  for (char c : copy) {
    if (!(IsDigit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) return false;
  }
  *out = d;
  return true;
}

class Lexer {
 public:
  Lexer(std::string_view text, std::shared_ptr<const std::string> file)
      : text_(text), file_(std::move(file)) {}

  // Reads the next token into *t; returns an error status for malformed input.
  absl::Status Next(Token* t) {
    DSTART_RETURN_IF_ERROR(SkipSpaceAndComments());
    *t = Token();
    t->line = line_;
    t->col = col_;
    if (pos_ >= text_.size()) return absl::OkStatus();
    char c = text_[pos_];
    switch (c) {
      case '{':
        Advance();
        t->type = Tok::kLBrace;
        return absl::OkStatus();
      case '}':
        Advance();
        t->type = Tok::kRBrace;
        return absl::OkStatus();
      case '[':
        Advance();
        t->type = Tok::kLBrack;
        return absl::OkStatus();
      case ']':
        Advance();
        t->type = Tok::kRBrack;
        return absl::OkStatus();
      case ',':
        Advance();
        t->type = Tok::kComma;
        return absl::OkStatus();
      case '=':
        Advance();
        t->type = Tok::kAssign;
        return absl::OkStatus();
      case ':':
        Advance();
        t->type = Tok::kColon;
        return absl::OkStatus();
      case '"':
        return LexString(t);
      default:
        break;
    }
    if (c == '<' && Peek(1) == '<') return LexHeredoc(t);
    if (IsDigit(c) || (c == '-' && (IsDigit(Peek(1)) || Peek(1) == '.')) ||
        (c == '.' && IsDigit(Peek(1)))) {
      return LexNumber(t);
    }
    if (IsLetter(c)) {
      size_t start = pos_;
      while (pos_ < text_.size() && (IsLetter(text_[pos_]) || IsDigit(text_[pos_]) ||
                                     text_[pos_] == '-' || text_[pos_] == '.')) {
        Advance();
      }
      t->text = std::string(text_.substr(start, pos_ - start));
      if (t->text == "true" || t->text == "false") {
        t->type = Tok::kBool;
        t->bval = t->text == "true";
      } else {
        t->type = Tok::kIdent;
      }
      return absl::OkStatus();
    }
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      return ErrorHere(fmt::format("unexpected character {}", GoQuote(std::string_view(&c, 1))));
    }
    return ErrorHere(fmt::format("unexpected character '{}'", c));
  }

  absl::Status Error(int line, int col, std::string_view msg) const {
    Position p{file_, line, col};
    return absl::InvalidArgumentError(fmt::format("{}: {}", p.ToString(), msg));
  }

  // In JSON, "${" has no meaning inside strings.
  void set_json(bool json) { json_ = json; }

  // True when the first significant character is '{': the document is JSON.
  bool LooksLikeJson() const {
    for (char c : text_) {
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
      return c == '{';
    }
    return false;
  }

 private:
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void Advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    ++pos_;
  }
  absl::Status ErrorHere(std::string_view msg) const { return Error(line_, col_, msg); }

  absl::Status SkipSpaceAndComments() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        Advance();
      } else if (c == '#' || (c == '/' && Peek(1) == '/')) {
        while (pos_ < text_.size() && text_[pos_] != '\n') Advance();
      } else if (c == '/' && Peek(1) == '*') {
        int line = line_, col = col_;
        Advance();
        Advance();
        while (pos_ < text_.size() && !(text_[pos_] == '*' && Peek(1) == '/')) Advance();
        if (pos_ >= text_.size()) return Error(line, col, "comment not terminated: missing \"*/\"");
        Advance();
        Advance();
      } else if (c == '/') {
        return ErrorHere("unexpected character '/' (comments start with \"//\" or \"/*\")");
      } else {
        break;
      }
    }
    return absl::OkStatus();
  }

  absl::Status LexString(Token* t) {
    int line = line_, col = col_;
    Advance();  // opening quote
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) return Error(line, col, "string not terminated: missing '\"'");
      char c = text_[pos_];
      if (c == '"') {
        Advance();
        break;
      }
      if (c == '\n') return ErrorHere("newline in string (use \\n or a heredoc)");
      if (c == '$' && Peek(1) == '{' && !json_) {
        // An interpolation is kept verbatim, quotes and braces inside it included.
        int iline = line_, icol = col_;
        out += "${";
        Advance();
        Advance();
        int depth = 1;
        while (depth > 0) {
          if (pos_ >= text_.size() || text_[pos_] == '\n') {
            return Error(iline, icol, "interpolation \"${\" not terminated");
          }
          char d = text_[pos_];
          if (d == '{') ++depth;
          if (d == '}') --depth;
          out += d;
          Advance();
        }
        continue;
      }
      if (c == '\\') {
        DSTART_RETURN_IF_ERROR(LexEscape(&out));
        continue;
      }
      out += c;
      Advance();
    }
    if (!IsValidUtf8(out)) return Error(line, col, "string is not valid UTF-8");
    t->type = Tok::kString;
    t->text = std::move(out);
    return absl::OkStatus();
  }

  absl::Status LexEscape(std::string* out) {
    int line = line_, col = col_;
    Advance();  // backslash
    if (pos_ >= text_.size()) return Error(line, col, "string not terminated after '\\'");
    char e = text_[pos_];
    Advance();
    switch (e) {
      case 'n':
        *out += '\n';
        return absl::OkStatus();
      case 't':
        *out += '\t';
        return absl::OkStatus();
      case 'r':
        *out += '\r';
        return absl::OkStatus();
      case '"':
        *out += '"';
        return absl::OkStatus();
      case '\\':
        *out += '\\';
        return absl::OkStatus();
      case 'a':
        *out += '\a';
        return absl::OkStatus();
      case 'b':
        *out += '\b';
        return absl::OkStatus();
      case 'f':
        *out += '\f';
        return absl::OkStatus();
      case 'v':
        *out += '\v';
        return absl::OkStatus();
      case '/':
        *out += '/';
        return absl::OkStatus();
      case '\'':
        *out += '\'';
        return absl::OkStatus();
      case 'x': {
        if (!IsHex(Peek()) || !IsHex(Peek(1))) {
          return Error(line, col, "invalid escape \\x: want 2 hex digits");
        }
        *out += static_cast<char>(HexVal(Peek()) * 16 + HexVal(Peek(1)));
        Advance();
        Advance();
        return absl::OkStatus();
      }
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        auto oct = [](char c) { return c >= '0' && c <= '7'; };
        if (!oct(Peek()) || !oct(Peek(1)) || (e - '0') > 3) {
          return Error(line, col, "invalid escape: an octal escape is \\ and 3 digits up to \\377");
        }
        *out += static_cast<char>((e - '0') * 64 + (Peek() - '0') * 8 + (Peek(1) - '0'));
        Advance();
        Advance();
        return absl::OkStatus();
      }
      case 'u':
      case 'U': {
        int n = e == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (int i = 0; i < n; ++i) {
          if (pos_ >= text_.size() || !IsHex(text_[pos_])) {
            return Error(line, col, fmt::format("invalid escape \\{}: want {} hex digits", e, n));
          }
          cp = cp * 16 + static_cast<uint32_t>(HexVal(text_[pos_]));
          Advance();
        }
        // A UTF-16 surrogate pair, as JSON encoders write characters past U+FFFF.
        if (e == 'u' && cp >= 0xD800 && cp <= 0xDBFF && Peek() == '\\' && Peek(1) == 'u' &&
            IsHex(Peek(2)) && IsHex(Peek(3)) && IsHex(Peek(4)) && IsHex(Peek(5))) {
          uint32_t lo = 0;
          for (int i = 2; i < 6; ++i) lo = lo * 16 + static_cast<uint32_t>(HexVal(Peek(i)));
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            for (int i = 0; i < 6; ++i) Advance();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
          return Error(line, col,
                       fmt::format("invalid escape \\{}: U+{:04X} is not a character", e, cp));
        }
        AppendUtf8(out, cp);
        return absl::OkStatus();
      }
      default:
        if (e == '\n') return Error(line, col, "newline in string (use \\n or a heredoc)");
        return Error(line, col,
                     fmt::format("invalid escape {} in string", GoQuote(std::string("\\") + e)));
    }
  }

  absl::Status LexHeredoc(Token* t) {
    int line = line_, col = col_;
    Advance();
    Advance();
    bool indented = false;
    if (Peek() == '-') {
      indented = true;
      Advance();
    }
    size_t start = pos_;
    while (pos_ < text_.size() && (IsLetter(text_[pos_]) || IsDigit(text_[pos_]))) Advance();
    std::string anchor(text_.substr(start, pos_ - start));
    if (anchor.empty())
      return Error(line, col, "heredoc needs an anchor after \"<<\" (as in <<EOF)");
    if (Peek() == '\r') Advance();
    if (Peek() != '\n') {
      return Error(line, col,
                   fmt::format("heredoc anchor {} must be followed by a newline", anchor));
    }
    Advance();
    std::vector<std::string> lines;
    std::string closing_indent;
    bool closed = false;
    while (pos_ < text_.size()) {
      size_t ls = pos_;
      while (pos_ < text_.size() && text_[pos_] != '\n') Advance();
      std::string_view raw = text_.substr(ls, pos_ - ls);
      if (pos_ < text_.size()) Advance();  // the newline
      std::string_view content = raw;
      if (!content.empty() && content.back() == '\r') content.remove_suffix(1);
      std::string_view trimmed = content;
      size_t ws = 0;
      while (ws < trimmed.size() && (trimmed[ws] == ' ' || trimmed[ws] == '\t')) ++ws;
      if ((indented ? trimmed.substr(ws) : trimmed) == anchor) {
        closing_indent = std::string(trimmed.substr(0, ws));
        closed = true;
        break;
      }
      lines.emplace_back(raw);
    }
    if (!closed) {
      return Error(line, col, fmt::format("heredoc not terminated: missing a line \"{}\"", anchor));
    }
    if (indented && !closing_indent.empty()) {
      bool all = true;
      for (const auto& l : lines) {
        if (l.compare(0, closing_indent.size(), closing_indent) != 0) all = false;
      }
      if (all) {
        for (auto& l : lines) l.erase(0, std::min(l.size(), closing_indent.size()));
      }
    }
    std::string out;
    for (const auto& l : lines) {
      out += l;
      out += '\n';
    }
    if (!IsValidUtf8(out)) return Error(line, col, "heredoc is not valid UTF-8");
    t->type = Tok::kString;
    t->heredoc = true;
    t->text = std::move(out);
    return absl::OkStatus();
  }

  absl::Status LexNumber(Token* t) {
    size_t start = pos_;
    bool is_float = false;
    if (Peek() == '-') Advance();
    if (Peek() == '0' && (Peek(1) == 'x' || Peek(1) == 'X')) {
      Advance();
      Advance();
      while (IsHex(Peek())) Advance();
    } else {
      while (IsDigit(Peek())) Advance();
      if (Peek() == '.') {
        is_float = true;
        Advance();
        while (IsDigit(Peek())) Advance();
      }
      if (Peek() == 'e' || Peek() == 'E') {
        is_float = true;
        Advance();
        if (Peek() == '+' || Peek() == '-') Advance();
        while (IsDigit(Peek())) Advance();
      }
    }
    // A number runs into a letter only when it is malformed ("12abc", "0x").
    while (IsLetter(Peek()) || IsDigit(Peek()) || Peek() == '.') Advance();
    t->text = std::string(text_.substr(start, pos_ - start));
    if (is_float) {
      if (!ParseFloat(t->text, &t->fval)) {
        return Error(t->line, t->col, fmt::format("invalid number {}", t->text));
      }
      t->type = Tok::kFloat;
      return absl::OkStatus();
    }
    if (!ParseGoInt(t->text, &t->ival)) {
      bool digits_only = t->text.find_first_not_of("-0123456789") == std::string::npos;
      if (digits_only && t->text.size() > 1 && (t->text[0] != '0' || t->text.size() == 1) &&
          !(t->text[0] == '-' && t->text.size() > 1 && t->text[1] == '0')) {
        return Error(t->line, t->col, fmt::format("number {} out of range", t->text));
      }
      return Error(t->line, t->col, fmt::format("invalid number {}", t->text));
    }
    t->type = Tok::kInt;
    return absl::OkStatus();
  }

  std::string_view text_;
  std::shared_ptr<const std::string> file_;
  bool json_ = false;
  size_t pos_ = 0;
  int line_ = 1;
  int col_ = 1;
};

class Parser {
 public:
  Parser(std::string_view text, std::shared_ptr<const std::string> file)
      : lex_(text, file), file_(std::move(file)) {}

  absl::StatusOr<Object> ParseDocument() {
    json_ = lex_.LooksLikeJson();
    lex_.set_json(json_);
    DSTART_RETURN_IF_ERROR(Advance());
    Object root;
    root.pos = Position{file_, 1, 1};
    if (json_) {
      // A JSON document is one object whose members are the top-level entries.
      Token open = tok_;
      DSTART_RETURN_IF_ERROR(Advance());
      DSTART_RETURN_IF_ERROR(ParseItems(&root, /*closing=*/true, open, 1));
      if (tok_.type != Tok::kEof) {
        return Err(tok_, fmt::format("unexpected {} after the JSON document", Describe(tok_)));
      }
      return root;
    }
    DSTART_RETURN_IF_ERROR(ParseItems(&root, /*closing=*/false, tok_, 0));
    return root;
  }

 private:
  absl::Status Advance() { return lex_.Next(&tok_); }
  absl::Status Err(const Token& t, std::string_view msg) const {
    return lex_.Error(t.line, t.col, msg);
  }
  Position Pos(const Token& t) const { return Position{file_, t.line, t.col}; }

  // Items up to '}' (closing) or end of file. `open` is the '{' for error messages.
  absl::Status ParseItems(Object* obj, bool closing, const Token& open, int depth) {
    if (depth > kMaxDepth) return Err(open, "nesting too deep");
    while (true) {
      if (tok_.type == Tok::kEof) {
        if (closing) {
          return Err(tok_, fmt::format("expected '}}' to close the '{{' at line {}, column {}, "
                                       "got end of file",
                                       open.line, open.col));
        }
        return absl::OkStatus();
      }
      if (tok_.type == Tok::kRBrace) {
        if (!closing) return Err(tok_, "unexpected '}' with no block open");
        return Advance();
      }
      DSTART_RETURN_IF_ERROR(ParseItem(obj, depth));
      if (tok_.type == Tok::kComma) DSTART_RETURN_IF_ERROR(Advance());
    }
  }

  absl::Status ParseItem(Object* obj, int depth) {
    if (tok_.type != Tok::kIdent && tok_.type != Tok::kString) {
      return Err(tok_, fmt::format("expected a key, got {}", Describe(tok_)));
    }
    if (json_ && tok_.type != Tok::kString) {
      return Err(tok_, fmt::format("expected a quoted key in JSON, got {}", Describe(tok_)));
    }
    Entry e;
    e.key = tok_.text;
    e.pos = Pos(tok_);
    Token key_tok = tok_;
    DSTART_RETURN_IF_ERROR(Advance());
    while (!json_ && (tok_.type == Tok::kIdent || tok_.type == Tok::kString)) {
      e.labels.push_back(tok_.text);
      DSTART_RETURN_IF_ERROR(Advance());
    }
    if ((!json_ && tok_.type == Tok::kAssign) || (json_ && tok_.type == Tok::kColon)) {
      if (!e.labels.empty()) {
        return Err(tok_,
                   fmt::format("{}: a key with labels must be followed by '{{', not '='", e.key));
      }
      DSTART_RETURN_IF_ERROR(Advance());
      DSTART_RETURN_IF_ERROR(ParseValue(&e.value, e.key, depth + 1));
    } else if (tok_.type == Tok::kLBrace && !json_) {
      e.block = true;
      Token open = tok_;
      Object body;
      body.pos = Pos(open);
      DSTART_RETURN_IF_ERROR(Advance());
      DSTART_RETURN_IF_ERROR(ParseItems(&body, true, open, depth + 1));
      e.value = Value(std::move(body), Pos(open));
    } else if (tok_.type == Tok::kColon) {
      return Err(tok_,
                 fmt::format("{}: expected '=' or '{{', got ':' (HCL assigns with '=')", e.key));
    } else {
      if (json_) return Err(tok_, fmt::format("{}: expected ':', got {}", e.key, Describe(tok_)));
      (void)key_tok;
      return Err(tok_, fmt::format("{}: expected '=' or '{{' after the key, got {}", e.key,
                                   Describe(tok_)));
    }
    obj->mutable_entries().push_back(std::move(e));
    return absl::OkStatus();
  }

  absl::Status ParseValue(Value* out, std::string_view what, int depth) {
    if (depth > kMaxDepth) return Err(tok_, "nesting too deep");
    Token t = tok_;
    switch (t.type) {
      case Tok::kString:
        *out = Value(t.text, Pos(t));
        return Advance();
      case Tok::kInt:
        *out = Value(t.ival, Pos(t));
        return Advance();
      case Tok::kFloat:
        *out = Value(t.fval, Pos(t));
        return Advance();
      case Tok::kBool:
        *out = Value(t.bval, Pos(t));
        return Advance();
      case Tok::kLBrace: {
        Object body;
        body.pos = Pos(t);
        DSTART_RETURN_IF_ERROR(Advance());
        DSTART_RETURN_IF_ERROR(ParseItems(&body, true, t, depth + 1));
        *out = Value(std::move(body), Pos(t));
        return absl::OkStatus();
      }
      case Tok::kLBrack: {
        List items;
        DSTART_RETURN_IF_ERROR(Advance());
        while (tok_.type != Tok::kRBrack) {
          if (tok_.type == Tok::kEof) {
            return Err(tok_, fmt::format("expected ']' to close the '[' at line {}, column {}, "
                                         "got end of file",
                                         t.line, t.col));
          }
          Value v;
          DSTART_RETURN_IF_ERROR(ParseValue(&v, what, depth + 1));
          items.push_back(std::move(v));
          if (tok_.type == Tok::kComma) {
            DSTART_RETURN_IF_ERROR(Advance());
          } else if (tok_.type != Tok::kRBrack) {
            return Err(tok_,
                       fmt::format("expected ',' or ']' in the list, got {}", Describe(tok_)));
          }
        }
        *out = Value(std::move(items), Pos(t));
        return Advance();
      }
      case Tok::kIdent:
        if (json_ && t.text == "null")
          return Err(t, fmt::format("{}: null is not supported", what));
        return Err(t, fmt::format("{}: expected a value, got {} (strings need double quotes)", what,
                                  Describe(t)));
      default:
        return Err(t, fmt::format("{}: expected a value, got {}", what, Describe(t)));
    }
  }

  Lexer lex_;
  std::shared_ptr<const std::string> file_;
  Token tok_;
  bool json_ = false;
};

absl::Status At(const Position& pos, std::string_view msg) {
  return absl::InvalidArgumentError(fmt::format("{}: {}", pos.ToString(), msg));
}

// The single entry for `key`, or an error when it is set twice.
absl::StatusOr<const Entry*> Single(const Object& obj, std::string_view key) {
  const Entry* first = nullptr;
  for (const Entry& e : obj.entries()) {
    if (e.key != key) continue;
    if (first) {
      return e.Error(fmt::format("set more than once (first at line {}, column {})",
                                 first->pos.line, first->pos.column));
    }
    first = &e;
  }
  return first;
}

std::string ValueDescription(const Value& v) {
  switch (v.type()) {
    case Value::Type::kString:
      return fmt::format("string {}", GoQuote(v.string_value()));
    case Value::Type::kInt:
      return fmt::format("number {}", v.int_value());
    case Value::Type::kFloat:
      return fmt::format("number {}", v.number_value());
    case Value::Type::kBool:
      return fmt::format("bool {}", v.bool_value());
    default:
      return std::string(v.TypeName());
  }
}

absl::StatusOr<std::string> AsString(const Value& v) {
  switch (v.type()) {
    case Value::Type::kString:
      return v.string_value();
    case Value::Type::kInt:
      return std::to_string(v.int_value());
    case Value::Type::kFloat:
      return fmt::format("{}", v.number_value());
    default:
      return absl::InvalidArgumentError(
          fmt::format("expected a string, got {}", ValueDescription(v)));
  }
}

template <typename Known>
std::vector<const Entry*> Unknown(const Object& obj, const Known& known) {
  std::vector<const Entry*> out;
  for (const Entry& e : obj.entries()) {
    bool found = false;
    for (const auto& k : known) {
      if (std::string_view(k) == e.key) {
        found = true;
        break;
      }
    }
    if (!found) out.push_back(&e);
  }
  return out;
}

absl::Status UnknownError(const std::vector<const Entry*>& unknown, std::string_view context) {
  if (unknown.empty()) return absl::OkStatus();
  std::string msg;
  for (const Entry* e : unknown) {
    if (!msg.empty()) msg += "; ";
    msg += fmt::format("{}: unknown key {}", e->pos.ToString(), GoQuote(e->key));
    if (!context.empty()) msg += fmt::format(" in {}", context);
  }
  return absl::InvalidArgumentError(msg);
}

void MergeJson(nlohmann::json* into, const std::string& key, nlohmann::json v,
               std::set<std::string>* repeated) {
  auto it = into->find(key);
  if (it == into->end()) {
    (*into)[key] = std::move(v);
    return;
  }
  if (it->is_object() && v.is_object()) {
    for (auto& [k, sub] : v.items()) {
      if (it->contains(k) && (*it)[k].is_object() && sub.is_object()) {
        std::set<std::string> none;
        MergeJson(&*it, k, sub, &none);
      } else {
        (*it)[k] = sub;
      }
    }
    return;
  }
  if (repeated->count(key)) {
    it->push_back(std::move(v));
    return;
  }
  nlohmann::json arr = nlohmann::json::array({std::move(*it), std::move(v)});
  *it = std::move(arr);
  repeated->insert(key);
}

}  // namespace

std::string Position::ToString() const {
  if (file && !file->empty()) return fmt::format("{}:{}:{}", *file, line, column);
  return fmt::format("{}:{}", line, column);
}

std::string_view Value::TypeName() const {
  switch (type()) {
    case Type::kString:
      return "string";
    case Type::kInt:
    case Type::kFloat:
      return "number";
    case Type::kBool:
      return "bool";
    case Type::kList:
      return "list";
    case Type::kObject:
      return "object";
  }
  return "value";
}

double Value::number_value() const {
  if (is_int()) return static_cast<double>(int_value());
  return std::get<double>(v_);
}

absl::Status Entry::Error(std::string_view message) const {
  return At(pos, fmt::format("{}: {}", key, message));
}

const Entry* Object::Find(std::string_view key) const {
  for (const Entry& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

const Entry* Object::FindBlock(std::string_view key, std::string_view label) const {
  for (const Entry& e : entries_) {
    if (e.key == key && e.labels.size() == 1 && e.labels[0] == label) return &e;
  }
  return nullptr;
}

std::vector<const Entry*> Object::FindAll(std::string_view key) const {
  std::vector<const Entry*> out;
  for (const Entry& e : entries_) {
    if (e.key == key) out.push_back(&e);
  }
  return out;
}

absl::Status Object::GetString(std::string_view key, std::string* out) const {
  absl::StatusOr<const Entry*> e = Single(*this, key);
  if (!e.ok()) return e.status();
  if (*e == nullptr) return absl::OkStatus();
  absl::StatusOr<std::string> s = AsString((*e)->value);
  if (!s.ok()) return (*e)->Error(std::string(s.status().message()));
  *out = *std::move(s);
  return absl::OkStatus();
}

absl::Status Object::GetInt(std::string_view key, int64_t* out) const {
  absl::StatusOr<const Entry*> e = Single(*this, key);
  if (!e.ok()) return e.status();
  if (*e == nullptr) return absl::OkStatus();
  const Value& v = (*e)->value;
  if (v.is_int()) {
    *out = v.int_value();
    return absl::OkStatus();
  }
  if (v.is_string()) {
    int64_t i;
    if (ParseGoInt(v.string_value(), &i)) {
      *out = i;
      return absl::OkStatus();
    }
  }
  if (v.type() == Value::Type::kFloat) {
    return (*e)->Error(fmt::format("expected an integer, got {}", ValueDescription(v)));
  }
  return (*e)->Error(fmt::format("expected a number, got {}", ValueDescription(v)));
}

absl::Status Object::GetInt(std::string_view key, int* out) const {
  int64_t v = *out;
  DSTART_RETURN_IF_ERROR(GetInt(key, &v));
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
    return Find(key)->Error(fmt::format("{} is out of range", v));
  }
  *out = static_cast<int>(v);
  return absl::OkStatus();
}

absl::Status Object::GetDouble(std::string_view key, double* out) const {
  absl::StatusOr<const Entry*> e = Single(*this, key);
  if (!e.ok()) return e.status();
  if (*e == nullptr) return absl::OkStatus();
  const Value& v = (*e)->value;
  if (v.is_number()) {
    *out = v.number_value();
    return absl::OkStatus();
  }
  if (v.is_string()) {
    double d;
    if (ParseFloat(v.string_value(), &d)) {
      *out = d;
      return absl::OkStatus();
    }
  }
  return (*e)->Error(fmt::format("expected a number, got {}", ValueDescription(v)));
}

absl::Status Object::GetBool(std::string_view key, bool* out) const {
  absl::StatusOr<const Entry*> e = Single(*this, key);
  if (!e.ok()) return e.status();
  if (*e == nullptr) return absl::OkStatus();
  const Value& v = (*e)->value;
  if (!v.is_bool()) return (*e)->Error(fmt::format("expected a bool, got {}", ValueDescription(v)));
  *out = v.bool_value();
  return absl::OkStatus();
}

absl::Status Object::GetStringList(std::string_view key, std::vector<std::string>* out) const {
  absl::StatusOr<const Entry*> e = Single(*this, key);
  if (!e.ok()) return e.status();
  if (*e == nullptr) return absl::OkStatus();
  const Value& v = (*e)->value;
  if (v.is_string()) {
    *out = {v.string_value()};
    return absl::OkStatus();
  }
  if (!v.is_list()) {
    return (*e)->Error(fmt::format("expected a list of strings, got {}", ValueDescription(v)));
  }
  std::vector<std::string> items;
  for (size_t i = 0; i < v.list().size(); ++i) {
    const Value& item = v.list()[i];
    absl::StatusOr<std::string> s = AsString(item);
    if (!s.ok()) {
      return At(item.pos(), fmt::format("{}[{}]: {}", key, i, std::string(s.status().message())));
    }
    items.push_back(*std::move(s));
  }
  *out = std::move(items);
  return absl::OkStatus();
}

absl::Status Object::GetDuration(std::string_view key, std::chrono::nanoseconds* out) const {
  absl::StatusOr<const Entry*> e = Single(*this, key);
  if (!e.ok()) return e.status();
  if (*e == nullptr) return absl::OkStatus();
  const Value& v = (*e)->value;
  if (!v.is_string()) {
    return (*e)->Error(
        fmt::format("expected a duration string such as \"1h\", got {}", ValueDescription(v)));
  }
  absl::StatusOr<std::chrono::nanoseconds> d = ParseDuration(v.string_value());
  if (!d.ok()) return (*e)->Error(std::string(d.status().message()));
  *out = *d;
  return absl::OkStatus();
}

absl::Status Object::GetObject(std::string_view key, const Object** out) const {
  absl::StatusOr<const Entry*> e = Single(*this, key);
  if (!e.ok()) return e.status();
  if (*e == nullptr) return absl::OkStatus();
  if (!(*e)->labels.empty()) {
    return (*e)->Error(
        fmt::format("expected a block without labels, got {} label(s)", (*e)->labels.size()));
  }
  if (!(*e)->value.is_object()) {
    return (*e)->Error(fmt::format("expected a block, got {}", ValueDescription((*e)->value)));
  }
  *out = &(*e)->value.object();
  return absl::OkStatus();
}

absl::Status Object::Require(std::string_view key, std::string_view context) const {
  if (Has(key)) return absl::OkStatus();
  if (context.empty()) return At(pos, fmt::format("missing required key {}", GoQuote(key)));
  return At(pos, fmt::format("{}: missing required key {}", context, GoQuote(key)));
}

std::vector<const Entry*> Object::UnknownKeys(std::initializer_list<std::string_view> known) const {
  return Unknown(*this, known);
}
std::vector<const Entry*> Object::UnknownKeys(const std::vector<std::string>& known) const {
  return Unknown(*this, known);
}
absl::Status Object::CheckKnownKeys(std::initializer_list<std::string_view> known,
                                    std::string_view context) const {
  return UnknownError(Unknown(*this, known), context);
}
absl::Status Object::CheckKnownKeys(const std::vector<std::string>& known,
                                    std::string_view context) const {
  return UnknownError(Unknown(*this, known), context);
}

absl::StatusOr<Object> Parse(std::string_view text, std::string_view filename) {
  Parser p(text, std::make_shared<const std::string>(filename));
  return p.ParseDocument();
}

absl::StatusOr<Object> ParseFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return Parse(*text, path);
}

nlohmann::json ToJson(const Value& value) {
  switch (value.type()) {
    case Value::Type::kString:
      return value.string_value();
    case Value::Type::kInt:
      return value.int_value();
    case Value::Type::kFloat:
      return value.number_value();
    case Value::Type::kBool:
      return value.bool_value();
    case Value::Type::kList: {
      nlohmann::json arr = nlohmann::json::array();
      for (const Value& v : value.list()) arr.push_back(ToJson(v));
      return arr;
    }
    case Value::Type::kObject:
      return ToJson(value.object());
  }
  return nullptr;
}

nlohmann::json ToJson(const Object& object) {
  nlohmann::json out = nlohmann::json::object();
  std::set<std::string> repeated;
  for (const Entry& e : object.entries()) {
    nlohmann::json v = ToJson(e.value);
    for (auto it = e.labels.rbegin(); it != e.labels.rend(); ++it) {
      nlohmann::json wrapped = nlohmann::json::object();
      wrapped[*it] = std::move(v);
      v = std::move(wrapped);
    }
    MergeJson(&out, e.key, std::move(v), &repeated);
  }
  return out;
}

}  // namespace dstart::common::hcl
