// The 200/204 expectations of spec/secretstore.md §2, endpoint by endpoint, in the order EdgeX
// calls them (§5.1, §6), against an in-process Core; plus token lifetimes (§4).
#include "secretstore/core.h"

#include <gtest/gtest.h>

#include <atomic>

#include "common/encoding.h"
#include "crypto/keys.h"
#include "crypto/signature.h"
#include "nlohmann/json.hpp"
#include "support/process.h"

namespace dstart::secretstore {
namespace {

using json = nlohmann::json;
namespace http = common::http;

const char kPrivilegedPolicy[] = R"(# issuing token policy
path "identity/entity/name" { capabilities = ["list"] }
path "identity/entity/name/*" { capabilities = ["create", "update", "read"] }
path "identity/entity/id/*" { capabilities = ["read"] }
path "identity/entity-alias" { capabilities = ["create", "update"] }
path "identity/oidc/role" { capabilities = ["list"] }
path "identity/oidc/role/*" { capabilities = ["create", "update"] }
path "auth/userpass/users/*" { capabilities = ["create", "update"] }
path "auth/token/create/*" { capabilities = ["create", "update", "sudo"] }
path "auth/token/roles" { capabilities = ["list"] }
path "auth/token/roles/*" { capabilities = ["create", "update"] }
path "sys/auth" { capabilities = ["read"] }
path "sys/policies/acl/edgex-service-*" { capabilities = ["create", "read", "update", "delete"] }
path "sys/policies/acl" { capabilities = ["list"] }
)";

struct Reply {
  int code;
  json body;
};

class CoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CoreOptions o;
    o.storage_path = (dir_ / "store.db").string();
    o.now = [this] { return now_.load(); };
    auto core = Core::Open(o);
    ASSERT_TRUE(core.ok()) << core.status();
    core_ = std::move(*core);
  }

  Reply Call(const std::string& method, const std::string& path, const std::string& token = "",
             const json& body = nullptr) {
    http::Request r;
    r.method = method;
    r.target = "/v1/" + path;
    if (!token.empty()) r.headers.emplace_back("X-Vault-Token", token);
    if (!body.is_null()) r.body = body.dump();
    http::Response out = core_->Handle(r);
    Reply reply{out.status, nullptr};
    if (!out.body.empty()) reply.body = json::parse(out.body);
    if (out.status >= 400 && path.rfind("sys/health", 0) != 0) {
      EXPECT_TRUE(reply.body.contains("errors")) << out.body;
      EXPECT_TRUE(reply.body["errors"].is_array());
    }
    return reply;
  }

  std::string InitAndUnseal() {
    EXPECT_EQ(Call("GET", "sys/health").code, 501);
    Reply init = Call("POST", "sys/init", "", {{"secret_shares", 5}, {"secret_threshold", 3}});
    EXPECT_EQ(init.code, 200);
    EXPECT_EQ(Call("GET", "sys/health").code, 503);
    EXPECT_EQ(Call("GET", "sys/health?sealedcode=299").code, 299);
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(Call("POST", "sys/unseal", "", {{"key", init.body["keys_base64"][4 - i]}, {"reset", false}}).code, 200);
    }
    EXPECT_EQ(Call("GET", "sys/health?standbyok=true&perfstandbyok=true").code, 200);
    EXPECT_EQ(Call("GET", "sys/health?activecode=218").code, 218);
    keys_ = init.body["keys"];
    return init.body["root_token"];
  }

  dstart::testing::TempDir dir_;
  std::atomic<int64_t> now_{1'700'000'000};
  std::unique_ptr<Core> core_;
  json keys_;
};

TEST_F(CoreTest, EdgexProvisioningAndServiceCallsGetTheirExactCodes) {
  std::string root = InitAndUnseal();
  EXPECT_EQ(Call("POST", "sys/init", "", {{"secret_shares", 1}, {"secret_threshold", 1}}).code, 400);

  // §6 SSS set-up with the root token.
  Reply self = Call("GET", "auth/token/lookup-self", root);
  ASSERT_EQ(self.code, 200);                                             // B9
  EXPECT_EQ(self.body["data"]["policies"], json({"root"}));
  EXPECT_EQ(self.body["data"]["expire_time"], nullptr);
  EXPECT_EQ(self.body["data"]["ttl"], 0);
  EXPECT_FALSE(self.body["data"].contains("period"));
  std::string root_accessor = self.body["data"]["accessor"];
  EXPECT_EQ(Call("PUT", "sys/policies/acl/privileged-token-creator", root,
                 {{"policy", kPrivilegedPolicy}}).code, 204);             // B12
  Reply upper = Call("PUT", "sys/policies/acl/Upper", root, {{"policy", "path \"a\" { capabilities = [\"read\"] }"}});
  EXPECT_EQ(upper.code, 200);                                            // warning → 200
  EXPECT_EQ(upper.body["warnings"][0], "policy name was converted to upper");
  Reply issuing = Call("POST", "auth/token/create", root,
                       {{"display_name", "privileged-token-creator"}, {"no_parent", true}, {"period", "1h"},
                        {"policies", {"privileged-token-creator"}}, {"ttl", "1h"}});
  ASSERT_EQ(issuing.code, 200);                                          // B13
  std::string p = issuing.body["auth"]["client_token"];
  EXPECT_EQ(issuing.body["auth"]["orphan"], true);
  EXPECT_EQ(issuing.body["auth"]["policies"], json({"default", "privileged-token-creator"}));
  Reply auths = Call("GET", "sys/auth", root);
  EXPECT_EQ(auths.code, 200);                                            // B14
  EXPECT_FALSE(auths.body["data"].contains("userpass/"));
  EXPECT_EQ(Call("POST", "sys/auth/userpass", root, {{"type", "userpass"}}).code, 204);  // B15
  EXPECT_EQ(Call("POST", "sys/auth/userpass", root, {{"type", "userpass"}}).code, 400);
  EXPECT_EQ(Call("GET", "sys/mounts", root).code, 200);                 // B18
  EXPECT_EQ(Call("POST", "sys/mounts/secret", root,
                 {{"type", "kv"}, {"description", "key/value secret storage"}, {"options", {{"version", "1"}}}})
                .code,
            204);                                                        // B19
  EXPECT_EQ(Call("POST", "sys/mounts/kv2", root, {{"type", "kv"}, {"options", {{"version", "2"}}}}).code, 400);

  Reply accessors = Call("LIST", "auth/token/accessors", root);
  EXPECT_EQ(accessors.code, 200);                                        // B8
  EXPECT_EQ(accessors.body["data"]["keys"].size(), 2u);
  EXPECT_EQ(Call("LIST", "auth/token/accessors", p).code, 403);         // sudo needed (§3.7)
  Reply la = Call("POST", "auth/token/lookup-accessor", root, {{"accessor", issuing.body["auth"]["accessor"]}});
  EXPECT_EQ(la.code, 200);                                               // B10
  EXPECT_EQ(la.body["data"]["id"], "");
  EXPECT_EQ(la.body["data"]["period"], 3600);

  // §5.1 makeToken with the issuing token P.
  const std::string svc = "device-virtual";
  json svc_policy = {{"path",
                      {{"identity/oidc/introspect", {{"capabilities", {"create", "update"}}}},
                       {"identity/oidc/token/" + svc, {{"capabilities", {"read"}}}},
                       {"secret/edgex/" + svc + "/*", {{"capabilities", {"create", "update", "delete", "list", "read"}}}}}}};
  EXPECT_EQ(Call("PUT", "sys/policies/acl/edgex-service-" + svc, p, {{"policy", svc_policy.dump()}}).code, 204);  // a
  EXPECT_EQ(Call("PUT", "sys/policies/acl/other", p, {{"policy", svc_policy.dump()}}).code, 403);
  Reply entity = Call("POST", "identity/entity/name/" + svc, p,
                      {{"metadata", {{"name", svc}}}, {"policies", {"edgex-service-" + svc}}});
  ASSERT_EQ(entity.code, 200);                                           // b (created)
  std::string entity_id = entity.body["data"]["id"];
  EXPECT_EQ(Call("POST", "identity/entity/name/" + svc, p,
                 {{"metadata", {{"name", svc}}}, {"policies", {"edgex-service-" + svc}}}).code, 204);  // b (updated)
  EXPECT_EQ(Call("GET", "identity/entity/name/" + svc, p).body["data"]["id"], entity_id);  // c
  EXPECT_EQ(Call("GET", "identity/entity/name/nobody", root).code, 404);
  EXPECT_EQ(Call("POST", "auth/userpass/users/" + svc, p,
                 {{"password", "pw-1"}, {"token_period", "1h"}, {"token_policies", json::array()}}).code, 204);  // d
  std::string userpass_accessor = Call("GET", "sys/auth", p).body["data"]["userpass/"]["accessor"];  // e
  Reply alias = Call("POST", "identity/entity-alias", p,
                     {{"name", svc}, {"canonical_id", entity_id}, {"mount_accessor", userpass_accessor}});
  EXPECT_EQ(alias.code, 200);                                            // f (new)
  EXPECT_EQ(alias.body["data"]["canonical_id"], entity_id);
  EXPECT_EQ(Call("POST", "identity/entity-alias", p,
                 {{"name", svc}, {"canonical_id", entity_id}, {"mount_accessor", userpass_accessor}}).code, 204);  // f (same)
  EXPECT_EQ(Call("POST", "identity/entity-alias", p,
                 {{"name", svc}, {"canonical_id", "nope"}, {"mount_accessor", userpass_accessor}}).code, 400);
  EXPECT_EQ(Call("POST", "auth/token/roles/" + svc, p,
                 {{"allowed_policies", {"edgex-service-" + svc}}, {"name", svc}, {"renewable", true},
                  {"allowed_entity_aliases", {svc}}, {"orphan", true}}).code, 204);  // h
  Reply login = Call("POST", "auth/userpass/login/" + svc, "", {{"password", "pw-1"}});
  ASSERT_EQ(login.code, 200);                                            // i
  const json& auth = login.body["auth"];
  EXPECT_EQ(auth["policies"], json({"default", "edgex-service-" + svc}));
  EXPECT_EQ(auth["token_policies"], json({"default"}));
  EXPECT_EQ(auth["identity_policies"], json({"edgex-service-" + svc}));
  EXPECT_EQ(auth["entity_id"], entity_id);
  EXPECT_EQ(auth["lease_duration"], 3600);
  std::string s = auth["client_token"];

  // §5.2 the service with its token.
  Reply ls = Call("GET", "auth/token/lookup-self", s);
  EXPECT_EQ(ls.code, 200);                                               // A1
  EXPECT_EQ(ls.body["data"]["period"], 3600);
  EXPECT_EQ(ls.body["data"]["renewable"], true);
  EXPECT_EQ(Call("POST", "auth/token/renew-self", s).code, 200);        // A2
  EXPECT_EQ(Call("POST", "secret/edgex/" + svc + "/redisdb", s, {{"username", "u"}, {"password", "p"}}).code, 204);  // A4
  Reply got = Call("GET", "secret/edgex/" + svc + "/redisdb", s);
  EXPECT_EQ(got.code, 200);                                              // A3
  EXPECT_EQ(got.body["data"]["password"], "p");
  EXPECT_EQ(Call("GET", "secret/edgex/" + svc + "/missing", s).code, 404);
  Reply names = Call("LIST", "secret/edgex/" + svc, s);
  EXPECT_EQ(names.code, 200);                                            // A5
  EXPECT_EQ(names.body["data"]["keys"], json({"redisdb"}));
  EXPECT_EQ(Call("GET", "secret/edgex/" + svc, s).code, 403);           // bare folder (§3.5 i)
  EXPECT_EQ(Call("LIST", "secret/edgex/other", s).code, 403);
  EXPECT_EQ(Call("LIST", "secret/edgex/" + svc + "/nothing", s).code, 404);
  EXPECT_EQ(Call("DELETE", "secret/edgex/" + svc + "/redisdb", s).code, 204);
  EXPECT_EQ(Call("GET", "identity/entity/id/" + entity_id, s).code, 200);  // default policy, templated

  // B27, B28: regeneration through the token role with entity_alias (P has sudo there).
  Reply byid = Call("GET", "identity/entity/id/" + entity_id, p);
  EXPECT_EQ(byid.code, 200);
  EXPECT_EQ(byid.body["data"]["aliases"][0]["name"], svc);
  Reply regen = Call("POST", "auth/token/create/" + svc, p,
                     {{"display_name", "token-" + svc}, {"role_name", svc}, {"entity_alias", svc},
                      {"no_parent", true}, {"policies", {"edgex-service-" + svc}}, {"meta", {{"user", svc}}},
                      {"ttl", "1h"}, {"period", "1h"}, {"renewable", true}});
  ASSERT_EQ(regen.code, 200) << regen.body.dump();
  EXPECT_EQ(regen.body["auth"]["orphan"], true);
  EXPECT_EQ(regen.body["auth"]["token_policies"], json({"default", "edgex-service-" + svc}));
  EXPECT_FALSE(regen.body["auth"]["entity_id"].get<std::string>().empty());
  EXPECT_EQ(Call("POST", "auth/token/create/" + svc, p,
                 {{"entity_alias", "someone-else"}, {"policies", {"edgex-service-" + svc}}}).code, 400);
  EXPECT_EQ(Call("POST", "auth/token/create/" + svc, p, {{"policies", {"privileged-token-creator"}}}).code, 400);
  EXPECT_EQ(Call("POST", "auth/token/create", p, {{"policies", {"default"}}}).code, 403);  // no ACL on create

  // B11 revoke-accessor, B7 revoke-self, B29, B30.
  EXPECT_EQ(Call("POST", "auth/token/revoke-accessor", root, {{"accessor", auth["accessor"]}}).code, 204);
  EXPECT_EQ(Call("GET", "auth/token/lookup-self", s).code, 403);
  EXPECT_EQ(Call("DELETE", "identity/entity/name/" + svc, root).code, 204);
  EXPECT_EQ(Call("DELETE", "auth/userpass/users/" + svc, root).code, 204);
  EXPECT_EQ(Call("POST", "auth/userpass/login/" + svc, "", {{"password", "pw-1"}}).code, 400);
  EXPECT_EQ(Call("POST", "auth/token/revoke-self", p).code, 204);
  EXPECT_EQ(Call("GET", "auth/token/lookup-self", p).code, 403);
  EXPECT_EQ(Call("GET", "auth/token/lookup-accessor", root, {{"accessor", root_accessor}}).code, 200);
}

TEST_F(CoreTest, WireConventions) {
  std::string root = InitAndUnseal();
  EXPECT_EQ(Call("GET", "sys/mounts", "").code, 403);
  EXPECT_EQ(Call("GET", "sys/mounts", "s.not-a-token").code, 403);
  Reply bearer = [&] {
    http::Request r;
    r.method = "GET";
    r.target = "/v1/sys/mounts";
    r.headers.emplace_back("Authorization", "Bearer " + root);
    http::Response out = core_->Handle(r);
    return Reply{out.status, nullptr};
  }();
  EXPECT_EQ(bearer.code, 200);
  EXPECT_EQ(Call("PATCH", "sys/mounts", root).code, 405);
  EXPECT_EQ(Call("GET", "nope/path", root).code, 404);
  EXPECT_EQ(Call("GET", "secret/../sys", root).code, 400);
  http::Request bad;
  bad.method = "POST";
  bad.target = "/v1/sys/mounts/x";
  bad.headers.emplace_back("X-Vault-Token", root);
  bad.body = "{not json";
  EXPECT_EQ(core_->Handle(bad).status, 400);
  bad.target = "/v2/sys/health";
  EXPECT_EQ(core_->Handle(bad).status, 404);
  ASSERT_EQ(Call("POST", "sys/mounts/secret", root, {{"type", "kv"}}).code, 204);
  EXPECT_EQ(Call("LIST", "secret/", root).code, 404);                    // empty LIST → 404
  EXPECT_EQ(Call("POST", "secret/a/b", root, {{"x", "y"}}).code, 204);
  EXPECT_EQ(Call("POST", "secret/a/c", root, json::object()).code, 400);
  EXPECT_EQ(Call("LIST", "secret", root).body["data"]["keys"], json({"a/"}));
  EXPECT_EQ(Call("GET", "secret/?list=true", root).body["data"]["keys"], json({"a/"}));
  Reply missing = Call("GET", "secret/a/zzz", root);
  EXPECT_EQ(missing.code, 404);
  EXPECT_EQ(missing.body, json({{"errors", json::array()}}));
  // An empty body on renew/revoke and a token on an unauthenticated path are fine.
  http::Request empty;
  empty.method = "POST";
  empty.target = "/v1/auth/token/revoke-self";
  empty.headers.emplace_back("X-Vault-Token", root);
  EXPECT_EQ(core_->Handle(empty).status, 204);
  EXPECT_EQ(Call("GET", "sys/mounts", root).code, 403);
}

TEST_F(CoreTest, TokenLifetimesRenewalAndRevocationTree) {
  std::string root = InitAndUnseal();
  ASSERT_EQ(Call("PUT", "sys/policies/acl/creator", root,
                 {{"policy", R"({"path":{"auth/token/create":{"capabilities":["update"]}}})"}}).code, 204);
  Reply parent = Call("POST", "auth/token/create", root, {{"policies", {"creator"}}, {"ttl", "60s"}});
  ASSERT_EQ(parent.code, 200);
  std::string pt = parent.body["auth"]["client_token"];
  EXPECT_EQ(parent.body["auth"]["lease_duration"], 60);
  Reply child = Call("POST", "auth/token/create", pt, {{"ttl", "30s"}});
  ASSERT_EQ(child.code, 200) << child.body.dump();
  std::string ct = child.body["auth"]["client_token"];
  EXPECT_EQ(child.body["auth"]["orphan"], false);
  EXPECT_EQ(Call("POST", "auth/token/create", pt, {{"policies", {"root"}}}).code, 400);
  EXPECT_EQ(Call("POST", "auth/token/create", root, {{"ttl", "-5m"}}).code, 400);
  EXPECT_EQ(Call("POST", "auth/token/create", root, {{"ttl", "5 fortnights"}}).code, 400);
  EXPECT_EQ(Call("POST", "auth/token/create", root, {{"ttl", -3}}).code, 400);
  EXPECT_EQ(Call("POST", "auth/token/create", pt, {{"no_parent", true}}).code, 403);  // sudo

  // Non-periodic renew: capped by the requested increment, never past the max.
  now_ += 20;
  Reply r = Call("POST", "auth/token/renew-self", pt, {{"increment", "45s"}});
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body["auth"]["lease_duration"], 45);
  EXPECT_EQ(Call("GET", "auth/token/lookup-self", pt).body["data"]["ttl"], 45);
  // The child expires at 30 s.
  now_ += 11;
  EXPECT_EQ(Call("GET", "auth/token/lookup-self", ct).code, 403);
  // Root tokens do not renew.
  EXPECT_EQ(Call("POST", "auth/token/renew-self", root).code, 400);

  // Periodic: renew resets to the period.
  Reply per = Call("POST", "auth/token/create", root, {{"period", "10m"}, {"policies", {"default"}}});
  std::string pert = per.body["auth"]["client_token"];
  now_ += 500;
  EXPECT_EQ(Call("GET", "auth/token/lookup-self", pert).body["data"]["ttl"], 100);
  Reply pr = Call("POST", "auth/token/renew-self", pert);
  EXPECT_EQ(pr.body["auth"]["lease_duration"], 600);
  EXPECT_EQ(Call("GET", "auth/token/lookup-self", pert).body["data"]["ttl"], 600);

  // Revoking a parent revokes its children; orphans survive.
  Reply p2 = Call("POST", "auth/token/create", root, {{"policies", {"creator"}}});
  std::string p2t = p2.body["auth"]["client_token"];
  std::string c2t = Call("POST", "auth/token/create", p2t, json::object()).body["auth"]["client_token"];
  std::string gc2t = Call("POST", "auth/token/create", c2t, json::object()).body["auth"]["client_token"];
  EXPECT_EQ(Call("POST", "auth/token/revoke", root, {{"token", p2t}}).code, 204);
  EXPECT_EQ(Call("GET", "auth/token/lookup-self", c2t).code, 403);
  EXPECT_EQ(Call("GET", "auth/token/lookup-self", gc2t).code, 403);
  EXPECT_EQ(Call("GET", "auth/token/lookup-self", pert).code, 200);

  // The sweep removes expired tokens from storage.
  now_ += 100000;
  core_->SweepExpiredTokens();
  Reply acc = Call("LIST", "auth/token/accessors", root);
  EXPECT_EQ(acc.body["data"]["keys"].size(), 1u);  // Only root remains.
}

TEST_F(CoreTest, UnsealRefusesWrongAndMalformedShares) {
  Reply init = Call("POST", "sys/init", "", {{"secret_shares", 3}, {"secret_threshold", 2}});
  ASSERT_EQ(init.code, 200);
  EXPECT_EQ(Call("POST", "sys/unseal", "", {{"key", "zz-not-a-key"}}).code, 400);
  EXPECT_EQ(Call("POST", "sys/unseal", "", json::object()).code, 400);
  std::string good = init.body["keys"][0];
  std::string bad = good;
  bad[0] = bad[0] == 'a' ? 'b' : 'a';
  EXPECT_EQ(Call("POST", "sys/unseal", "", {{"key", good}}).body["progress"], 1);
  EXPECT_EQ(Call("POST", "sys/unseal", "", {{"key", good}}).body["progress"], 1);  // duplicate ignored
  EXPECT_EQ(Call("POST", "sys/unseal", "", {{"key", bad}}).code, 400);           // wrong key
  Reply status = Call("GET", "sys/seal-status");
  EXPECT_EQ(status.body["sealed"], true);
  EXPECT_EQ(status.body["progress"], 0);
  EXPECT_EQ(Call("POST", "sys/unseal", "", {{"key", good}}).body["progress"], 1);
  EXPECT_EQ(Call("POST", "sys/unseal", "", {{"reset", true}}).body["progress"], 0);
  EXPECT_EQ(Call("POST", "sys/unseal", "", {{"key", init.body["keys"][1]}}).code, 200);
  EXPECT_EQ(Call("POST", "sys/unseal", "", {{"key", init.body["keys_base64"][2]}}).body["sealed"], false);
}

TEST_F(CoreTest, OidcTokensVerifyAgainstJwksAndIntrospect) {
  std::string root = InitAndUnseal();
  EXPECT_EQ(Call("LIST", "identity/oidc/key", root).code, 404);                                   // B16
  EXPECT_EQ(Call("POST", "identity/oidc/key/edgex-identity", root,
                 {{"allowed_client_ids", {"*"}}, {"algorithm", "ES384"}}).code, 204);             // B17
  EXPECT_EQ(Call("LIST", "identity/oidc/key", root).body["data"]["keys"], json({"edgex-identity"}));
  EXPECT_EQ(Call("POST", "identity/oidc/key/bad", root, {{"algorithm", "HS256"}}).code, 400);
  EXPECT_EQ(Call("POST", "identity/oidc/role/svc", root,
                 {{"client_id", "edgex"}, {"key", "missing"}, {"ttl", "15m"}}).code, 400);
  EXPECT_EQ(Call("POST", "identity/oidc/role/svc", root,
                 {{"client_id", "edgex"}, {"key", "edgex-identity"}, {"template", "{\"name\": \"svc\"}"},
                  {"ttl", "15m"}}).code, 204);                                                     // B24
  ASSERT_EQ(Call("POST", "sys/auth/userpass", root, {{"type", "userpass"}}).code, 204);
  json policy = {{"path", {{"identity/oidc/introspect", {{"capabilities", {"create", "update"}}}},
                           {"identity/oidc/token/svc", {{"capabilities", {"read"}}}}}}};
  ASSERT_EQ(Call("PUT", "sys/policies/acl/edgex-service-svc", root, {{"policy", policy.dump()}}).code, 204);
  Reply entity = Call("POST", "identity/entity/name/svc", root, {{"policies", {"edgex-service-svc"}}});
  std::string entity_id = entity.body["data"]["id"];
  std::string accessor = Call("GET", "sys/auth", root).body["data"]["userpass/"]["accessor"];
  ASSERT_EQ(Call("POST", "identity/entity-alias", root,
                 {{"name", "svc"}, {"canonical_id", entity_id}, {"mount_accessor", accessor}}).code, 200);
  ASSERT_EQ(Call("POST", "auth/userpass/users/svc", root, {{"password", "pw"}, {"token_period", "1h"}}).code, 204);
  std::string s = Call("POST", "auth/userpass/login/svc", "", {{"password", "pw"}}).body["auth"]["client_token"];

  EXPECT_EQ(Call("GET", "identity/oidc/token/svc", root).code, 400);  // root has no entity
  Reply tok = Call("GET", "identity/oidc/token/svc", s);
  ASSERT_EQ(tok.code, 200) << tok.body.dump();                                                    // A6
  EXPECT_EQ(tok.body["data"]["client_id"], "edgex");
  EXPECT_EQ(tok.body["data"]["ttl"], 900);
  std::string jwt = tok.body["data"]["token"];

  // Verify the JWS by hand against the JWKS: ES384, raw r||s, kid in the header.
  Reply jwks = Call("GET", "identity/oidc/.well-known/keys");
  ASSERT_EQ(jwks.code, 200);
  ASSERT_EQ(jwks.body["keys"].size(), 1u);
  const json& jwk = jwks.body["keys"][0];
  EXPECT_EQ(jwk["kty"], "EC");
  EXPECT_EQ(jwk["crv"], "P-384");
  size_t d1 = jwt.find('.'), d2 = jwt.rfind('.');
  json header = json::parse(common::AsChars(*common::Base64UrlDecode(jwt.substr(0, d1))));
  json claims = json::parse(common::AsChars(*common::Base64UrlDecode(jwt.substr(d1 + 1, d2 - d1 - 1))));
  EXPECT_EQ(header["alg"], "ES384");
  EXPECT_EQ(header["kid"], jwk["kid"]);
  EXPECT_EQ(claims["iss"], "/v1/identity/oidc");
  EXPECT_EQ(claims["sub"], entity_id);
  EXPECT_EQ(claims["aud"], "edgex");
  EXPECT_EQ(claims["name"], "svc");
  EXPECT_EQ(claims["namespace"], "root");
  EXPECT_EQ(claims["exp"].get<int64_t>() - claims["iat"].get<int64_t>(), 900);
  auto sig = common::Base64UrlDecode(jwt.substr(d2 + 1));
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->size(), 96u);
  auto pub = crypto::PublicKey::FromEcCoordinates(crypto::Curve::kP384,
                                                  *common::Base64UrlDecode(jwk["x"].get<std::string>()),
                                                  *common::Base64UrlDecode(jwk["y"].get<std::string>()));
  ASSERT_TRUE(pub.ok());
  auto der = crypto::EcdsaRawToDer(*sig, crypto::Curve::kP384);
  ASSERT_TRUE(der.ok());
  EXPECT_TRUE(crypto::Verify(*pub, crypto::Hash::kSha384, common::AsBytes(jwt.substr(0, d2)), *der).ok());
  Reply disc = Call("GET", "identity/oidc/.well-known/openid-configuration");
  EXPECT_EQ(disc.body["issuer"], "/v1/identity/oidc");

  Reply active = Call("POST", "identity/oidc/introspect", s, {{"token", jwt}});                   // A7
  EXPECT_EQ(active.code, 200);
  EXPECT_EQ(active.body, json({{"active", true}}));
  EXPECT_EQ(Call("POST", "identity/oidc/introspect", s, {{"token", jwt}, {"client_id", "other"}}).body["active"], false);
  std::string tampered = jwt;
  tampered[d1 + 5] = tampered[d1 + 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Call("POST", "identity/oidc/introspect", s, {{"token", tampered}}).body["active"], false);
  EXPECT_EQ(Call("POST", "identity/oidc/introspect", s, {{"token", "a.b"}}).body["active"], false);
  now_ += 901;
  EXPECT_EQ(Call("POST", "identity/oidc/introspect", root, {{"token", jwt}}).body["active"], false);
  now_ -= 901;
  // After the entity is deleted the JWT introspects inactive.
  EXPECT_EQ(Call("DELETE", "identity/entity/id/" + entity_id, root).code, 204);
  Reply gone = Call("POST", "identity/oidc/introspect", root, {{"token", jwt}});
  EXPECT_EQ(gone.code, 200);
  EXPECT_EQ(gone.body["active"], false);
  EXPECT_FALSE(gone.body["error"].get<std::string>().empty());
}

TEST_F(CoreTest, GenerateRootWithOneTimePassword) {
  std::string root = InitAndUnseal();
  EXPECT_EQ(Call("DELETE", "sys/generate-root/attempt").code, 204);                              // B4
  Reply attempt = Call("PUT", "sys/generate-root/attempt", "", json::object());
  ASSERT_EQ(attempt.code, 200);                                                                  // B5
  std::string nonce = attempt.body["nonce"], otp = attempt.body["otp"];
  EXPECT_EQ(Call("PUT", "sys/generate-root/update", "", {{"key", keys_[0]}, {"nonce", "wrong"}}).code, 400);
  Reply update;
  for (int i = 0; i < 3; ++i) {
    update = Call("PUT", "sys/generate-root/update", "", {{"key", keys_[i]}, {"nonce", nonce}});
    ASSERT_EQ(update.code, 200);                                                                 // B6
    EXPECT_EQ(update.body["complete"], i == 2);
  }
  // Raw std base64 (no padding) of token XOR otp.
  std::string encoded = update.body["encoded_token"];
  EXPECT_EQ(encoded.find('='), std::string::npos);
  auto x = common::Base64Decode(encoded);
  ASSERT_TRUE(x.ok());
  ASSERT_EQ(x->size(), otp.size());
  std::string token;
  for (size_t i = 0; i < x->size(); ++i) token.push_back(static_cast<char>((*x)[i] ^ otp[i]));
  Reply self = Call("GET", "auth/token/lookup-self", token);
  EXPECT_EQ(self.code, 200);
  EXPECT_EQ(self.body["data"]["policies"], json({"root"}));
  // Wrong shares do not produce a token.
  std::string n2 = Call("PUT", "sys/generate-root/attempt", "", json::object()).body["nonce"];
  std::string bad = keys_[3];
  bad[2] = bad[2] == 'a' ? 'b' : 'a';
  Call("PUT", "sys/generate-root/update", "", {{"key", bad}, {"nonce", n2}});
  Call("PUT", "sys/generate-root/update", "", {{"key", keys_[0]}, {"nonce", n2}});
  EXPECT_EQ(Call("PUT", "sys/generate-root/update", "", {{"key", keys_[1]}, {"nonce", n2}}).code, 400);
}

}  // namespace
}  // namespace dstart::secretstore
