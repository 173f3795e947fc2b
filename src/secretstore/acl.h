// Access control: policy documents and the rule selection of spec/secretstore.md §3.
//
// A Policy is parsed once from HCL or JSON text. An Acl merges the policies of one request (token
// ∪ identity, §3.2) with template values filled in, and answers which capabilities a logical
// path grants. Acl objects are immutable and cheap to build per request.
#ifndef DSTART_SECRETSTORE_ACL_H_
#define DSTART_SECRETSTORE_ACL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace dstart::secretstore {

enum Capability : uint32_t {
  kCapDeny = 1u << 0,
  kCapCreate = 1u << 1,
  kCapRead = 1u << 2,
  kCapUpdate = 1u << 3,
  kCapDelete = 1u << 4,
  kCapList = 1u << 5,
  kCapSudo = 1u << 6,
  kCapPatch = 1u << 7,
};

// Parses "read" etc.; returns 0 for an unknown name.
uint32_t CapabilityFromName(std::string_view name);
std::vector<std::string> CapabilityNames(uint32_t caps);

struct PathRule {
  std::string pattern;  // As written, e.g. "secret/edgex/+/db*".
  uint32_t capabilities = 0;
};

struct Policy {
  std::string name;
  std::string text;  // The document as submitted.
  std::vector<PathRule> rules;
};

// Parses `text` (HCL `path "p" { capabilities = [...] }` stanzas or JSON
// `{"path":{"p":{"capabilities":[...]}}}`). Errors name the offending path and capability.
absl::StatusOr<Policy> ParsePolicy(std::string name, std::string_view text);

// Values for `{{identity.entity.id}}` and `{{identity.entity.name}}` in patterns. A pattern whose
// template cannot be filled (no entity) is left out, as OpenBao does.
struct TemplateValues {
  std::string entity_id;
  std::string entity_name;
};

class Acl {
 public:
  // `root` grants everything. Otherwise rules with identical patterns are merged (§3.4).
  Acl(const std::vector<const Policy*>& policies, const TemplateValues& values, bool root = false);

  bool root() const { return root_; }
  // The capabilities of the rule selected for `path` (§3.5); 0 when no rule applies. `is_list`
  // enables the LIST fallbacks (path then ends in '/').
  uint32_t Capabilities(std::string_view path, bool is_list) const;
  // True when the selected rule grants every bit of `needed` (any-of for create|update is the
  // caller's choice) and does not deny.
  bool Allows(std::string_view path, bool is_list, uint32_t needed) const;

 private:
  struct Rule {
    std::string prefix;                 // Pattern without a trailing '*'.
    bool glob = false;                  // Ended in '*'.
    std::vector<std::string> segments;  // Split of prefix on '/', set when it holds '+'.
    bool segmented = false;
    int plus_count = 0;
    size_t first_wildcard = 0;  // Index of the first '+' or '*'.
    std::string pattern;
    uint32_t capabilities = 0;
  };
  const Rule* Select(std::string_view path) const;
  static bool Better(const Rule& a, const Rule& b);

  bool root_ = false;
  std::map<std::string, uint32_t, std::less<>> exact_;
  std::vector<Rule> globs_;     // Plain trailing-'*' rules.
  std::vector<Rule> segments_;  // Rules containing '+'.
};

}  // namespace dstart::secretstore

#endif  // DSTART_SECRETSTORE_ACL_H_
