// X.509-SVID mints per second, as the server performs them for an agent, beside OpenSSL's own
// ECDSA signing speed measured in the same run (`openssl speed -seconds 2 ecdsap256 ecdsap384`).
//
// One mint = generate the workload's EC P-256 key, build and sign its CSR (agent side), parse the
// CSR and check its signature, then issue the leaf with the CA key and encode it (server side).
// "CA sign only" repeats just the last step for one CSR, which is what a P-384 CA caps.
// Single-threaded; rates are per second of CPU time. Usage: bench_svid_mint [CPU seconds per measurement, default 1].
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>

#include "crypto/cert_builder.h"
#include "crypto/csr.h"
#include "crypto/keys.h"
#include "fmt/format.h"

namespace {

using dstart::crypto::Certificate;
using dstart::crypto::CertificateRequest;
using dstart::crypto::IntermediateCaTemplate;
using dstart::crypto::IssueCertificateFromCsr;
using dstart::crypto::KeyType;
using dstart::crypto::PrivateKey;
using dstart::crypto::RootCaTemplate;
using dstart::crypto::SelfSignCertificate;
using dstart::crypto::X509SvidTemplate;

constexpr char kTd[] = "spiffe://edgexfoundry.org";
constexpr char kId[] = "spiffe://edgexfoundry.org/service/device-virtual";

template <typename T>
T OrDie(absl::StatusOr<T> v, const char* what) {
  if (!v.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, std::string(v.status().message()).c_str());
    std::exit(1);
  }
  return *std::move(v);
}

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

// Runs `op` repeatedly for `seconds` of this thread's CPU time; returns operations per CPU
// second. `openssl speed` also counts CPU (user) time, so the two compare on a busy machine.
template <typename Op>
double Rate(double seconds, Op op) {
  double start = ThreadCpuSeconds();
  long n = 0;
  double now;
  do {
    op();
    ++n;
    now = ThreadCpuSeconds();
  } while (now - start < seconds);
  return n / (now - start);
}

struct Result {
  double mint = 0;
  double sign_only = 0;
};

Result Measure(KeyType ca_type, double seconds) {
  auto now = std::chrono::system_clock::now();
  PrivateKey ca_key = OrDie(PrivateKey::Generate(ca_type), "CA key");
  Certificate ca = OrDie(
      SelfSignCertificate(RootCaTemplate({{"C", "US"}, {"O", "SPIFFE"}}, kTd, now,
                                         std::chrono::hours(24)),
                          ca_key),
      "CA certificate");
  auto tmpl = X509SvidTemplate(kId, {}, now, std::chrono::hours(1));
  Result r;
  r.mint = Rate(seconds, [&] {
    PrivateKey key = OrDie(PrivateKey::Generate(KeyType::kEcP256), "leaf key");
    auto der = OrDie(CertificateRequest::Create(key, {}, {kId}), "CSR").ToDer();
    auto csr = OrDie(CertificateRequest::FromDer(der), "CSR parse");
    auto leaf = OrDie(IssueCertificateFromCsr(tmpl, csr, ca, ca_key), "issue");
    if (leaf.ToDer().empty()) std::abort();
  });
  PrivateKey key = OrDie(PrivateKey::Generate(KeyType::kEcP256), "leaf key");
  auto pub = key.Public();
  r.sign_only = Rate(seconds / 2, [&] {
    auto leaf = OrDie(dstart::crypto::IssueCertificate(tmpl, pub, ca, ca_key), "issue");
    if (leaf.ToDer().empty()) std::abort();
  });
  return r;
}

// sign/s per curve bits from `openssl speed` output, e.g.
//  " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  42364.0  13887.6".
std::map<int, double> OpenSslSpeed() {
  std::map<int, double> out;
  FILE* p = popen("openssl speed -seconds 2 ecdsap256 ecdsap384 2>/dev/null", "r");
  if (p == nullptr) return out;
  std::string text;
  char buf[512];
  while (fgets(buf, sizeof(buf), p) != nullptr) text += buf;
  pclose(p);
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find("bits ecdsa") == std::string::npos) continue;
    std::istringstream f(line);
    int bits = 0;
    std::string w1, w2, w3, sign_time, verify_time;
    double sign_rate = 0;
    if (f >> bits >> w1 >> w2 >> w3 >> sign_time >> verify_time >> sign_rate) out[bits] = sign_rate;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  if (seconds <= 0) seconds = 1.0;
  std::printf(
      "X.509-SVID minting, one thread, per CPU second; leaf key EC P-256; %.1f s per measurement\n",
      seconds);
  std::printf("mint = leaf keygen + CSR create + CSR parse/verify + CA sign + DER encode\n\n");
  Result p256 = Measure(KeyType::kEcP256, seconds);
  Result p384 = Measure(KeyType::kEcP384, seconds);
  std::map<int, double> speed = OpenSslSpeed();
  std::printf("%-8s %12s %16s %22s %14s %14s\n", "CA key", "mints/s", "CA sign only/s",
              "openssl speed sign/s", "mint/openssl", "sign/openssl");
  for (auto [name, bits, r] : {std::tuple{"ec-p256", 256, p256}, std::tuple{"ec-p384", 384, p384}}) {
    double ossl = speed.count(bits) ? speed[bits] : 0;
    std::string ratio_mint = ossl > 0 ? fmt::format("{:.3f}", r.mint / ossl) : "n/a";
    std::string ratio_sign = ossl > 0 ? fmt::format("{:.3f}", r.sign_only / ossl) : "n/a";
    std::printf("%-8s %12.0f %16.0f %22.0f %14s %14s\n", name, r.mint, r.sign_only, ossl,
                ratio_mint.c_str(), ratio_sign.c_str());
  }
  if (speed.empty()) std::printf("\n(openssl speed produced no ECDSA figures)\n");
  return 0;
}
