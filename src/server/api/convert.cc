#include "server/api/convert.h"

namespace dstart::server::api {
namespace {

pb::MatchBehavior ToProto(Match m) {
  switch (m) {
    case Match::kExact:
      return pb::MATCH_EXACT;
    case Match::kSubset:
      return pb::MATCH_SUBSET;
    case Match::kSuperset:
      return pb::MATCH_SUPERSET;
    case Match::kAny:
      return pb::MATCH_ANY;
  }
  return pb::MATCH_SUPERSET;
}

Match FromProto(pb::MatchBehavior m) {
  switch (m) {
    case pb::MATCH_EXACT:
      return Match::kExact;
    case pb::MATCH_SUBSET:
      return Match::kSubset;
    case pb::MATCH_ANY:
      return Match::kAny;
    default:
      return Match::kSuperset;
  }
}

void ToProto(const SelectorMatch& in, pb::SelectorMatch* out) {
  for (const Selector& s : in.selectors) {
    auto* p = out->add_selectors();
    p->set_type(s.type);
    p->set_value(s.value);
  }
  out->set_match(ToProto(in.match));
}

SelectorMatch FromProto(const pb::SelectorMatch& in) {
  SelectorMatch out;
  for (const auto& s : in.selectors()) out.selectors.push_back({s.type(), s.value()});
  out.match = FromProto(in.match());
  return out;
}

}  // namespace

void ToProto(const Entry& in, pb::Entry* out) {
  out->set_id(in.id);
  out->set_spiffe_id(in.spiffe_id);
  out->set_parent_id(in.parent_id);
  for (const Selector& s : in.selectors) {
    auto* p = out->add_selectors();
    p->set_type(s.type);
    p->set_value(s.value);
  }
  out->set_x509_svid_ttl(in.x509_svid_ttl);
  out->set_jwt_svid_ttl(in.jwt_svid_ttl);
  for (const auto& td : in.federates_with) out->add_federates_with(td);
  out->set_admin(in.admin);
  out->set_downstream(in.downstream);
  out->set_expires_at(in.expires_at);
  for (const auto& d : in.dns_names) out->add_dns_names(d);
  out->set_revision_number(in.revision_number);
  out->set_store_svid(in.store_svid);
  out->set_hint(in.hint);
  out->set_created_at(in.created_at);
}

Entry FromProto(const pb::Entry& in) {
  Entry e;
  e.id = in.id();
  e.spiffe_id = in.spiffe_id();
  e.parent_id = in.parent_id();
  for (const auto& s : in.selectors()) e.selectors.push_back({s.type(), s.value()});
  e.x509_svid_ttl = in.x509_svid_ttl();
  e.jwt_svid_ttl = in.jwt_svid_ttl();
  e.federates_with.assign(in.federates_with().begin(), in.federates_with().end());
  e.admin = in.admin();
  e.downstream = in.downstream();
  e.expires_at = in.expires_at();
  e.dns_names.assign(in.dns_names().begin(), in.dns_names().end());
  e.revision_number = in.revision_number();
  e.store_svid = in.store_svid();
  e.hint = in.hint();
  e.created_at = in.created_at();
  return e;
}

void ToProto(const AttestedNode& in, pb::Agent* out) {
  out->set_id(in.spiffe_id);
  out->set_attestation_type(in.attestation_type);
  out->set_x509svid_serial_number(in.serial_number);
  out->set_x509svid_expires_at(in.expires_at);
  for (const Selector& s : in.selectors) {
    auto* p = out->add_selectors();
    p->set_type(s.type);
    p->set_value(s.value);
  }
  out->set_banned(in.banned());
  out->set_can_reattest(in.can_reattest);
  out->set_agent_version(in.agent_version);
}

AttestedNode FromProto(const pb::Agent& in) {
  AttestedNode n;
  n.spiffe_id = in.id();
  n.attestation_type = in.attestation_type();
  n.serial_number = in.x509svid_serial_number();
  n.expires_at = in.x509svid_expires_at();
  for (const auto& s : in.selectors()) n.selectors.push_back({s.type(), s.value()});
  n.can_reattest = in.can_reattest();
  n.agent_version = in.agent_version();
  return n;
}

EntryFilter FromProto(const pb::EntryFilter& in) {
  EntryFilter f;
  if (in.has_by_spiffe_id()) f.by_spiffe_id = in.by_spiffe_id();
  if (in.has_by_parent_id()) f.by_parent_id = in.by_parent_id();
  if (in.has_by_selectors()) f.by_selectors = FromProto(in.by_selectors());
  if (in.has_by_federates_with()) {
    FederatesWithMatch m;
    m.trust_domains.assign(in.by_federates_with().trust_domains().begin(),
                           in.by_federates_with().trust_domains().end());
    m.match = FromProto(in.by_federates_with().match());
    f.by_federates_with = std::move(m);
  }
  if (in.has_by_hint()) f.by_hint = in.by_hint();
  if (in.has_by_downstream()) f.by_downstream = in.by_downstream();
  return f;
}

void ToProto(const EntryFilter& in, pb::EntryFilter* out) {
  if (in.by_spiffe_id) out->set_by_spiffe_id(*in.by_spiffe_id);
  if (in.by_parent_id) out->set_by_parent_id(*in.by_parent_id);
  if (in.by_selectors) ToProto(*in.by_selectors, out->mutable_by_selectors());
  if (in.by_federates_with) {
    for (const auto& td : in.by_federates_with->trust_domains) {
      out->mutable_by_federates_with()->add_trust_domains(td);
    }
    out->mutable_by_federates_with()->set_match(ToProto(in.by_federates_with->match));
  }
  if (in.by_hint) out->set_by_hint(*in.by_hint);
  if (in.by_downstream) out->set_by_downstream(*in.by_downstream);
}

AgentFilter FromProto(const pb::AgentFilter& in) {
  AgentFilter f;
  if (in.has_by_attestation_type()) f.by_attestation_type = in.by_attestation_type();
  if (in.has_by_selector_match()) f.by_selectors = FromProto(in.by_selector_match());
  if (in.has_by_expires_before()) f.by_expires_before = in.by_expires_before();
  if (in.has_by_banned()) f.by_banned = in.by_banned();
  if (in.has_by_can_reattest()) f.by_can_reattest = in.by_can_reattest();
  return f;
}

void ToProto(const AgentFilter& in, pb::AgentFilter* out) {
  if (in.by_attestation_type) out->set_by_attestation_type(*in.by_attestation_type);
  if (in.by_selectors) ToProto(*in.by_selectors, out->mutable_by_selector_match());
  if (in.by_expires_before) out->set_by_expires_before(*in.by_expires_before);
  if (in.by_banned) out->set_by_banned(*in.by_banned);
  if (in.by_can_reattest) out->set_by_can_reattest(*in.by_can_reattest);
}

void ToProto(const absl::Status& in, pb::Status* out) {
  out->set_code(static_cast<int>(in.code()));
  out->set_message(std::string(in.message()));
}

absl::Status FromProto(const pb::Status& in) {
  return absl::Status(static_cast<absl::StatusCode>(in.code()), in.message());
}

grpc::Status ToGrpc(const absl::Status& s) {
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

absl::Status FromGrpc(const grpc::Status& s) {
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

const char* GrpcCodeName(int code) {
  static const char* const kNames[] = {
      "OK",       "Canceled",         "Unknown",           "InvalidArgument",   "DeadlineExceeded",
      "NotFound", "AlreadyExists",    "PermissionDenied",  "ResourceExhausted", "FailedPrecondition",
      "Aborted",  "OutOfRange",       "Unimplemented",     "Internal",          "Unavailable",
      "DataLoss", "Unauthenticated"};
  if (code < 0 || code > 16) return "Unknown";
  return kNames[code];
}

}  // namespace dstart::server::api
