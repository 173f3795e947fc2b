// The spire-server CLI against a real server: the EdgeX flow of spec/spire.md §0 and the output
// of §2.1–2.3.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <regex>

#include "nlohmann/json.hpp"
#include "server_fixture.h"

namespace dstart::server::testing {
namespace {

using dstart::testing::TempDir;

const char kParent[] = "spiffe://edgexfoundry.org/spire/agent/x509pop/cn/agent0";

std::vector<std::string> EdgexCreate(const std::string& svc) {
  return {"entry", "create", "-parentID", kParent, "-dns", "edgex-" + svc, "-spiffeID",
          "spiffe://edgexfoundry.org/service/" + svc, "-selector",
          "docker:label:com.docker.compose.service:" + svc};
}

std::string IdOf(const std::string& block) {
  std::smatch m;
  std::regex re("Entry ID         : ([0-9a-f-]{36})\n");
  return std::regex_search(block, m, re) ? m[1].str() : "";
}

class CliTest : public ::testing::Test {
 protected:
  TempDir dir_;
  RunningServer server_{dir_.path()};
};

TEST_F(CliTest, EdgexEntryCreateShowAndDuplicate) {
  ASSERT_TRUE(server_.ready()) << server_.process().Stderr() << server_.process().Stdout();
  // The exact command of EdgeX's seed script, through the spire-server name.
  auto r = dstart::testing::RunCommand(
      {RunningServer::SpireServer(), "entry", "create", "-socketPath", server_.socket(),
       "-parentID", "spiffe://edgexfoundry.org/spire/agent/x509pop/cn/agent0", "-dns",
       "edgex-device-virtual", "-spiffeID", "spiffe://edgexfoundry.org/service/device-virtual",
       "-selector", "docker:label:com.docker.compose.service:device-virtual"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string id = IdOf(r.out);
  ASSERT_FALSE(id.empty()) << r.out;
  const std::string block =
      "Entry ID         : " + id + "\n"
      "SPIFFE ID        : spiffe://edgexfoundry.org/service/device-virtual\n"
      "Parent ID        : spiffe://edgexfoundry.org/spire/agent/x509pop/cn/agent0\n"
      "Revision         : 0\n"
      "X509-SVID TTL    : default\n"
      "JWT-SVID TTL     : default\n"
      "Selector         : docker:label:com.docker.compose.service:device-virtual\n"
      "DNS name         : edgex-device-virtual\n"
      "\n";
  EXPECT_EQ(r.out, block);

  auto show = server_.Cli({"entry", "show"});
  EXPECT_EQ(show.exit_code, 0);
  EXPECT_EQ(show.out, "Found 1 entry\n" + block);

  auto again = server_.Cli(EdgexCreate("device-virtual"));
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.out, "");
  EXPECT_EQ(again.err,
            "Failed to create the following entry (code: AlreadyExists, msg: \"similar entry "
            "already exists\"):\n"
            "Entry ID         : (none)\n"
            "SPIFFE ID        : spiffe://edgexfoundry.org/service/device-virtual\n"
            "Parent ID        : spiffe://edgexfoundry.org/spire/agent/x509pop/cn/agent0\n"
            "Revision         : 0\n"
            "X509-SVID TTL    : default\n"
            "JWT-SVID TTL     : default\n"
            "Selector         : docker:label:com.docker.compose.service:device-virtual\n"
            "DNS name         : edgex-device-virtual\n"
            "\n"
            "Error: failed to create one or more entries\n");
  EXPECT_EQ(server_.Cli({"entry", "count"}).out, "1 registration entry\n");
}

TEST_F(CliTest, SocketIsOwnerOnly) {
  ASSERT_TRUE(server_.ready());
  struct stat st {};
  ASSERT_EQ(stat(server_.socket().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0077, 0u);
}

TEST_F(CliTest, UpdateDeleteCountAndFilters) {
  ASSERT_TRUE(server_.ready());
  for (const char* svc : {"core-data", "core-metadata", "device-rest"}) {
    ASSERT_EQ(server_.Cli(EdgexCreate(svc)).exit_code, 0);
  }
  auto r = server_.Cli({"entry", "create", "-parentID", kParent, "-spiffeID",
                        "spiffe://edgexfoundry.org/service/x", "-selector", "unix:uid:1000",
                        "-selector", "unix:gid:1000", "-x509SVIDTTL", "120", "-jwtSVIDTTL", "60",
                        "-admin", "-downstream", "-hint", "h1", "-entryExpiry", "4102444800",
                        "-storeSVID"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string id = IdOf(r.out);
  EXPECT_NE(r.out.find("Downstream       : true\n"), std::string::npos);
  EXPECT_NE(r.out.find("X509-SVID TTL    : 120\n"), std::string::npos);
  EXPECT_NE(r.out.find("JWT-SVID TTL     : 60\n"), std::string::npos);
  EXPECT_NE(r.out.find("Expiration time  : 2100-01-01 00:00:00 +0000 UTC\n"), std::string::npos);
  EXPECT_NE(r.out.find("Admin            : true\n"), std::string::npos);
  EXPECT_NE(r.out.find("StoreSvid        : true\n"), std::string::npos);
  EXPECT_NE(r.out.find("Hint             : h1\n"), std::string::npos);

  EXPECT_EQ(server_.Cli({"entry", "count"}).out, "4 registration entries\n");
  EXPECT_EQ(server_.Cli({"entry", "count", "-selector", "unix:uid:1000"}).out,
            "1 registration entry\n");
  auto show = server_.Cli({"entry", "show", "-selector", "unix:uid:1000", "-selector",
                           "unix:gid:1000", "-matchSelectorsOn", "exact"});
  EXPECT_NE(show.out.find("Found 1 entry\n"), std::string::npos);
  show = server_.Cli({"entry", "show", "-spiffeID", "spiffe://edgexfoundry.org/service/core-data"});
  EXPECT_NE(show.out.find("Found 1 entry\n"), std::string::npos);
  show = server_.Cli({"entry", "show", "-parentID", kParent});
  EXPECT_NE(show.out.find("Found 4 entries\n"), std::string::npos);
  // Sorted by SPIFFE ID.
  EXPECT_LT(show.out.find("service/core-data"), show.out.find("service/core-metadata"));
  EXPECT_LT(show.out.find("service/device-rest"), show.out.find("service/x\n"));
  show = server_.Cli({"entry", "show", "-hint", "h1"});
  EXPECT_NE(show.out.find("Found 1 entry\n"), std::string::npos);
  show = server_.Cli({"entry", "show", "-downstream"});
  EXPECT_NE(show.out.find("Found 1 entry\n"), std::string::npos);
  show = server_.Cli({"entry", "show", "-entryID", id});
  EXPECT_NE(show.out.find("Found 1 entry\n"), std::string::npos);
  show = server_.Cli({"entry", "show", "-entryID", id, "-spiffeID", "spiffe://edgexfoundry.org/a"});
  EXPECT_EQ(show.exit_code, 1);
  EXPECT_EQ(show.err, "Error: the -entryID flag can't be combined with others\n");
  show = server_.Cli({"entry", "show", "-entryID", "missing"});
  EXPECT_EQ(show.exit_code, 1);
  EXPECT_EQ(show.err,
            "Error: error fetching entry ID missing: rpc error: code = NotFound desc = no such "
            "registration entry\n");

  // Update is a full replacement and bumps the revision.
  auto up = server_.Cli({"entry", "update", "-entryID", id, "-parentID", kParent, "-spiffeID",
                         "spiffe://edgexfoundry.org/service/x", "-selector", "unix:uid:1001"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_NE(up.out.find("Revision         : 1\n"), std::string::npos);
  EXPECT_EQ(up.out.find("Admin"), std::string::npos);
  up = server_.Cli({"entry", "update", "-entryID", "missing", "-parentID", kParent, "-spiffeID",
                    "spiffe://edgexfoundry.org/service/x", "-selector", "unix:uid:1001"});
  EXPECT_EQ(up.exit_code, 1);
  EXPECT_NE(up.err.find("Failed to update the following entry (code: NotFound"), std::string::npos);

  auto del = server_.Cli({"entry", "delete", "-entryID", id});
  EXPECT_EQ(del.exit_code, 0);
  EXPECT_EQ(del.out, "Deleted entry with ID: " + id + "\n\n\nDeleted 1 entries successfully");
  del = server_.Cli({"entry", "delete", "-entryID", id});
  EXPECT_EQ(del.exit_code, 1);
  EXPECT_NE(del.err.find("Failed to delete entry with ID " + id + " (code: NotFound"),
            std::string::npos);
  EXPECT_EQ(server_.Cli({"entry", "count"}).out, "3 registration entries\n");
}

TEST_F(CliTest, JsonOutput) {
  ASSERT_TRUE(server_.ready());
  auto r = server_.Cli([] {
    auto a = EdgexCreate("device-virtual");
    a.push_back("-output");
    a.push_back("json");
    return a;
  }());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["results"][0]["status"]["code"], 0);
  EXPECT_EQ(j["results"][0]["status"]["message"], "OK");
  auto show = server_.Cli({"entry", "show", "-output", "json"});
  ASSERT_EQ(show.exit_code, 0);
  EXPECT_EQ(show.out.back(), '\n');
  EXPECT_EQ(show.out.find('\n'), show.out.size() - 1);  // one line
  j = nlohmann::json::parse(show.out);
  ASSERT_EQ(j["entries"].size(), 1u);
  auto e = j["entries"][0];
  EXPECT_EQ(e["revision_number"], "0");
  EXPECT_EQ(e["expires_at"], "0");
  EXPECT_TRUE(e["created_at"].is_string());
  EXPECT_EQ(e["x509_svid_ttl"], 0);
  EXPECT_EQ(e["spiffe_id"]["trust_domain"], "edgexfoundry.org");
  EXPECT_EQ(e["spiffe_id"]["path"], "/service/device-virtual");
  EXPECT_EQ(j["next_page_token"], "");
  // Keys are sorted.
  EXPECT_LT(show.out.find("\"admin\""), show.out.find("\"created_at\""));
  EXPECT_EQ(server_.Cli({"entry", "count", "-output", "json"}).out, "{\"count\":1}\n");
}

TEST_F(CliTest, DataFileAndDeleteFile) {
  ASSERT_TRUE(server_.ready());
  std::string data = R"({"entries":[
    {"spiffe_id":"spiffe://edgexfoundry.org/service/a","parent_id":")" + std::string(kParent) +
                     R"(","selectors":[{"type":"unix","value":"uid:1"}],"x509_svid_ttl":30,
     "dns_names":["a"],"entryExpiry":0},
    {"spiffe_id":"spiffe://edgexfoundry.org/service/b","parent_id":")" + std::string(kParent) +
                     R"(","selectors":[{"type":"unix","value":"uid:2"}]}]})";
  auto r = server_.Cli({"entry", "create", "-data", "-"}, data);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(server_.Cli({"entry", "count"}).out, "2 registration entries\n");
  std::string a = IdOf(r.out);
  auto del = server_.Cli({"entry", "delete", "-file", "-"}, "{\"ids\":[\"" + a + "\"]}");
  EXPECT_EQ(del.exit_code, 0) << del.err;
  EXPECT_EQ(server_.Cli({"entry", "count"}).out, "1 registration entry\n");
}

TEST_F(CliTest, ClientAndServerSideValidationErrors) {
  ASSERT_TRUE(server_.ready());
  auto r = server_.Cli({"entry", "create", "-parentID", kParent, "-spiffeID",
                        "spiffe://edgexfoundry.org/x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "Error: at least one selector is required\n");
  r = server_.Cli({"entry", "create", "-spiffeID", "spiffe://edgexfoundry.org/x", "-selector",
                   "a:b"});
  EXPECT_EQ(r.err, "Error: a parent ID is required if the node flag is not set\n");
  r = server_.Cli({"entry", "create", "-parentID", kParent, "-spiffeID",
                   "spiffe://edgexfoundry.org/x", "-selector", "nocolon"});
  EXPECT_EQ(r.err, "Error: selector \"nocolon\" must be formatted as type:value\n");
  r = server_.Cli({"entry", "create", "-parentID", kParent, "-spiffeID",
                   "spiffe://edgexfoundry.org/x", "-selector", "a:b", "-x509SVIDTTL", "-5"});
  EXPECT_EQ(r.err, "Error: a positive x509-SVID TTL is required\n");
  r = server_.Cli({"entry", "create", "-parentID", kParent, "-spiffeID",
                   "spiffe://edgexfoundry.org/x", "-selector", "a:b", "-x509SVIDTTL", "1h"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("invalid value \"1h\" for flag -x509SVIDTTL"), std::string::npos);
  r = server_.Cli({"entry", "create", "-parentID", kParent, "-spiffeID", "spiffe://other.org/x",
                   "-selector", "a:b"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("code: InvalidArgument"), std::string::npos);
  EXPECT_NE(r.err.find("spiffe_id"), std::string::npos);
  r = server_.Cli({"entry", "create", "-parentID", kParent, "-spiffeID",
                   "spiffe://edgexfoundry.org/x", "-selector", "a:b", "-dns", "bad..name"});
  EXPECT_NE(r.err.find("dns_names"), std::string::npos);
  r = server_.Cli({"entry", "create", "-node", "-spiffeID", "spiffe://edgexfoundry.org/alias",
                   "-selector", "x509pop:subject:cn:agent0"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Parent ID        : spiffe://edgexfoundry.org/spire/server\n"),
            std::string::npos);
  r = server_.Cli({"entry", "bogus"});
  EXPECT_NE(r.exit_code, 0);
}

TEST(CliNoServerTest, UnreachableSocketIsAnError) {
  TempDir dir;
  auto r = dstart::testing::RunCommand({RunningServer::SpireServer(), "entry", "show",
                                        "-socketPath", (dir / "none.sock").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("Error: error fetching entries: rpc error: code = Unavailable", 0), 0u)
      << r.err;
}

}  // namespace
}  // namespace dstart::server::testing
