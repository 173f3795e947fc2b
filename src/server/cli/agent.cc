// spire-server agent list|show|evict|ban|count, token generate, healthcheck (spec §2.5, §2.6).
#include <cstdio>

#include "dstart/server/v1/server.grpc.pb.h"
#include "fmt/format.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "server/api/convert.h"
#include "server/cli/commands.h"
#include "server/cli/common.h"
#include "spiffe/id.h"
#include "spiffe/selector.h"

namespace dstart::server::cli {
namespace {

namespace pb = ::dstart::server::v1;
using nlohmann::json;

bool CheckOutput(const std::string& output, int* code) {
  if (output == "pretty" || output == "prettyprint" || output == "json") return true;
  *code = Fail(fmt::format("invalid output format \"{}\"", output));
  return false;
}

json AgentJson(const pb::Agent& a) {
  json sels = json::array();
  for (const auto& s : a.selectors()) sels.push_back({{"type", s.type()}, {"value", s.value()}});
  json id = {{"trust_domain", ""}, {"path", a.id()}};
  if (auto p = spiffe::SpiffeId::FromString(a.id()); p.ok()) {
    id = {{"trust_domain", p->GetTrustDomain().Name()}, {"path", p->Path()}};
  }
  return json{{"id", id},
              {"attestation_type", a.attestation_type()},
              {"x509svid_serial_number", a.x509svid_serial_number()},
              {"x509svid_expires_at", std::to_string(a.x509svid_expires_at())},
              {"selectors", sels},
              {"banned", a.banned()},
              {"can_reattest", a.can_reattest()},
              {"agent_version", a.agent_version()}};
}

void PrintAgent(const pb::Agent& a, bool with_selectors) {
  std::printf("SPIFFE ID         : %s\n", a.id().c_str());
  std::printf("Attestation type  : %s\n", a.attestation_type().c_str());
  std::printf("Expiration time   : %s\n", GoLocalTime(a.x509svid_expires_at()).c_str());
  if (a.banned()) {
    std::printf("Banned            : true\n");
  } else {
    std::printf("Serial number     : %s\n", a.x509svid_serial_number().c_str());
  }
  std::printf("Can re-attest     : %s\n", a.can_reattest() ? "true" : "false");
  if (!a.agent_version().empty()) std::printf("Agent version     : %s\n", a.agent_version().c_str());
  if (with_selectors) {
    for (const auto& s : a.selectors()) {
      std::printf("Selectors         : %s:%s\n", s.type().c_str(), s.value().c_str());
    }
  }
  std::printf("\n");
}

struct AgentFilterFlags {
  std::vector<std::string> selectors;
  std::string match = "superset", attestation_type, can_reattest, banned, expires_before;
  void Add(FlagSet& f) {
    f.StringList("selector", &selectors, "A colon-delimited type:value selector. Can be used more than once to specify multiple selectors.");
    f.String("matchSelectorsOn", &match, "The match mode used when filtering by selectors. Options: exact, any, superset and subset");
    f.String("attestationType", &attestation_type, "Filter by attestation type, like join_token or x509pop.");
    f.String("canReattest", &can_reattest, "Filter based on string received, 'true': agents that can reattest, 'false': agents that can't reattest, other value will return all.");
    f.String("banned", &banned, "Filter based on string received, 'true': banned agents, 'false': not banned agents, other value will return all.");
    f.String("expiresBefore", &expires_before, "Filter by expiration time (format: \"2006-01-02 15:04:05 -0700 -07\")");
  }
  absl::StatusOr<pb::AgentFilter> Build() const {
    AgentFilter f;
    if (!attestation_type.empty()) f.by_attestation_type = attestation_type;
    if (can_reattest == "true") f.by_can_reattest = true;
    if (can_reattest == "false") f.by_can_reattest = false;
    if (banned == "true") f.by_banned = true;
    if (banned == "false") f.by_banned = false;
    if (!selectors.empty()) {
      auto m = spiffe::ParseMatchBehavior(match);
      if (!m.ok()) return absl::InvalidArgumentError(fmt::format("match behavior \"{}\" unknown", match));
      SelectorMatch sm;
      sm.match = *m;
      for (const auto& s : selectors) {
        auto sel = spiffe::Selector::Parse(s);
        if (!sel.ok()) {
          return absl::InvalidArgumentError(fmt::format("error parsing selector \"{}\": {}", s,
                                                        std::string(sel.status().message())));
        }
        sm.selectors.push_back(*sel);
      }
      f.by_selectors = sm;
    }
    if (!expires_before.empty()) {
      std::tm tm{};
      const char* end = strptime(expires_before.c_str(), "%Y-%m-%d %H:%M:%S %z", &tm);
      if (end == nullptr) {
        return absl::InvalidArgumentError(fmt::format(
            "date is not valid: parsing time \"{}\" as \"2006-01-02 15:04:05 -0700 -07\"",
            expires_before));
      }
      f.by_expires_before = static_cast<int64_t>(timegm(&tm)) - tm.tm_gmtoff;
    }
    pb::AgentFilter out;
    api::ToProto(f, &out);
    return out;
  }
};

int ListOrCount(const Args& args, bool count) {
  FlagSet flags;
  SocketFlags sf;
  sf.Add(flags);
  AgentFilterFlags af;
  af.Add(flags);
  std::string output = "pretty";
  flags.String("output", &output, "Desired output format (pretty, json); default: pretty.");
  int code = 0;
  if (!ParseFlags(flags, count ? "agent count" : "agent list", args, &code)) return code;
  if (!CheckOutput(output, &code)) return code;
  auto filter = af.Build();
  if (!filter.ok()) return Fail(std::string(filter.status().message()));
  auto stub = pb::AgentAPI::NewStub(Dial(sf.Resolve(flags)));
  if (count) {
    grpc::ClientContext ctx;
    pb::CountAgentsRequest req;
    *req.mutable_filter() = *filter;
    pb::CountAgentsResponse resp;
    grpc::Status st = stub->CountAgents(&ctx, req, &resp);
    if (!st.ok()) return Fail(RpcError(st));
    if (output == "json") {
      std::printf("%s\n", json{{"count", resp.count()}}.dump().c_str());
    } else {
      std::printf(resp.count() == 1 ? "%d attested agent\n" : "%d attested agents\n", resp.count());
    }
    return 0;
  }
  std::vector<pb::Agent> agents;
  std::string token;
  do {
    grpc::ClientContext ctx;
    pb::ListAgentsRequest req;
    *req.mutable_filter() = *filter;
    req.set_page_size(1000);
    req.set_page_token(token);
    pb::ListAgentsResponse resp;
    grpc::Status st = stub->ListAgents(&ctx, req, &resp);
    if (!st.ok()) return Fail(RpcError(st));
    for (auto& a : *resp.mutable_agents()) agents.push_back(std::move(a));
    token = resp.next_page_token();
  } while (!token.empty());
  if (output == "json") {
    json arr = json::array();
    for (const auto& a : agents) arr.push_back(AgentJson(a));
    std::printf("%s\n", json{{"agents", arr}, {"next_page_token", ""}}.dump().c_str());
    return 0;
  }
  if (agents.empty()) {
    std::printf("No attested agents found\n");
    return 0;
  }
  std::printf(agents.size() == 1 ? "Found %zu attested agent:\n\n" : "Found %zu attested agents:\n\n",
              agents.size());
  for (const auto& a : agents) PrintAgent(a, false);
  return 0;
}

// show, evict and ban take -spiffeID.
int OneAgent(const Args& args, const char* name) {
  FlagSet flags;
  SocketFlags sf;
  sf.Add(flags);
  std::string id, output = "pretty";
  flags.String("spiffeID", &id, "The SPIFFE ID of the agent");
  flags.String("output", &output, "Desired output format (pretty, json); default: pretty.");
  int code = 0;
  if (!ParseFlags(flags, fmt::format("agent {}", name), args, &code)) return code;
  if (!CheckOutput(output, &code)) return code;
  if (id.empty()) return Fail("a SPIFFE ID is required");
  auto parsed = spiffe::SpiffeId::FromString(id);
  if (!parsed.ok()) return Fail(std::string(parsed.status().message()));
  auto stub = pb::AgentAPI::NewStub(Dial(sf.Resolve(flags)));
  grpc::ClientContext ctx;
  pb::AgentIdRequest req;
  req.set_id(id);
  std::string what = name;
  if (what == "show") {
    pb::Agent a;
    grpc::Status st = stub->GetAgent(&ctx, req, &a);
    if (!st.ok()) return Fail(RpcError(st));
    if (output == "json") {
      std::printf("%s\n", AgentJson(a).dump().c_str());
      return 0;
    }
    std::printf("Found an attested agent given its SPIFFE ID\n\n");
    PrintAgent(a, true);
    return 0;
  }
  pb::Empty empty;
  grpc::Status st = what == "evict" ? stub->DeleteAgent(&ctx, req, &empty)
                                    : stub->BanAgent(&ctx, req, &empty);
  if (!st.ok()) return Fail(RpcError(st));
  if (output == "json") {
    std::printf("{}\n");
  } else {
    std::printf(what == "evict" ? "Agent evicted successfully\n" : "Agent banned successfully\n");
  }
  return 0;
}

}  // namespace

int AgentList(const Args& args) { return ListOrCount(args, false); }
int AgentCount(const Args& args) { return ListOrCount(args, true); }
int AgentShow(const Args& args) { return OneAgent(args, "show"); }
int AgentEvict(const Args& args) { return OneAgent(args, "evict"); }
int AgentBan(const Args& args) { return OneAgent(args, "ban"); }

int TokenGenerate(const Args& args) {
  FlagSet flags;
  SocketFlags sf;
  sf.Add(flags);
  std::string id, output = "pretty";
  int64_t ttl = 600;
  flags.String("spiffeID", &id, "Additional SPIFFE ID to assign the token owner (optional)");
  flags.Int("ttl", &ttl, "Token TTL in seconds");
  flags.String("output", &output, "Desired output format (pretty, json); default: pretty.");
  int code = 0;
  if (!ParseFlags(flags, "token generate", args, &code)) return code;
  if (!CheckOutput(output, &code)) return code;
  auto stub = pb::AgentAPI::NewStub(Dial(sf.Resolve(flags)));
  grpc::ClientContext ctx;
  pb::CreateJoinTokenRequest req;
  req.set_ttl(static_cast<int32_t>(ttl));
  req.set_agent_id(id);
  pb::JoinToken tok;
  grpc::Status st = stub->CreateJoinToken(&ctx, req, &tok);
  if (!st.ok()) return Fail(RpcError(st));
  if (output == "json") {
    std::printf("%s\n", json{{"value", tok.value()}, {"expires_at", std::to_string(tok.expires_at())}}
                            .dump()
                            .c_str());
    return 0;
  }
  std::printf("Token: %s\n", tok.value().c_str());
  if (id.empty()) std::printf("Warning: Missing SPIFFE ID.\n");
  return 0;
}

int Healthcheck(const Args& args) {
  FlagSet flags;
  SocketFlags sf;
  sf.Add(flags);
  bool shallow = false, verbose = false;
  flags.Bool("shallow", &shallow, "Perform a less stringent health check");
  flags.Bool("verbose", &verbose, "Print verbose information");
  int code = 0;
  if (!ParseFlags(flags, "healthcheck", args, &code)) return code;
  if (verbose) std::printf("Checking server health...\n");
  auto stub = grpc::health::v1::Health::NewStub(Dial(sf.Resolve(flags)));
  grpc::ClientContext ctx;
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  grpc::Status st = stub->Check(&ctx, req, &resp);
  if (!st.ok()) {
    if (verbose) std::fprintf(stderr, "Failed to check health: %s\n", RpcError(st).c_str());
    return Fail("server is unhealthy: unable to determine health");
  }
  if (resp.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    return Fail(fmt::format("server is unhealthy: server returned status \"{}\"",
                            grpc::health::v1::HealthCheckResponse::ServingStatus_Name(resp.status())));
  }
  std::printf("Server is healthy.\n");
  return 0;
}

}  // namespace dstart::server::cli
