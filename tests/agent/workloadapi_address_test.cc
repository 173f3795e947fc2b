#include "spiffe/workloadapi/address.h"

#include <cstdlib>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace dstart::spiffe::workloadapi {
namespace {

using ::testing::HasSubstr;

std::string Err(std::string_view uri) {
  auto t = EndpointTarget(uri);
  EXPECT_FALSE(t.ok()) << uri << " -> " << *t;
  return t.ok() ? "" : std::string(t.status().message());
}

TEST(EndpointTarget, UnixForms) {
  EXPECT_EQ(*EndpointTarget("unix:///tmp/edgex/secrets/spiffe/public/api.sock"),
            "unix:///tmp/edgex/secrets/spiffe/public/api.sock");
  EXPECT_EQ(*EndpointTarget("unix:/run/agent.sock"), "unix:/run/agent.sock");
  EXPECT_THAT(Err("unix:relative/agent.sock"), HasSubstr("must not be opaque"));
  EXPECT_THAT(Err("unix://user@/x.sock"), HasSubstr("user info"));
  EXPECT_THAT(Err("unix:"), HasSubstr("include a path"));
  EXPECT_THAT(Err("unix://"), HasSubstr("include a path"));
  EXPECT_THAT(Err("unix:///x.sock?a=b"), HasSubstr("query values"));
  EXPECT_THAT(Err("unix:///x.sock#frag"), HasSubstr("fragment"));
  EXPECT_THAT(Err("unix://host/x.sock"), HasSubstr("host"));
}

TEST(EndpointTarget, TcpForms) {
  EXPECT_EQ(*EndpointTarget("tcp://127.0.0.1:8000"), "ipv4:127.0.0.1:8000");
  EXPECT_EQ(*EndpointTarget("tcp://[::1]:8000"), "ipv6:[::1]:8000");
  EXPECT_THAT(Err("tcp://127.0.0.1:8000/foo"), HasSubstr("not include a path"));
  EXPECT_THAT(Err("tcp://localhost:8000"), HasSubstr("IP address"));
  EXPECT_THAT(Err("tcp://127.0.0.1"), HasSubstr("port"));
  EXPECT_THAT(Err("tcp://127.0.0.1:0"), HasSubstr("port"));
  EXPECT_THAT(Err("tcp://127.0.0.1:99999"), HasSubstr("port"));
  EXPECT_THAT(Err("tcp://127.0.0.1:80x"), HasSubstr("port"));
  EXPECT_THAT(Err("tcp://u@127.0.0.1:80"), HasSubstr("user info"));
  EXPECT_THAT(Err("tcp://127.0.0.1:80?x=1"), HasSubstr("query"));
  EXPECT_THAT(Err("tcp://127.0.0.1:80#x"), HasSubstr("fragment"));
  EXPECT_THAT(Err("tcp:127.0.0.1:80"), HasSubstr("opaque"));
  EXPECT_THAT(Err("tcp://:80"), HasSubstr("host"));
  EXPECT_THAT(Err("tcp://[::1:80"), HasSubstr("IPv6"));
}

TEST(EndpointTarget, OtherSchemesAndGarbage) {
  EXPECT_EQ(Err("http://127.0.0.1:80"),
            "workload endpoint socket URI must have a \"tcp\" or \"unix\" scheme");
  EXPECT_THAT(Err("/tmp/agent.sock"), HasSubstr("not a valid URI"));
  EXPECT_THAT(Err(""), HasSubstr("not a valid URI"));
}

TEST(ResolveEndpointTarget, ExplicitThenEnvironment) {
  ::unsetenv(kEndpointSocketEnv);
  EXPECT_EQ(ResolveEndpointTarget("").status().message(),
            "workload endpoint socket address is not configured");
  ::setenv(kEndpointSocketEnv, "unix:///env.sock", 1);
  EXPECT_EQ(*ResolveEndpointTarget(""), "unix:///env.sock");
  EXPECT_EQ(*ResolveEndpointTarget("unix:///explicit.sock"), "unix:///explicit.sock");
  ::setenv(kEndpointSocketEnv, "ftp://x", 1);
  EXPECT_FALSE(ResolveEndpointTarget("").ok());
  ::unsetenv(kEndpointSocketEnv);
}

}  // namespace
}  // namespace dstart::spiffe::workloadapi
