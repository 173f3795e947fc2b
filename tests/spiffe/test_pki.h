// Real certificates for the spiffe tests, built with dstart::crypto's certificate builder.
#ifndef DSTART_TESTS_SPIFFE_TEST_PKI_H_
#define DSTART_TESTS_SPIFFE_TEST_PKI_H_

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>

#include "crypto/cert_builder.h"
#include "crypto/certificate.h"
#include "crypto/keys.h"

namespace dstart::spiffe::testing {

using Clock = std::chrono::system_clock;

// A fixed "now" so tests never depend on the wall clock: 2026-01-01T00:00:00Z.
inline Clock::time_point TestNow() { return Clock::time_point(std::chrono::seconds(1767225600)); }

struct KeyedCert {
  crypto::PrivateKey key;
  crypto::Certificate cert;
};

inline crypto::PrivateKey NewKey(crypto::KeyType type = crypto::KeyType::kEcP256) {
  auto key = crypto::PrivateKey::Generate(type);
  EXPECT_TRUE(key.ok()) << key.status();
  return std::move(key).value();
}

// A self-signed root CA for `td` ("example.org"), valid for a day from TestNow() - 10 s.
inline KeyedCert MakeRootCa(const std::string& td,
                            crypto::KeyType type = crypto::KeyType::kEcP256) {
  crypto::PrivateKey key = NewKey(type);
  auto tmpl = crypto::RootCaTemplate({{"C", "US"}, {"O", "SPIFFE"}, {"CN", td + " root"}},
                                     "spiffe://" + td, TestNow(), std::chrono::hours(24));
  auto cert = crypto::SelfSignCertificate(tmpl, key);
  EXPECT_TRUE(cert.ok()) << cert.status();
  return {key, std::move(cert).value()};
}

inline KeyedCert MakeIntermediateCa(const KeyedCert& parent, const std::string& td) {
  crypto::PrivateKey key = NewKey();
  auto tmpl = crypto::IntermediateCaTemplate({{"C", "US"}, {"O", "SPIFFE"}, {"CN", td + " int"}},
                                             "spiffe://" + td, TestNow(), std::chrono::hours(12));
  auto cert = crypto::IssueCertificate(tmpl, key.Public(), parent.cert, parent.key);
  EXPECT_TRUE(cert.ok()) << cert.status();
  return {key, std::move(cert).value()};
}

// An X.509-SVID leaf for `id` issued by `ca` (SPIRE's profile, 1 h from TestNow()); `tweak` may
// break the template to make the leaf the test needs.
inline KeyedCert MakeLeaf(const KeyedCert& ca, const std::string& id,
                          const std::function<void(crypto::CertificateTemplate&)>& tweak = {}) {
  crypto::PrivateKey key = NewKey();
  auto tmpl = crypto::X509SvidTemplate(id, {}, TestNow(), std::chrono::hours(1));
  if (tweak) tweak(tmpl);
  auto cert = crypto::IssueCertificate(tmpl, key.Public(), ca.cert, ca.key);
  EXPECT_TRUE(cert.ok()) << cert.status();
  return {key, std::move(cert).value()};
}

}  // namespace dstart::spiffe::testing

#endif  // DSTART_TESTS_SPIFFE_TEST_PKI_H_
