#include "server/entry_validation.h"

#include <gtest/gtest.h>

namespace dstart::server {
namespace {

Entry Good() {
  Entry e;
  e.spiffe_id = "spiffe://example.org/service/a";
  e.parent_id = "spiffe://example.org/spire/agent/x509pop/cn/agent0";
  e.selectors = {{"docker", "label:a:b"}};
  return e;
}

void ExpectInvalid(Entry e, const std::string& field) {
  absl::Status st = ValidateEntry("example.org", e);
  ASSERT_TRUE(absl::IsInvalidArgument(st)) << field << ": " << st;
  EXPECT_NE(std::string(st.message()).find(field), std::string::npos) << st;
}

TEST(EntryValidationTest, AcceptsAGoodEntryAndNormalises) {
  Entry e = Good();
  e.selectors.push_back({"docker", "label:a:b"});
  e.federates_with = {"spiffe://other.org"};
  e.dns_names = {"*.example.org", "edgex-device-virtual"};
  ASSERT_TRUE(ValidateEntry("example.org", e).ok());
  EXPECT_EQ(e.selectors.size(), 1u);
  EXPECT_EQ(e.federates_with, std::vector<std::string>{"other.org"});
  Entry node = Good();
  node.parent_id = "spiffe://example.org/spire/server";
  EXPECT_TRUE(ValidateEntry("example.org", node).ok());
}

TEST(EntryValidationTest, RejectsEachBadField) {
  Entry e = Good();
  e.spiffe_id = "spiffe://Example.org/a";
  ExpectInvalid(e, "spiffe_id");
  e = Good();
  e.spiffe_id = "spiffe://other.org/a";
  ExpectInvalid(e, "spiffe_id");
  e = Good();
  e.spiffe_id = "spiffe://example.org";
  ExpectInvalid(e, "spiffe_id");
  e = Good();
  e.spiffe_id = "spiffe://example.org/spire/agent/x";
  ExpectInvalid(e, "spiffe_id");
  e = Good();
  e.spiffe_id = "";
  ExpectInvalid(e, "spiffe_id");
  e = Good();
  e.parent_id = "not a uri";
  ExpectInvalid(e, "parent_id");
  e = Good();
  e.parent_id = "spiffe://example.org";
  ExpectInvalid(e, "parent_id");
  e = Good();
  e.selectors.clear();
  ExpectInvalid(e, "selectors");
  e = Good();
  e.selectors = {{"", "x"}};
  ExpectInvalid(e, "selectors");
  e = Good();
  e.selectors = {{"a:b", "x"}};
  ExpectInvalid(e, "selectors");
  e = Good();
  e.selectors = {{"docker", ""}};
  ExpectInvalid(e, "selectors");
  e = Good();
  e.x509_svid_ttl = -1;
  ExpectInvalid(e, "x509_svid_ttl");
  e = Good();
  e.jwt_svid_ttl = -5;
  ExpectInvalid(e, "jwt_svid_ttl");
  e = Good();
  e.id = "bad id!";
  ExpectInvalid(e, "entry_id");
  e = Good();
  e.id = std::string(256, 'a');
  ExpectInvalid(e, "entry_id");
  e = Good();
  e.federates_with = {"Bad Domain"};
  ExpectInvalid(e, "federates_with");
  e = Good();
  e.hint = std::string(1025, 'h');
  ExpectInvalid(e, "hint");
  for (const char* dns : {"trailing.", "a..b", "*.", "a.*.b", "x*.example", "-a.b", "a_b",
                          "\xc3\xa9.org"}) {
    e = Good();
    e.dns_names = {dns};
    ExpectInvalid(e, "dns_names");
  }
}

}  // namespace
}  // namespace dstart::server
