// The corrected service-key rules (spec/edgex.md §10): each test tries to get past one rule.
#include "tokenprovider/rules.h"

#include <gtest/gtest.h>

namespace dstart::tokenprovider {
namespace {

TEST(ServiceNameFromIdTest, AcceptsOneSegmentServiceIds) {
  auto name = ServiceNameFromId("spiffe://edgexfoundry.org/service/core-data", "edgexfoundry.org");
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_EQ(*name, "core-data");
}

TEST(ServiceNameFromIdTest, RefusesIdsOutsideServiceOrWithMoreSegments) {
  const std::string td = "edgexfoundry.org";
  for (const char* id :
       {"spiffe://edgexfoundry.org/spire/agent/x509pop/cn/agent0",
        "spiffe://edgexfoundry.org/service/", "spiffe://edgexfoundry.org/service",
        "spiffe://edgexfoundry.org/service/core-data/extra", "spiffe://edgexfoundry.org/service/..",
        "spiffe://edgexfoundry.org", "https://edgexfoundry.org/service/core-data", ""}) {
    auto name = ServiceNameFromId(id, td);
    EXPECT_FALSE(name.ok()) << id;
    EXPECT_NE(std::string(name.status().message()).find("Invalid Spiffe SVID format"),
              std::string::npos)
        << id;
  }
}

TEST(ServiceNameFromIdTest, RefusesAnotherTrustDomain) {
  auto name = ServiceNameFromId("spiffe://evil.org/service/core-data", "edgexfoundry.org");
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(std::string(name.status().message()), "Invalid trust domain name: evil.org");
}

TEST(AuthorizeServiceKeyTest, EmptyKeyMeansTheName) {
  EXPECT_EQ(*AuthorizeServiceKey("core-data", ""), "core-data");
}

TEST(AuthorizeServiceKeyTest, OtherServicesOnlyTheirOwnKey) {
  EXPECT_EQ(*AuthorizeServiceKey("core-data", "core-data"), "core-data");
  EXPECT_FALSE(AuthorizeServiceKey("core-data", "core-metadata").ok());
  EXPECT_FALSE(AuthorizeServiceKey("core-data", "core-data-2").ok());
  EXPECT_FALSE(AuthorizeServiceKey("app-rules-engine", "app-http-export").ok());
}

TEST(AuthorizeServiceKeyTest, DeviceInstancesButNotOtherDevices) {
  EXPECT_EQ(*AuthorizeServiceKey("device-virtual", "device-virtual"), "device-virtual");
  EXPECT_EQ(*AuthorizeServiceKey("device-virtual", "device-virtual-2"), "device-virtual-2");
  EXPECT_FALSE(AuthorizeServiceKey("device-virtual", "device-virtual-").ok());
  EXPECT_FALSE(AuthorizeServiceKey("device-virtual", "device-virtualx").ok());
  EXPECT_FALSE(AuthorizeServiceKey("device-virtual", "device-modbus").ok());
  EXPECT_FALSE(AuthorizeServiceKey("device-virtual", "device-name-1").ok());  // EdgeX's literal
  EXPECT_FALSE(AuthorizeServiceKey("device-virtual", "core-data").ok());
}

TEST(AuthorizeServiceKeyTest, OnlyTheExactConfigurableAppServiceMayPickAnAppKey) {
  EXPECT_EQ(*AuthorizeServiceKey("app-service-configurable", "app-foo"), "app-foo");
  EXPECT_FALSE(AuthorizeServiceKey("app-service-configurable", "app-").ok());
  EXPECT_FALSE(AuthorizeServiceKey("app-service-configurable", "core-data").ok());
  // EdgeX's prefix rule let any name starting with app-service-configurable claim app-* keys.
  EXPECT_FALSE(AuthorizeServiceKey("app-service-configurable-evil", "app-rules-engine").ok());
}

TEST(AuthorizeServiceKeyTest, KeysMustBeOnePathSegment) {
  EXPECT_FALSE(AuthorizeServiceKey("app-service-configurable", "app-x/../core-data").ok());
  EXPECT_FALSE(AuthorizeServiceKey("device-virtual", "device-virtual-a/b").ok());
  EXPECT_FALSE(AuthorizeServiceKey("app-service-configurable", "app-a b").ok());
}

}  // namespace
}  // namespace dstart::tokenprovider
