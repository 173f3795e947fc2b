// SPIFFE IDs and trust domains (spec/spiffe.md §1).
//
// Both types are small immutable values: once constructed they are valid, so code that holds one
// never re-checks it. They order and hash, so they can key std::map, std::unordered_map and
// absl containers.
#ifndef DSTART_SPIFFE_ID_H_
#define DSTART_SPIFFE_ID_H_

#include <compare>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace dstart::spiffe {

class SpiffeId;

// Longest ID accepted, counting the whole string including "spiffe://" (§1.1).
inline constexpr size_t kMaxIdLength = 2048;
// Longest trust domain name accepted (§1.1).
inline constexpr size_t kMaxTrustDomainLength = 255;

// A trust domain name such as "example.org": non-empty, at most 255 bytes of [a-z0-9._-].
class TrustDomain {
 public:
  // Accepts a bare name ("example.org") or, like go-spiffe's TrustDomainFromString, anything
  // containing ":/", parsed as a full SPIFFE ID and reduced to its trust domain
  // ("spiffe://example.org" and "spiffe://example.org/x" both give "example.org").
  static absl::StatusOr<TrustDomain> FromString(std::string_view text);

  // "example.org".
  const std::string& Name() const { return name_; }
  // "spiffe://example.org", the trust domain's own ID and the key form of Workload API maps.
  std::string IdString() const;
  SpiffeId Id() const;

  friend bool operator==(const TrustDomain&, const TrustDomain&) = default;
  friend auto operator<=>(const TrustDomain&, const TrustDomain&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const TrustDomain& td) {
    return H::combine(std::move(h), td.name_);
  }

 private:
  friend class SpiffeId;
  explicit TrustDomain(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

// "spiffe://<trust domain><path>", where the path is empty or "/seg(/seg)*" with segments of
// [a-zA-Z0-9._-] that are not exactly "." or "..".
class SpiffeId {
 public:
  // Parses and validates the whole ID; the error names the rule broken and where.
  static absl::StatusOr<SpiffeId> FromString(std::string_view text);
  // Builds "spiffe://td/seg1/seg2..."; each segment is checked (no '/', no dot segment, charset).
  static absl::StatusOr<SpiffeId> FromSegments(const TrustDomain& td,
                                               const std::vector<std::string>& segments);
  // `path` is "" or "/seg(/seg)*".
  static absl::StatusOr<SpiffeId> FromPath(const TrustDomain& td, std::string_view path);

  const TrustDomain& GetTrustDomain() const { return td_; }
  // "" for a trust domain ID, otherwise starts with '/'.
  const std::string& Path() const { return path_; }
  // True for "spiffe://td" (the trust domain's ID, which has no path).
  bool IsRoot() const { return path_.empty(); }
  bool MemberOf(const TrustDomain& td) const { return td_ == td; }
  std::string String() const;

  friend bool operator==(const SpiffeId&, const SpiffeId&) = default;
  friend auto operator<=>(const SpiffeId&, const SpiffeId&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const SpiffeId& id) {
    return H::combine(std::move(h), id.td_, id.path_);
  }

 private:
  friend class TrustDomain;
  SpiffeId(TrustDomain td, std::string path) : td_(std::move(td)), path_(std::move(path)) {}
  TrustDomain td_;
  std::string path_;
};

}  // namespace dstart::spiffe

template <>
struct std::hash<dstart::spiffe::TrustDomain> {
  size_t operator()(const dstart::spiffe::TrustDomain& td) const noexcept {
    return std::hash<std::string>()(td.Name());
  }
};
template <>
struct std::hash<dstart::spiffe::SpiffeId> {
  size_t operator()(const dstart::spiffe::SpiffeId& id) const noexcept {
    return std::hash<std::string>()(id.GetTrustDomain().Name()) * 31 +
           std::hash<std::string>()(id.Path());
  }
};

#endif  // DSTART_SPIFFE_ID_H_
