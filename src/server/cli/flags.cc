#include "server/cli/flags.h"

#include <cerrno>
#include <cstdlib>

#include "fmt/format.h"

namespace dstart::server::cli {

void FlagSet::String(const std::string& name, std::string* out, std::string usage) {
  flags_[name] = {Kind::kString, out, std::move(usage)};
}
void FlagSet::StringList(const std::string& name, std::vector<std::string>* out,
                         std::string usage) {
  flags_[name] = {Kind::kList, out, std::move(usage)};
}
void FlagSet::Int(const std::string& name, int64_t* out, std::string usage) {
  flags_[name] = {Kind::kInt, out, std::move(usage)};
}
void FlagSet::Bool(const std::string& name, bool* out, std::string usage) {
  flags_[name] = {Kind::kBool, out, std::move(usage)};
}

absl::Status FlagSet::Set(const std::string& name, Flag& f, const std::string& value) {
  switch (f.kind) {
    case Kind::kString:
      *static_cast<std::string*>(f.out) = value;
      break;
    case Kind::kList:
      static_cast<std::vector<std::string>*>(f.out)->push_back(value);
      break;
    case Kind::kInt: {
      errno = 0;
      char* end = nullptr;
      long long v = std::strtoll(value.c_str(), &end, 0);
      if (value.empty() || *end != '\0' || errno != 0) {
        return absl::InvalidArgumentError(
            fmt::format("invalid value \"{}\" for flag -{}: parse error", value, name));
      }
      *static_cast<int64_t*>(f.out) = v;
      break;
    }
    case Kind::kBool: {
      bool v;
      if (value == "1" || value == "t" || value == "T" || value == "true" || value == "TRUE" ||
          value == "True") {
        v = true;
      } else if (value == "0" || value == "f" || value == "F" || value == "false" ||
                 value == "FALSE" || value == "False") {
        v = false;
      } else {
        return absl::InvalidArgumentError(
            fmt::format("invalid boolean value \"{}\" for -{}: parse error", value, name));
      }
      *static_cast<bool*>(f.out) = v;
      break;
    }
  }
  set_.insert(name);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> FlagSet::Parse(const std::vector<std::string>& args) {
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() < 2 || a[0] != '-') break;
    size_t dashes = (a[1] == '-') ? 2 : 1;
    if (dashes == 2 && a.size() == 2) {  // "--" ends the flags
      ++i;
      break;
    }
    std::string name = a.substr(dashes);
    if (name.empty() || name[0] == '-' || name[0] == '=') {
      return absl::InvalidArgumentError(fmt::format("bad flag syntax: {}", a));
    }
    std::string value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    auto it = flags_.find(name);
    if (it == flags_.end()) {
      if (name == "h" || name == "help") return absl::NotFoundError("help requested");
      return absl::InvalidArgumentError(fmt::format("flag provided but not defined: -{}", name));
    }
    if (it->second.kind == Kind::kBool) {
      if (!has_value) value = "true";
    } else if (!has_value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(fmt::format("flag needs an argument: -{}", name));
      }
      value = args[++i];
    }
    if (absl::Status st = Set(name, it->second, value); !st.ok()) return st;
  }
  return std::vector<std::string>(args.begin() + static_cast<long>(i), args.end());
}

std::string FlagSet::Usage() const {
  std::string out;
  for (const auto& [name, f] : flags_) {
    const char* arg = f.kind == Kind::kInt ? " int" : f.kind == Kind::kBool ? "" : " string";
    out += fmt::format("  -{}{}\n    \t{}\n", name, arg, f.usage);
  }
  return out;
}

}  // namespace dstart::server::cli
