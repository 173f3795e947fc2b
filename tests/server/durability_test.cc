// SIGKILL while 10,000 entries are being created in batches: after a restart every entry the API
// acknowledged is present and whole, and no batch is half-written (spec: a commit is durable
// before it is acknowledged; a batch is one transaction).
#include <signal.h>

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "nlohmann/json.hpp"
#include "server_fixture.h"

namespace dstart::server::testing {
namespace {

using dstart::testing::TempDir;
using nlohmann::json;

constexpr int kTotal = 10000;
constexpr int kBatch = 250;

std::string BatchJson(int batch) {
  json entries = json::array();
  for (int i = 0; i < kBatch; ++i) {
    int n = batch * kBatch + i;
    entries.push_back({{"spiffe_id", "spiffe://edgexfoundry.org/service/s" + std::to_string(n)},
                       {"parent_id", "spiffe://edgexfoundry.org/spire/agent/x509pop/cn/agent0"},
                       {"selectors", {{{"type", "unix"}, {"value", "uid:" + std::to_string(n)}},
                                      {{"type", "batch"}, {"value", std::to_string(batch)}}}},
                       {"dns_names", {"s" + std::to_string(n)}}});
  }
  return json{{"entries", entries}}.dump();
}

TEST(DurabilityTest, SigkillDuringBatchCreationLosesNothingAcknowledged) {
  TempDir dir;
  RunningServer server(dir.path());
  ASSERT_TRUE(server.ready());
  std::map<std::string, int> acknowledged;  // entry id -> n
  std::atomic<bool> killed{false};
  std::thread killer;
  for (int batch = 0; batch < kTotal / kBatch; ++batch) {
    if (batch == 8) {
      // Kill at some point during the next batches.
      killer = std::thread([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        kill(server.process().pid(), SIGKILL);
        killed = true;
      });
    }
    auto r = server.Cli({"entry", "create", "-data", "-", "-output", "json"}, BatchJson(batch));
    if (r.exit_code != 0) break;  // the server is gone
    auto j = json::parse(r.out);
    for (const auto& res : j["results"]) {
      ASSERT_EQ(res["status"]["code"], 0);
      std::string path = res["entry"]["spiffe_id"]["path"];
      acknowledged[res["entry"]["id"]] = std::stoi(path.substr(std::string("/service/s").size()));
    }
  }
  if (killer.joinable()) killer.join();
  ASSERT_TRUE(killed);
  server.Stop();
  ASSERT_GT(acknowledged.size(), 0u);

  server.Start();
  ASSERT_TRUE(server.ready()) << server.process().Stderr();
  auto show = server.Cli({"entry", "show", "-output", "json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  auto j = json::parse(show.out);
  std::map<std::string, json> stored;
  std::map<std::string, int> per_batch;
  for (const auto& e : j["entries"]) {
    stored[e["id"]] = e;
    // Whole: both selectors and the DNS name are there.
    ASSERT_EQ(e["selectors"].size(), 2u) << e.dump();
    ASSERT_EQ(e["dns_names"].size(), 1u) << e.dump();
    for (const auto& s : e["selectors"]) {
      if (s["type"] == "batch") per_batch[s["value"]]++;
    }
  }
  for (const auto& [id, n] : acknowledged) {
    ASSERT_TRUE(stored.count(id)) << "acknowledged entry " << n << " lost";
  }
  // No batch half-written.
  for (const auto& [batch, count] : per_batch) EXPECT_EQ(count, kBatch) << "batch " << batch;
  EXPECT_GE(stored.size(), acknowledged.size());
  EXPECT_LE(stored.size(), acknowledged.size() + kBatch);
}

}  // namespace
}  // namespace dstart::server::testing
