// spire-server bundle show, x509 mint, jwt mint (spec/spire.md §2.4, §2.6).
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "common/duration.h"
#include "common/encoding.h"
#include "common/file.h"
#include "crypto/certificate.h"
#include "crypto/csr.h"
#include "crypto/keys.h"
#include "dstart/server/v1/server.grpc.pb.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "server/cli/commands.h"
#include "server/cli/common.h"
#include "spiffe/bundle.h"
#include "spiffe/id.h"

namespace dstart::server::cli {
namespace {

namespace pb = ::dstart::server::v1;
using nlohmann::json;

bool CheckOutput(const std::string& output, int* code) {
  if (output == "pretty" || output == "prettyprint" || output == "json") return true;
  *code = Fail(fmt::format("invalid output format \"{}\"", output));
  return false;
}

std::string Pem(const std::string& label, const std::string& der) {
  std::string out = fmt::format("-----BEGIN {}-----\n", label);
  std::string b64 = common::Base64Encode(common::AsBytes(der));
  for (size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out + fmt::format("-----END {}-----\n", label);
}

absl::StatusOr<pb::Bundle> FetchBundle(const std::string& socket) {
  auto stub = pb::BundleAPI::NewStub(Dial(socket));
  grpc::ClientContext ctx;
  pb::Bundle b;
  grpc::Status st = stub->GetBundle(&ctx, pb::GetBundleRequest(), &b);
  if (!st.ok()) return absl::UnavailableError(RpcError(st));
  return b;
}

// A SPIFFE bundle (JWKS) document for the bundle message.
absl::StatusOr<std::string> SpiffeJson(const pb::Bundle& b) {
  auto td = spiffe::TrustDomain::FromString(b.trust_domain());
  if (!td.ok()) return td.status();
  spiffe::Bundle bundle(*td);
  for (const auto& der : b.x509_authorities()) {
    auto c = crypto::Certificate::FromDer(common::AsBytes(der));
    if (!c.ok()) return c.status();
    bundle.AddX509Authority(*c);
  }
  for (const auto& k : b.jwt_authorities()) {
    auto pub = crypto::PublicKey::FromDer(common::AsBytes(k.public_key()));
    if (!pub.ok()) return pub.status();
    if (absl::Status st = bundle.AddJwtAuthority(k.key_id(), *pub); !st.ok()) return st;
  }
  bundle.set_sequence_number(b.sequence_number());
  if (b.refresh_hint() > 0) bundle.set_refresh_hint(std::chrono::seconds(b.refresh_hint()));
  return bundle.ToJson();
}

json BundleJson(const pb::Bundle& b) {
  json x = json::array(), j = json::array();
  for (const auto& der : b.x509_authorities()) {
    x.push_back({{"asn1", common::Base64Encode(common::AsBytes(der))}});
  }
  for (const auto& k : b.jwt_authorities()) {
    j.push_back({{"public_key", common::Base64Encode(common::AsBytes(k.public_key()))},
                 {"key_id", k.key_id()},
                 {"expires_at", std::to_string(k.expires_at())},
                 {"tainted", false}});
  }
  return json{{"trust_domain", b.trust_domain()},
              {"x509_authorities", x},
              {"jwt_authorities", j},
              {"refresh_hint", std::to_string(b.refresh_hint())},
              {"sequence_number", std::to_string(b.sequence_number())}};
}

absl::StatusOr<int64_t> TtlSeconds(const std::string& text) {
  if (text.empty() || text == "0") return 0;
  auto d = common::ParseDuration(text);
  if (!d.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("invalid value \"{}\" for flag -ttl: {}", text, std::string(d.status().message())));
  }
  if (d->count() < 0) return absl::InvalidArgumentError("ttl must not be negative");
  return std::chrono::duration_cast<std::chrono::seconds>(*d).count();
}

}  // namespace

int BundleShow(const Args& args) {
  FlagSet flags;
  SocketFlags sf;
  sf.Add(flags);
  std::string format = "pem", output = "pretty";
  flags.String("format", &format, "The format to show the bundle (only pretty output format supports this flag). Either \"pem\" or \"spiffe\".");
  flags.String("output", &output, "Desired output format (pretty, json); default: pretty.");
  int code = 0;
  if (!ParseFlags(flags, "bundle show", args, &code)) return code;
  if (!CheckOutput(output, &code)) return code;
  if (format != "pem" && format != "spiffe") {
    return Fail(fmt::format("invalid format: \"{}\"", format));
  }
  auto b = FetchBundle(sf.Resolve(flags));
  if (!b.ok()) return Fail(std::string(b.status().message()));
  if (output == "json") {
    std::printf("%s\n", BundleJson(*b).dump().c_str());
    return 0;
  }
  if (format == "pem") {
    std::string out;
    for (const auto& der : b->x509_authorities()) out += Pem("CERTIFICATE", der);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
  }
  auto text = SpiffeJson(*b);
  if (!text.ok()) return Fail(std::string(text.status().message()));
  std::printf("%s\n", json::parse(*text).dump(4).c_str());
  return 0;
}

int X509Mint(const Args& args) {
  FlagSet flags;
  SocketFlags sf;
  sf.Add(flags);
  std::string id, ttl_text, write_dir, output = "pretty";
  std::vector<std::string> dns;
  flags.String("spiffeID", &id, "SPIFFE ID of the X509-SVID");
  flags.String("ttl", &ttl_text, "TTL of the X509-SVID");
  flags.StringList("dns", &dns, "DNS name that will be included in SVID. Can be used more than once.");
  flags.String("write", &write_dir, "Directory to write output to instead of stdout");
  flags.String("output", &output, "Desired output format (pretty, json); default: pretty.");
  int code = 0;
  if (!ParseFlags(flags, "x509 mint", args, &code)) return code;
  if (!CheckOutput(output, &code)) return code;
  if (id.empty()) return Fail("spiffeID must be specified");
  auto parsed = spiffe::SpiffeId::FromString(id);
  if (!parsed.ok()) return Fail(std::string(parsed.status().message()));
  auto ttl = TtlSeconds(ttl_text);
  if (!ttl.ok()) return Fail(std::string(ttl.status().message()));

  auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEcP256);
  if (!key.ok()) return Fail(fmt::format("unable to generate key: {}", std::string(key.status().message())));
  auto csr = crypto::CertificateRequest::Create(*key, {}, {parsed->String()}, dns);
  if (!csr.ok()) return Fail(fmt::format("unable to generate CSR: {}", std::string(csr.status().message())));
  std::string socket = sf.Resolve(flags);
  auto stub = pb::SVIDAPI::NewStub(Dial(socket));
  grpc::ClientContext ctx;
  pb::MintX509SVIDRequest req;
  std::vector<uint8_t> csr_der = csr->ToDer();
  req.set_csr(std::string(csr_der.begin(), csr_der.end()));
  req.set_ttl(static_cast<int32_t>(*ttl));
  pb::MintX509SVIDResponse resp;
  grpc::Status st = stub->MintX509SVID(&ctx, req, &resp);
  if (!st.ok()) return Fail(fmt::format("unable to mint SVID: {}", RpcError(st)));
  auto bundle = FetchBundle(socket);
  if (!bundle.ok()) return Fail(fmt::format("unable to get bundle: {}", std::string(bundle.status().message())));

  if (*ttl > 0) {
    int64_t now = static_cast<int64_t>(std::time(nullptr));
    if (resp.expires_at() < now + *ttl - 5) {
      std::fprintf(stderr, "X509-SVID lifetime was capped shorter than specified ttl; expires %s\n",
                   GoUtcTime(resp.expires_at()).c_str());
    }
  }
  std::string svid_pem, roots_pem;
  for (const auto& der : resp.cert_chain()) svid_pem += Pem("CERTIFICATE", der);
  for (const auto& der : bundle->x509_authorities()) roots_pem += Pem("CERTIFICATE", der);
  std::string key_pem = key->ToPkcs8Pem();
  if (output == "json") {
    json chain = json::array(), roots = json::array();
    for (const auto& der : resp.cert_chain()) chain.push_back(common::Base64Encode(common::AsBytes(der)));
    for (const auto& der : bundle->x509_authorities()) roots.push_back(common::Base64Encode(common::AsBytes(der)));
    std::vector<uint8_t> k = key->ToPkcs8Der();
    std::printf("%s\n", json{{"x509_svid", chain}, {"private_key", common::Base64Encode(k)}, {"root_cas", roots}}
                            .dump()
                            .c_str());
    return 0;
  }
  if (write_dir.empty()) {
    std::printf("X509-SVID:\n%s\nPrivate key:\n%s\nRoot CAs:\n%s\n", svid_pem.c_str(),
                key_pem.c_str(), roots_pem.c_str());
    return 0;
  }
  namespace fs = std::filesystem;
  struct Out {
    const char* name;
    const std::string* data;
    mode_t mode;
    const char* what;
  } outs[] = {{"svid.pem", &svid_pem, 0644, "X509-SVID"},
              {"key.pem", &key_pem, 0600, "Private key"},
              {"bundle.pem", &roots_pem, 0644, "Root CAs"}};
  for (const Out& o : outs) {
    std::string path = (fs::path(write_dir) / o.name).string();
    absl::Status w = common::AtomicWriteFile(path, *o.data, o.mode);
    if (!w.ok()) return Fail(fmt::format("unable to write {}: {}", o.name, std::string(w.message())));
    std::printf("%s written to %s\n", o.what, path.c_str());
  }
  return 0;
}

int JwtMint(const Args& args) {
  FlagSet flags;
  SocketFlags sf;
  sf.Add(flags);
  std::string id, ttl_text, write_file, output = "pretty";
  std::vector<std::string> audience;
  flags.String("spiffeID", &id, "SPIFFE ID of the JWT-SVID");
  flags.String("ttl", &ttl_text, "TTL of the JWT-SVID");
  flags.StringList("audience", &audience, "Audience claim that will be included in the SVID. Can be used more than once.");
  flags.String("write", &write_file, "File to write token to instead of stdout");
  flags.String("output", &output, "Desired output format (pretty, json); default: pretty.");
  int code = 0;
  if (!ParseFlags(flags, "jwt mint", args, &code)) return code;
  if (!CheckOutput(output, &code)) return code;
  if (id.empty()) return Fail("spiffeID must be specified");
  if (audience.empty()) return Fail("at least one audience must be specified");
  auto parsed = spiffe::SpiffeId::FromString(id);
  if (!parsed.ok()) return Fail(std::string(parsed.status().message()));
  auto ttl = TtlSeconds(ttl_text);
  if (!ttl.ok()) return Fail(std::string(ttl.status().message()));
  auto stub = pb::SVIDAPI::NewStub(Dial(sf.Resolve(flags)));
  grpc::ClientContext ctx;
  pb::MintJWTSVIDRequest req;
  req.set_id(parsed->String());
  for (const auto& a : audience) req.add_audience(a);
  req.set_ttl(static_cast<int32_t>(*ttl));
  pb::MintJWTSVIDResponse resp;
  grpc::Status st = stub->MintJWTSVID(&ctx, req, &resp);
  if (!st.ok()) return Fail(fmt::format("unable to mint SVID: {}", RpcError(st)));
  if (output == "json") {
    std::printf("%s\n", json{{"token", resp.token()}, {"expires_at", std::to_string(resp.expires_at())}}
                            .dump()
                            .c_str());
    return 0;
  }
  if (write_file.empty()) {
    std::printf("%s\n", resp.token().c_str());
    return 0;
  }
  absl::Status w = common::AtomicWriteFile(write_file, resp.token(), 0600);
  if (!w.ok()) return Fail(fmt::format("unable to write token: {}", std::string(w.message())));
  std::printf("JWT-SVID written to %s\n", write_file.c_str());
  return 0;
}

}  // namespace dstart::server::cli
