// spire-server entry create|update|delete|show|count (spec/spire.md §2.1–2.3).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "dstart/server/v1/server.grpc.pb.h"
#include "fmt/format.h"
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

json IdJson(const std::string& id) {
  auto parsed = spiffe::SpiffeId::FromString(id);
  if (parsed.ok()) {
    return json{{"trust_domain", parsed->GetTrustDomain().Name()}, {"path", parsed->Path()}};
  }
  return json{{"trust_domain", ""}, {"path", id}};
}

// protojson of a SPIRE types.Entry: proto names, every field, int64 as strings (spec §2).
json EntryJson(const pb::Entry& e) {
  json sels = json::array();
  for (const auto& s : e.selectors()) sels.push_back({{"type", s.type()}, {"value", s.value()}});
  return json{{"id", e.id()},
              {"spiffe_id", IdJson(e.spiffe_id())},
              {"parent_id", IdJson(e.parent_id())},
              {"selectors", sels},
              {"x509_svid_ttl", e.x509_svid_ttl()},
              {"jwt_svid_ttl", e.jwt_svid_ttl()},
              {"federates_with", json(std::vector<std::string>(e.federates_with().begin(),
                                                               e.federates_with().end()))},
              {"admin", e.admin()},
              {"downstream", e.downstream()},
              {"expires_at", std::to_string(e.expires_at())},
              {"dns_names",
               json(std::vector<std::string>(e.dns_names().begin(), e.dns_names().end()))},
              {"revision_number", std::to_string(e.revision_number())},
              {"store_svid", e.store_svid()},
              {"hint", e.hint()},
              {"created_at", std::to_string(e.created_at())}};
}

json StatusJson(const pb::Status& s) {
  return json{{"code", s.code()}, {"message", s.code() == 0 ? "OK" : s.message()}};
}

void PrintJson(const json& j) { std::printf("%s\n", j.dump().c_str()); }

// The entry block of SPIRE 1.13.3: labels 17 wide, then ": ".
void PrintEntry(std::FILE* out, const pb::Entry& e) {
  auto line = [&](const char* label, const std::string& v) {
    std::fprintf(out, "%-17s: %s\n", label, v.c_str());
  };
  line("Entry ID", e.id().empty() ? "(none)" : e.id());
  line("SPIFFE ID", e.spiffe_id());
  line("Parent ID", e.parent_id());
  line("Revision", std::to_string(e.revision_number()));
  if (e.downstream()) line("Downstream", "true");
  line("X509-SVID TTL", e.x509_svid_ttl() == 0 ? "default" : std::to_string(e.x509_svid_ttl()));
  line("JWT-SVID TTL", e.jwt_svid_ttl() == 0 ? "default" : std::to_string(e.jwt_svid_ttl()));
  if (e.expires_at() != 0) line("Expiration time", GoUtcTime(e.expires_at()));
  for (const auto& s : e.selectors()) line("Selector", s.type() + ":" + s.value());
  for (const auto& td : e.federates_with()) line("FederatesWith", td);
  for (const auto& d : e.dns_names()) line("DNS name", d);
  if (e.admin()) line("Admin", "true");
  if (e.store_svid()) line("StoreSvid", "true");
  if (!e.hint().empty()) line("Hint", e.hint());
  std::fprintf(out, "\n");
}

absl::StatusOr<Selector> ParseSelectorFlag(const std::string& text) {
  size_t colon = text.find(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        fmt::format("selector \"{}\" must be formatted as type:value", text));
  }
  return Selector{text.substr(0, colon), text.substr(colon + 1)};
}

absl::StatusOr<std::string> ReadInput(const std::string& path) {
  std::string data;
  if (path == "-") {
    data.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return data;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(fmt::format("open {}: no such file or directory", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The -data file: {"entries":[{common.RegistrationEntry JSON}]} (spec §1.1).
absl::StatusOr<std::vector<pb::Entry>> ParseDataFile(const std::string& path) {
  auto text = ReadInput(path);
  if (!text.ok()) return text.status();
  json doc = json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError(fmt::format("failed to parse JSON data in {}", path));
  }
  std::vector<pb::Entry> out;
  try {
    for (const json& j : doc.value("entries", json::array())) {
      pb::Entry e;
      e.set_id(j.value("entry_id", ""));
      e.set_spiffe_id(j.value("spiffe_id", ""));
      e.set_parent_id(j.value("parent_id", ""));
      for (const json& s : j.value("selectors", json::array())) {
        auto* p = e.add_selectors();
        p->set_type(s.value("type", ""));
        p->set_value(s.value("value", ""));
      }
      e.set_x509_svid_ttl(j.value("x509_svid_ttl", j.value("ttl", 0)));
      e.set_jwt_svid_ttl(j.value("jwt_svid_ttl", 0));
      for (const json& td : j.value("federates_with", json::array())) {
        e.add_federates_with(td.get<std::string>());
      }
      e.set_admin(j.value("admin", false));
      e.set_downstream(j.value("downstream", false));
      e.set_expires_at(j.value("entryExpiry", int64_t{0}));
      for (const json& d : j.value("dns_names", json::array())) e.add_dns_names(d.get<std::string>());
      e.set_store_svid(j.value("store_svid", false));
      e.set_hint(j.value("hint", ""));
      out.push_back(std::move(e));
    }
  } catch (const json::exception& ex) {
    return absl::InvalidArgumentError(fmt::format("failed to parse JSON data in {}: {}", path,
                                                  ex.what()));
  }
  return out;
}

// Flags shared by create and update.
struct EntryFlags {
  SocketFlags socket;
  std::string entry_id, parent_id, spiffe_id, data, hint, output = "pretty";
  std::vector<std::string> selectors, dns, federates_with;
  int64_t x509_ttl = 0, jwt_ttl = 0, expiry = 0;
  bool admin = false, downstream = false, node = false, store_svid = false;

  void Add(FlagSet& f, bool create) {
    socket.Add(f);
    f.String("entryID", &entry_id, "The Registration Entry ID of the record");
    f.String("parentID", &parent_id, "The SPIFFE ID of this record's parent");
    f.String("spiffeID", &spiffe_id, "The SPIFFE ID that this record represents");
    f.StringList("selector", &selectors, "A colon-delimited type:value selector. Can be used more than once");
    f.Int("x509SVIDTTL", &x509_ttl, "The lifetime, in seconds, for x509-SVIDs issued based on this registration entry.");
    f.Int("jwtSVIDTTL", &jwt_ttl, "The lifetime, in seconds, for JWT-SVIDs issued based on this registration entry.");
    f.StringList("federatesWith", &federates_with, "SPIFFE ID of a trust domain to federate with. Can be used more than once");
    f.StringList("dns", &dns, "A DNS name that will be included in SVIDs issued based on this entry, where appropriate. Can be used more than once");
    f.Bool("admin", &admin, "If set, the SPIFFE ID in this entry will be granted access to the SPIRE Server's management APIs");
    f.Bool("downstream", &downstream, "A boolean value that, when set, indicates that the entry describes a downstream SPIRE server");
    f.Bool("storeSVID", &store_svid, "A boolean value that, when set, indicates that the resulting issued SVID from this entry must be stored through an SVIDStore plugin");
    f.Int("entryExpiry", &expiry, "An expiry, from epoch in seconds, for the resulting registration entry to be pruned");
    f.String("hint", &hint, "The entry hint, used to disambiguate entries with the same SPIFFE ID");
    f.String("data", &data, "Path to a file containing registration JSON (optional). If set to '-', read the JSON from stdin.");
    f.String("output", &output, "Desired output format (pretty, json); default: pretty.");
    if (create) f.Bool("node", &node, "If set, this entry will be applied to matching nodes rather than workloads");
  }

  absl::Status Validate(bool create) const {
    if (!data.empty()) return absl::OkStatus();
    if (!create && entry_id.empty()) return absl::InvalidArgumentError("entry ID is required");
    if (selectors.empty()) return absl::InvalidArgumentError("at least one selector is required");
    if (create && node && !federates_with.empty()) {
      return absl::InvalidArgumentError("node entries can not federate");
    }
    if (parent_id.empty() && !(create && node)) {
      return absl::InvalidArgumentError("a parent ID is required if the node flag is not set");
    }
    if (spiffe_id.empty()) return absl::InvalidArgumentError("a SPIFFE ID is required");
    if (x509_ttl < 0) return absl::InvalidArgumentError("a positive x509-SVID TTL is required");
    if (jwt_ttl < 0) return absl::InvalidArgumentError("a positive JWT-SVID TTL is required");
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<pb::Entry>> Entries() const {
    if (!data.empty()) return ParseDataFile(data);
    pb::Entry e;
    e.set_id(entry_id);
    e.set_spiffe_id(spiffe_id);
    e.set_parent_id(parent_id);
    if (node) {
      auto id = spiffe::SpiffeId::FromString(spiffe_id);
      if (!id.ok()) {
        return absl::InvalidArgumentError(fmt::format("invalid SPIFFE ID \"{}\": {}", spiffe_id,
                                                      std::string(id.status().message())));
      }
      e.set_parent_id(fmt::format("spiffe://{}/spire/server", id->GetTrustDomain().Name()));
    }
    for (const std::string& s : selectors) {
      auto sel = ParseSelectorFlag(s);
      if (!sel.ok()) return sel.status();
      auto* p = e.add_selectors();
      p->set_type(sel->type);
      p->set_value(sel->value);
    }
    e.set_x509_svid_ttl(static_cast<int32_t>(x509_ttl));
    e.set_jwt_svid_ttl(static_cast<int32_t>(jwt_ttl));
    for (const auto& td : federates_with) e.add_federates_with(td);
    for (const auto& d : dns) e.add_dns_names(d);
    e.set_admin(admin);
    e.set_downstream(downstream);
    e.set_store_svid(store_svid);
    e.set_expires_at(expiry);
    e.set_hint(hint);
    return std::vector<pb::Entry>{std::move(e)};
  }
};

bool CheckOutput(const std::string& output, int* code) {
  if (output == "pretty" || output == "prettyprint" || output == "json") return true;
  *code = Fail(fmt::format("invalid output format \"{}\"", output));
  return false;
}

int CreateOrUpdate(const Args& args, bool create) {
  FlagSet flags;
  EntryFlags ef;
  ef.Add(flags, create);
  int code = 0;
  if (!ParseFlags(flags, create ? "entry create" : "entry update", args, &code)) return code;
  if (!CheckOutput(ef.output, &code)) return code;
  if (absl::Status st = ef.Validate(create); !st.ok()) return Fail(std::string(st.message()));
  auto entries = ef.Entries();
  if (!entries.ok()) return Fail(std::string(entries.status().message()));

  auto stub = pb::EntryAPI::NewStub(Dial(ef.socket.Resolve(flags)));
  grpc::ClientContext ctx;
  google::protobuf::RepeatedPtrField<pb::BatchCreateEntryResponse::Result> results;
  grpc::Status st;
  if (create) {
    pb::BatchCreateEntryRequest req;
    for (auto& e : *entries) *req.add_entries() = e;
    pb::BatchCreateEntryResponse resp;
    st = stub->BatchCreateEntry(&ctx, req, &resp);
    results = resp.results();
  } else {
    pb::BatchUpdateEntryRequest req;
    for (auto& e : *entries) *req.add_entries() = e;
    pb::BatchUpdateEntryResponse resp;
    st = stub->BatchUpdateEntry(&ctx, req, &resp);
    for (const auto& r : resp.results()) {
      auto* c = results.Add();
      *c->mutable_status() = r.status();
      *c->mutable_entry() = r.entry();
    }
  }
  if (!st.ok()) return Fail(RpcError(st));

  bool failed = false;
  if (ef.output == "json") {
    json out = json::array();
    json rs = json::array();
    for (const auto& r : results) {
      rs.push_back({{"status", StatusJson(r.status())}, {"entry", EntryJson(r.entry())}});
      failed |= r.status().code() != 0;
    }
    PrintJson(json{{"results", rs}});
  } else {
    for (int i = 0; i < results.size(); ++i) {
      const auto& r = results[i];
      if (r.status().code() == 0) {
        PrintEntry(stdout, r.entry());
        continue;
      }
      failed = true;
      std::fprintf(stderr, "Failed to %s the following entry (code: %s, msg: %s):\n",
                   create ? "create" : "update", api::GrpcCodeName(r.status().code()),
                   GoQuote(r.status().message()).c_str());
      PrintEntry(stderr, i < static_cast<int>(entries->size()) ? (*entries)[i] : r.entry());
    }
  }
  if (failed) {
    return Fail(create ? "failed to create one or more entries"
                       : "failed to update one or more entries");
  }
  return 0;
}

// The filter flags of show and count.
struct FilterFlags {
  std::string parent_id, spiffe_id, hint, match_selectors = "superset",
                                          match_federates = "superset";
  std::vector<std::string> selectors, federates_with;
  bool downstream = false;

  void Add(FlagSet& f) {
    f.String("parentID", &parent_id, "The Parent ID of the records to show");
    f.String("spiffeID", &spiffe_id, "The SPIFFE ID of the records to show");
    f.StringList("selector", &selectors, "A colon-delimited type:value selector. Can be used more than once");
    f.String("matchSelectorsOn", &match_selectors, "The match mode used when filtering by selectors. Options: exact, any, superset and subset");
    f.StringList("federatesWith", &federates_with, "SPIFFE ID of a trust domain an entry is federate with. Can be used more than once");
    f.String("matchFederatesWithOn", &match_federates, "The match mode used when filtering by federates with. Options: exact, any, superset and subset");
    f.String("hint", &hint, "The Hint of the records to show (optional)");
    f.Bool("downstream", &downstream, "A boolean value that, when set, indicates that the entry describes a downstream SPIRE server");
  }

  absl::StatusOr<pb::EntryFilter> Build(const FlagSet& flags) const {
    EntryFilter f;
    if (!parent_id.empty()) {
      auto id = spiffe::SpiffeId::FromString(parent_id);
      if (!id.ok()) {
        return absl::InvalidArgumentError(fmt::format("error parsing parent ID \"{}\": {}", parent_id,
                                                      std::string(id.status().message())));
      }
      f.by_parent_id = id->String();
    }
    if (!spiffe_id.empty()) {
      auto id = spiffe::SpiffeId::FromString(spiffe_id);
      if (!id.ok()) {
        return absl::InvalidArgumentError(fmt::format("error parsing entry ID \"{}\": {}", spiffe_id,
                                                      std::string(id.status().message())));
      }
      f.by_spiffe_id = id->String();
    }
    if (!selectors.empty()) {
      auto match = spiffe::ParseMatchBehavior(match_selectors);
      if (!match.ok()) {
        return absl::InvalidArgumentError(fmt::format("match behavior \"{}\" unknown", match_selectors));
      }
      SelectorMatch m;
      m.match = *match;
      for (const auto& s : selectors) {
        auto sel = ParseSelectorFlag(s);
        if (!sel.ok()) return sel.status();
        m.selectors.push_back(*sel);
      }
      f.by_selectors = m;
    }
    if (!federates_with.empty()) {
      auto match = spiffe::ParseMatchBehavior(match_federates);
      if (!match.ok()) {
        return absl::InvalidArgumentError(fmt::format("match behavior \"{}\" unknown", match_federates));
      }
      FederatesWithMatch m;
      m.match = *match;
      for (const auto& td : federates_with) {
        auto parsed = spiffe::TrustDomain::FromString(td);
        if (!parsed.ok()) {
          return absl::InvalidArgumentError(fmt::format("invalid federatesWith \"{}\": {}", td,
                                                        std::string(parsed.status().message())));
        }
        m.trust_domains.push_back(parsed->Name());
      }
      f.by_federates_with = m;
    }
    if (flags.IsSet("hint")) f.by_hint = hint;
    if (downstream) f.by_downstream = true;
    pb::EntryFilter out;
    api::ToProto(f, &out);
    return out;
  }
};

std::pair<std::string, std::string> IdKey(const std::string& id) {
  auto p = spiffe::SpiffeId::FromString(id);
  if (p.ok()) return {p->GetTrustDomain().Name(), p->Path()};
  return {"", id};
}

// Client-side order of `entry show` (spec §2.3).
void SortEntries(std::vector<pb::Entry>& entries) {
  for (auto& e : entries) {
    std::sort(e.mutable_selectors()->begin(), e.mutable_selectors()->end(),
              [](const pb::Selector& a, const pb::Selector& b) {
                return std::tie(a.type(), a.value()) < std::tie(b.type(), b.value());
              });
  }
  std::stable_sort(entries.begin(), entries.end(), [](const pb::Entry& a, const pb::Entry& b) {
    auto sa = IdKey(a.spiffe_id()), sb = IdKey(b.spiffe_id());
    if (sa != sb) return sa < sb;
    auto pa = IdKey(a.parent_id()), pb_ = IdKey(b.parent_id());
    if (pa != pb_) return pa < pb_;
    if (a.x509_svid_ttl() != b.x509_svid_ttl()) return a.x509_svid_ttl() < b.x509_svid_ttl();
    if (a.jwt_svid_ttl() != b.jwt_svid_ttl()) return a.jwt_svid_ttl() < b.jwt_svid_ttl();
    if (a.selectors_size() != b.selectors_size()) return a.selectors_size() < b.selectors_size();
    for (int i = 0; i < a.selectors_size(); ++i) {
      const auto &x = a.selectors(i), &y = b.selectors(i);
      if (x.type() != y.type()) return x.type() < y.type();
      if (x.value() != y.value()) return x.value() < y.value();
    }
    return false;
  });
}

}  // namespace

int EntryCreate(const Args& args) { return CreateOrUpdate(args, true); }
int EntryUpdate(const Args& args) { return CreateOrUpdate(args, false); }

int EntryDelete(const Args& args) {
  FlagSet flags;
  SocketFlags sf;
  sf.Add(flags);
  std::string entry_id, file, output = "pretty";
  flags.String("entryID", &entry_id, "The Registration Entry ID of the record to delete.");
  flags.String("file", &file, "Path to a file containing a JSON structure for batch deletion (optional). If set to '-', read from stdin.");
  flags.String("output", &output, "Desired output format (pretty, json); default: pretty.");
  int code = 0;
  if (!ParseFlags(flags, "entry delete", args, &code)) return code;
  if (!CheckOutput(output, &code)) return code;
  if (entry_id.empty() && file.empty()) return Fail("an entry ID or JSON file is required");
  if (!entry_id.empty() && !file.empty()) return Fail("the -entryID flag can't be combined with -file");
  pb::BatchDeleteEntryRequest req;
  if (!entry_id.empty()) {
    req.add_ids(entry_id);
  } else {
    auto text = ReadInput(file);
    if (!text.ok()) return Fail(std::string(text.status().message()));
    json doc = json::parse(*text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("ids") || !doc["ids"].is_array()) {
      return Fail(fmt::format("failed to parse JSON data in {}", file));
    }
    for (const json& id : doc["ids"]) {
      if (!id.is_string()) return Fail(fmt::format("failed to parse JSON data in {}", file));
      req.add_ids(id.get<std::string>());
    }
  }
  auto stub = pb::EntryAPI::NewStub(Dial(sf.Resolve(flags)));
  grpc::ClientContext ctx;
  pb::BatchDeleteEntryResponse resp;
  grpc::Status st = stub->BatchDeleteEntry(&ctx, req, &resp);
  if (!st.ok()) return Fail(RpcError(st));
  bool failed = false;
  if (output == "json") {
    json rs = json::array();
    for (const auto& r : resp.results()) {
      rs.push_back({{"status", StatusJson(r.status())}, {"id", r.id()}});
      failed |= r.status().code() != 0;
    }
    PrintJson(json{{"results", rs}});
  } else {
    int ok = 0;
    for (const auto& r : resp.results()) {
      if (r.status().code() == 0) {
        std::printf("Deleted entry with ID: %s\n", r.id().c_str());
        ++ok;
      } else {
        failed = true;
        std::fprintf(stderr, "Failed to delete entry with ID %s (code: %s, msg: %s)\n",
                     r.id().c_str(), api::GrpcCodeName(r.status().code()),
                     GoQuote(r.status().message()).c_str());
      }
    }
    std::printf("\n\nDeleted %d entries successfully", ok);
    std::fflush(stdout);
  }
  if (failed) {
    std::fprintf(stderr, "\n");
    return Fail("failed to delete one or more entries");
  }
  return 0;
}

int EntryShow(const Args& args) {
  FlagSet flags;
  SocketFlags sf;
  sf.Add(flags);
  FilterFlags ff;
  ff.Add(flags);
  std::string entry_id, output = "pretty";
  flags.String("entryID", &entry_id, "The Entry ID of the records to show");
  flags.String("output", &output, "Desired output format (pretty, json); default: pretty.");
  int code = 0;
  if (!ParseFlags(flags, "entry show", args, &code)) return code;
  if (!CheckOutput(output, &code)) return code;
  if (!entry_id.empty() &&
      (!ff.parent_id.empty() || !ff.spiffe_id.empty() || !ff.selectors.empty())) {
    return Fail("the -entryID flag can't be combined with others");
  }
  auto stub = pb::EntryAPI::NewStub(Dial(sf.Resolve(flags)));
  std::vector<pb::Entry> entries;
  if (!entry_id.empty()) {
    grpc::ClientContext ctx;
    pb::GetEntryRequest req;
    req.set_id(entry_id);
    pb::Entry e;
    grpc::Status st = stub->GetEntry(&ctx, req, &e);
    if (!st.ok()) return Fail(fmt::format("error fetching entry ID {}: {}", entry_id, RpcError(st)));
    entries.push_back(std::move(e));
  } else {
    auto filter = ff.Build(flags);
    if (!filter.ok()) return Fail(std::string(filter.status().message()));
    std::string token;
    do {
      grpc::ClientContext ctx;
      pb::ListEntriesRequest req;
      *req.mutable_filter() = *filter;
      req.set_page_size(500);
      req.set_page_token(token);
      pb::ListEntriesResponse resp;
      grpc::Status st = stub->ListEntries(&ctx, req, &resp);
      if (!st.ok()) return Fail(fmt::format("error fetching entries: {}", RpcError(st)));
      for (auto& e : *resp.mutable_entries()) entries.push_back(std::move(e));
      token = resp.next_page_token();
    } while (!token.empty());
  }
  SortEntries(entries);
  if (output == "json") {
    json arr = json::array();
    for (const auto& e : entries) arr.push_back(EntryJson(e));
    PrintJson(json{{"entries", arr}, {"next_page_token", ""}});
    return 0;
  }
  std::string out = entries.size() == 1 ? "Found 1 entry\n"
                                        : fmt::format("Found {} entries\n", entries.size());
  std::fwrite(out.data(), 1, out.size(), stdout);
  for (const auto& e : entries) PrintEntry(stdout, e);
  return 0;
}

int EntryCount(const Args& args) {
  FlagSet flags;
  SocketFlags sf;
  sf.Add(flags);
  FilterFlags ff;
  ff.Add(flags);
  std::string output = "pretty";
  flags.String("output", &output, "Desired output format (pretty, json); default: pretty.");
  int code = 0;
  if (!ParseFlags(flags, "entry count", args, &code)) return code;
  if (!CheckOutput(output, &code)) return code;
  auto filter = ff.Build(flags);
  if (!filter.ok()) return Fail(std::string(filter.status().message()));
  auto stub = pb::EntryAPI::NewStub(Dial(sf.Resolve(flags)));
  grpc::ClientContext ctx;
  pb::CountEntriesRequest req;
  *req.mutable_filter() = *filter;
  pb::CountEntriesResponse resp;
  grpc::Status st = stub->CountEntries(&ctx, req, &resp);
  if (!st.ok()) return Fail(RpcError(st));
  if (output == "json") {
    PrintJson(json{{"count", resp.count()}});
  } else if (resp.count() == 1) {
    std::printf("1 registration entry\n");
  } else {
    std::printf("%d registration entries\n", resp.count());
  }
  return 0;
}

}  // namespace dstart::server::cli
