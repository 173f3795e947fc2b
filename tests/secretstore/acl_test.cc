// Table tests of the ACL rules of spec/secretstore.md §3.
#include "secretstore/acl.h"

#include <gtest/gtest.h>

namespace dstart::secretstore {
namespace {

Policy MustParse(const std::string& name, const std::string& text) {
  auto p = ParsePolicy(name, text);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : Policy{};
}

struct Case {
  const char* policy;  // JSON or HCL
  const char* path;
  bool is_list;
  uint32_t needed;
  bool allowed;
  const char* why;
};

TEST(AclTest, RuleSelectionTable) {
  const Case cases[] = {
      // Default deny.
      {R"({"path":{}})", "secret/a", false, kCapRead, false, "no rule: deny"},
      {R"({"path":{"secret/a":{"capabilities":["read"]}}})", "secret/b", false, kCapRead, false,
       "unrelated exact rule: deny"},
      // Exact.
      {R"({"path":{"secret/a":{"capabilities":["read"]}}})", "secret/a", false, kCapRead, true,
       "exact rule"},
      {R"({"path":{"secret/a":{"capabilities":["read"]}}})", "secret/a", false, kCapUpdate, false,
       "exact rule lacks capability"},
      // Exact beats glob (§3.5 step 1; consequence ii).
      {R"({"path":{"secret/edgex/*":{"capabilities":["create","update","list","delete"]},
                   "secret/edgex/r/redisdb":{"capabilities":["read"]}}})",
       "secret/edgex/r/redisdb", false, kCapUpdate, false, "exact read-only rule wins over glob"},
      {R"({"path":{"secret/edgex/*":{"capabilities":["create","update","list","delete"]},
                   "secret/edgex/r/redisdb":{"capabilities":["read"]}}})",
       "secret/edgex/r/redisdb", false, kCapRead, true, "exact rule grants read"},
      {R"({"path":{"secret/edgex/*":{"capabilities":["create","update"]},
                   "secret/edgex/r/redisdb":{"capabilities":["read"]}}})",
       "secret/edgex/r/other", false, kCapUpdate, true, "glob covers the rest"},
      // Glob is a plain prefix that crosses '/'.
      {R"({"path":{"secret/zip-*":{"capabilities":["read"]}}})", "secret/zip-zap/zong", false,
       kCapRead, true, "glob crosses segments"},
      {R"({"path":{"secret/bar/*":{"capabilities":["read"]}}})", "secret/bar", false, kCapRead,
       false, "glob with slash does not match the bare folder"},
      // Longest glob wins.
      {R"({"path":{"secret/*":{"capabilities":["read"]},"secret/a/*":{"capabilities":["list"]}}})",
       "secret/a/b", false, kCapRead, false, "longest glob chosen, lacks read"},
      {R"({"path":{"secret/*":{"capabilities":["read"]},"secret/a/*":{"capabilities":["list"]}}})",
       "secret/b/c", false, kCapRead, true, "shorter glob for other paths"},
      // '+' segments.
      {R"({"path":{"secret/+/db":{"capabilities":["read"]}}})", "secret/x/db", false, kCapRead,
       true, "+ matches one segment"},
      {R"({"path":{"secret/+/db":{"capabilities":["read"]}}})", "secret/x/y/db", false, kCapRead,
       false, "+ never matches two segments"},
      {R"({"path":{"secret/+/db":{"capabilities":["read"]}}})", "secret/x/db/z", false, kCapRead,
       false, "non-glob + needs the same segment count"},
      {R"({"path":{"secret/+/db*":{"capabilities":["read"]}}})", "secret/x/dbz/q", false, kCapRead,
       true, "+ combined with trailing glob"},
      // Priority: later first wildcard beats earlier.
      {R"({"path":{"secret/+/a/b":{"capabilities":["read"]},"secret/x/+/b":{"capabilities":["list"]}}})",
       "secret/x/a/b", false, kCapList, true, "later + position wins"},
      {R"({"path":{"secret/x*":{"capabilities":["read"]},"secret/+/a":{"capabilities":["list"]}}})",
       "secret/x/a", false, kCapRead, true, "glob at later position beats earlier +"},
      // Priority: non-glob beats glob at the same position.
      {R"({"path":{"secret/+/a":{"capabilities":["read"]},"secret/+/a*":{"capabilities":["list"]}}})",
       "secret/x/a", false, kCapRead, true, "non-glob wins over glob"},
      // Priority: fewer '+' wins.
      {R"({"path":{"secret/+/a/+":{"capabilities":["read"]},"secret/+/a/c":{"capabilities":["list"]}}})",
       "secret/x/a/c", false, kCapList, true, "fewer + segments win"},
      // Deny wins when merged with a grant on the same pattern (§3.4).
      {R"({"path":{"secret/a":{"capabilities":["read","deny"]}}})", "secret/a", false, kCapRead,
       false, "deny wins"},
      {R"({"path":{"secret/*":{"capabilities":["deny"]},"secret/a":{"capabilities":["read"]}}})",
       "secret/a", false, kCapRead, true, "exact grant is chosen over glob deny (no union)"},
      // LIST arrives with a trailing '/'.
      {R"({"path":{"secret/edgex/svc/*":{"capabilities":["list"]}}})", "secret/edgex/svc/", true,
       kCapList, true, "LIST of own folder granted by glob (consequence i)"},
      {R"({"path":{"secret/edgex/svc/*":{"capabilities":["read"]}}})", "secret/edgex/svc", false,
       kCapRead, false, "GET of bare folder not granted"},
      {R"({"path":{"sys/policies/acl":{"capabilities":["list"]}}})", "sys/policies/acl/", true,
       kCapList, true, "LIST falls back to exact rule without trailing slash"},
      {R"({"path":{"sys/policies/acl":{"capabilities":["list"]}}})", "sys/policies/acl/", false,
       kCapList, false, "no fallback outside LIST"},
      {R"({"path":{"identity/entity/nam*":{"capabilities":["list"]}}})", "identity/entity/name/",
       true, kCapList, true, "glob on LIST path"},
      // HCL form.
      {"# comment\npath \"secret/a/*\" {\n  capabilities = [\"read\", \"list\"]\n}\n", "secret/a/b",
       false, kCapRead, true, "HCL policy"},
  };
  for (const Case& c : cases) {
    Policy p = MustParse("p", c.policy);
    Acl acl({&p}, {});
    EXPECT_EQ(acl.Allows(c.path, c.is_list, c.needed), c.allowed) << c.why;
  }
}

TEST(AclTest, PoliciesUnionOnIdenticalPatternsOnly) {
  Policy a = MustParse("a", R"({"path":{"secret/x":{"capabilities":["read"]}}})");
  Policy b = MustParse("b", R"({"path":{"secret/x":{"capabilities":["update"]}}})");
  Policy d = MustParse("d", R"({"path":{"secret/x":{"capabilities":["deny"]}}})");
  Acl ab({&a, &b}, {});
  EXPECT_TRUE(ab.Allows("secret/x", false, kCapRead | kCapUpdate));
  Acl abd({&a, &b, &d}, {});
  EXPECT_FALSE(abd.Allows("secret/x", false, kCapRead));
}

TEST(AclTest, TemplatesNeedAnEntity) {
  Policy p = MustParse("default",
                       R"({"path":{"identity/entity/id/{{identity.entity.id}}":{"capabilities":["read"]}}})");
  Acl with({&p}, {"e-1", "svc"});
  EXPECT_TRUE(with.Allows("identity/entity/id/e-1", false, kCapRead));
  EXPECT_FALSE(with.Allows("identity/entity/id/e-2", false, kCapRead));
  Acl without({&p}, {});
  EXPECT_FALSE(without.Allows("identity/entity/id/", false, kCapRead));
}

TEST(AclTest, RootGrantsEverything) {
  Policy root{"root", "", {}};
  Acl acl({&root}, {});
  EXPECT_TRUE(acl.root());
  EXPECT_TRUE(acl.Allows("anything/at/all", false, kCapSudo | kCapUpdate));
}

TEST(AclTest, RefusesMalformedPolicies) {
  EXPECT_FALSE(ParsePolicy("p", R"({"path":{"a":{"capabilities":["fly"]}}})").ok());
  EXPECT_FALSE(ParsePolicy("p", R"({"path":{"a*b":{"capabilities":["read"]}}})").ok());
  EXPECT_FALSE(ParsePolicy("p", R"({"path":{"a":{"bogus":1}}})").ok());
  EXPECT_FALSE(ParsePolicy("p", R"({"paths":{}})").ok());
  EXPECT_FALSE(ParsePolicy("p", "path \"a\" { capabilities = [\"read\" }").ok());
  auto err = ParsePolicy("p", R"({"path":{"secret/x":{"capabilities":["reed"]}}})");
  ASSERT_FALSE(err.ok());
  EXPECT_NE(std::string(err.status().message()).find("secret/x"), std::string::npos);
}

}  // namespace
}  // namespace dstart::secretstore
