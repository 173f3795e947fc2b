#include "server/entry_validation.h"

#include <algorithm>
#include <set>

#include "fmt/format.h"
#include "spiffe/id.h"

namespace dstart::server {
namespace {

absl::Status Invalid(std::string msg) { return absl::InvalidArgumentError(std::move(msg)); }

absl::Status CheckId(const char* field, const std::string& text, const std::string& td) {
  auto id = spiffe::SpiffeId::FromString(text);
  if (!id.ok()) {
    return Invalid(fmt::format("invalid {} \"{}\": {}", field, text, std::string(id.status().message())));
  }
  if (id->GetTrustDomain().Name() != td) {
    return Invalid(fmt::format("invalid {} \"{}\": not a member of trust domain \"{}\"", field,
                               text, td));
  }
  if (id->Path().empty()) {
    return Invalid(fmt::format("invalid {} \"{}\": path cannot be empty", field, text));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateDnsName(const std::string& name) {
  auto bad = [&](const char* why) {
    return Invalid(fmt::format("invalid dns_names \"{}\": {}", name, why));
  };
  if (name.empty()) return bad("empty");
  if (name.size() > 253) return bad("longer than 253 characters");
  if (name.back() == '.') return bad("trailing dot");
  size_t start = 0;
  bool first = true;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    std::string label = name.substr(start, dot - start);
    if (label.empty()) return bad("empty label");
    if (label.size() > 63) return bad("label longer than 63 characters");
    if (label == "*") {
      if (!first) return bad("wildcard allowed only as the leftmost label");
      if (dot == name.size()) return bad("wildcard needs a domain after it");
    } else {
      for (char c : label) {
        if (c == '*') return bad("wildcard must be a whole leftmost label");
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-';
        if (!ok) return bad("labels may contain only letters, digits and '-'");
      }
      if (label.front() == '-' || label.back() == '-') return bad("label starts or ends with '-'");
    }
    first = false;
    start = dot + 1;
  }
  return absl::OkStatus();
}

absl::Status ValidateEntry(const std::string& trust_domain, Entry& e) {
  if (!e.id.empty()) {
    if (e.id.size() > 255) return Invalid("invalid entry_id: longer than 255 characters");
    for (char c : e.id) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '.' || c == '_';
      if (!ok) {
        return Invalid(fmt::format(
            "invalid entry_id \"{}\": may contain only letters, digits, '-', '.' and '_'", e.id));
      }
    }
  }
  if (e.parent_id.empty()) return Invalid("invalid parent_id: missing");
  if (absl::Status st = CheckId("parent_id", e.parent_id, trust_domain); !st.ok()) return st;
  if (e.spiffe_id.empty()) return Invalid("invalid spiffe_id: missing");
  if (absl::Status st = CheckId("spiffe_id", e.spiffe_id, trust_domain); !st.ok()) return st;
  auto id = spiffe::SpiffeId::FromString(e.spiffe_id);
  if (id->Path() == "/spire" || id->Path().rfind("/spire/", 0) == 0) {
    return Invalid(fmt::format(
        "invalid spiffe_id \"{}\": \"/spire\" is a reserved path for the server and agents",
        e.spiffe_id));
  }
  if (e.selectors.empty()) return Invalid("invalid selectors: at least one selector is required");
  for (const Selector& s : e.selectors) {
    auto checked = spiffe::Selector::Make(s.type, s.value);
    if (!checked.ok()) {
      return Invalid(fmt::format("invalid selectors \"{}:{}\": {}", s.type, s.value,
                                 std::string(checked.status().message())));
    }
  }
  std::set<Selector> seen;
  std::vector<Selector> unique;
  for (Selector& s : e.selectors) {
    if (seen.insert(s).second) unique.push_back(std::move(s));
  }
  e.selectors = std::move(unique);
  if (e.x509_svid_ttl < 0) {
    return Invalid(fmt::format("invalid x509_svid_ttl {}: must not be negative", e.x509_svid_ttl));
  }
  if (e.jwt_svid_ttl < 0) {
    return Invalid(fmt::format("invalid jwt_svid_ttl {}: must not be negative", e.jwt_svid_ttl));
  }
  if (e.expires_at < 0) {
    return Invalid(fmt::format("invalid expires_at {}: must not be negative", e.expires_at));
  }
  for (std::string& td : e.federates_with) {
    auto parsed = spiffe::TrustDomain::FromString(td);
    if (!parsed.ok()) {
      return Invalid(fmt::format("invalid federates_with \"{}\": {}", td,
                                 std::string(parsed.status().message())));
    }
    td = parsed->Name();
  }
  for (const std::string& dns : e.dns_names) {
    if (absl::Status st = ValidateDnsName(dns); !st.ok()) return st;
  }
  if (e.hint.size() > 1024) return Invalid("invalid hint: longer than 1024 characters");
  return absl::OkStatus();
}

}  // namespace dstart::server
