// Server benchmarks (issue: SPIFFE server). Prints what it measured; bounded in count and time.
//   1. batch creation of 10,000 entries through `spire-server entry create -data` (goal >= 2,000/s)
//   2. `spire-server entry show` of 100,000 entries (goal <= 2 s)
//   3. X.509-SVID minting rate as a ratio of `openssl speed` signing for the CA key type, P-256
//      and P-384, measured in the same run (goal >= 0.7)
//   4. server idle RSS with 10,000 entries (goal <= 15 MB)
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"
#include "crypto/keys.h"
#include "nlohmann/json.hpp"
#include "server/ca/ca.h"
#include "server/datastore/datastore.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Runs a shell command, returns its stdout.
std::string Sh(const std::string& cmd, int* rc = nullptr) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  if (rc) *rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

std::string BatchFile(const fs::path& dir, int first, int count) {
  nlohmann::json entries = nlohmann::json::array();
  for (int n = first; n < first + count; ++n) {
    entries.push_back({{"spiffe_id", "spiffe://edgexfoundry.org/service/s" + std::to_string(n)},
                       {"parent_id", "spiffe://edgexfoundry.org/spire/agent/x509pop/cn/agent0"},
                       {"selectors", {{{"type", "docker"},
                                       {"value", "label:com.docker.compose.service:s" + std::to_string(n)}}}},
                       {"dns_names", {"edgex-s" + std::to_string(n)}}});
  }
  fs::path p = dir / ("batch-" + std::to_string(first) + ".json");
  std::ofstream(p) << nlohmann::json{{"entries", entries}}.dump();
  return p.string();
}

struct Server {
  fs::path dir;
  std::string sock;
  pid_t pid = -1;
  std::string Cli() const {
    return (fs::path(DSTART_BINARY).parent_path() / "spire-server").string();
  }
  void Start() {
    sock = (dir / "api.sock").string();
    std::ofstream(dir / "server.conf")
        << "server {\n trust_domain = \"edgexfoundry.org\"\n bind_port = 0\n data_dir = \""
        << (dir / "data").string() << "\"\n socket_path = \"" << sock
        << "\"\n log_level = \"WARN\"\n}\n";
    std::fflush(stdout);  // the child must not repeat buffered output
    pid = fork();
    if (pid == 0) {
      freopen("/dev/null", "w", stdout);
      execl(DSTART_BINARY, DSTART_BINARY, "server", "run", "-config",
            (dir / "server.conf").c_str(), (char*)nullptr);
      _exit(127);
    }
    for (int i = 0; i < 500; ++i) {
      int rc = 1;
      Sh(Cli() + " healthcheck -socketPath " + sock + " >/dev/null 2>&1", &rc);
      if (rc == 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::fprintf(stderr, "server did not start\n");
    std::exit(1);
  }
  void Stop() {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
  }
  long RssKb() const {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    }
    return -1;
  }
  // Creates `count` entries starting at `first` in batches of `batch`; returns seconds.
  double Create(int first, int count, int batch) {
    std::vector<std::string> files;
    for (int n = first; n < first + count; n += batch) files.push_back(BatchFile(dir, n, batch));
    auto t0 = Clock::now();
    for (const auto& f : files) {
      int rc = 1;
      Sh(Cli() + " entry create -socketPath " + sock + " -data " + f + " -output json >/dev/null", &rc);
      if (rc != 0) {
        std::fprintf(stderr, "entry create failed\n");
        std::exit(1);
      }
    }
    double s = Seconds(t0, Clock::now());
    for (const auto& f : files) fs::remove(f);
    return s;
  }
};

double OpensslSignsPerSecond(const char* alg) {
  std::string out = Sh(std::string("openssl speed -seconds 2 ") + alg + " 2>/dev/null");
  // "256 bits ecdsa (nistp256)   0.0000s   0.0001s  55000.0  18000.0"
  std::regex re(R"(ecdsa \(nistp\d+\)\s+[\d.]+s\s+[\d.]+s\s+([\d.]+))");
  std::smatch m;
  if (std::regex_search(out, m, re)) return std::atof(m[1].str().c_str());
  return -1;
}

double MintsPerSecond(const std::string& key_type, const fs::path& dir) {
  auto ds = dstart::server::datastore::OpenSqlite((dir / ("mint-" + key_type + ".sqlite3")).string());
  dstart::common::Logger::Options lo;
  lo.level = dstart::common::LogLevel::kError;
  dstart::common::Logger logger(lo);
  dstart::server::ca::CaOptions o;
  o.trust_domain = "edgexfoundry.org";
  o.ca_key_type = key_type;
  o.datastore = ds->get();
  o.logger = &logger;
  auto ca = dstart::server::ca::Ca::Start(o);
  if (!ca.ok()) return -1;
  auto leaf_key = dstart::crypto::PrivateKey::Generate(dstart::crypto::KeyType::kEcP256);
  std::vector<uint8_t> pub = leaf_key->Public().ToDer();
  std::string pub_der(pub.begin(), pub.end());
  int n = 0;
  auto t0 = Clock::now();
  while (Seconds(t0, Clock::now()) < 2.0 && n < 200000) {
    auto svid = (*ca)->MintX509Svid("spiffe://edgexfoundry.org/service/x", pub_der,
                                    {"edgex-x"}, 3600);
    if (!svid.ok()) return -1;
    ++n;
  }
  return n / Seconds(t0, Clock::now());
}

}  // namespace

int main() {
  char tmpl[] = "/tmp/dstart-server-bench-XXXXXX";
  fs::path dir = mkdtemp(tmpl);

  // 3. Minting ratio (first: no other load from this process).
  for (auto [type, alg] : {std::pair<const char*, const char*>{"ec-p256", "ecdsap256"},
                           {"ec-p384", "ecdsap384"}}) {
    double mint = MintsPerSecond(type, dir);
    double sign = OpensslSignsPerSecond(alg);
    std::printf("x509_svid_mint %s: %.0f SVIDs/s, openssl speed %s sign: %.0f/s, ratio %.2f (goal >= 0.7)\n",
                type, mint, alg, sign, sign > 0 ? mint / sign : -1.0);
  }

  // 1. Batch creation of 10,000 entries.
  Server s{dir};
  s.Start();
  double t = s.Create(0, 10000, 500);
  std::printf("entry_create_batch: 10000 entries in %.2f s = %.0f entries/s (batches of 500 via spire-server entry create -data; goal >= 2000/s)\n",
              t, 10000 / t);

  // 4. Idle RSS with 10,000 entries (after a restart, so nothing of the load remains).
  s.Stop();
  s.Start();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  std::printf("server_idle_rss: %.1f MB with 10000 entries (goal <= 15 MB)\n", s.RssKb() / 1024.0);

  // 2. entry show of 100,000 entries.
  t = s.Create(10000, 90000, 5000);
  std::printf("entry_create_bulk: 90000 more entries in %.2f s = %.0f entries/s (batches of 5000)\n", t,
              90000 / t);
  auto t0 = Clock::now();
  int rc = 1;
  Sh(s.Cli() + " entry show -socketPath " + s.sock + " > " + (dir / "show.txt").string(), &rc);
  double show = Seconds(t0, Clock::now());
  std::string out;
  std::getline(std::ifstream(dir / "show.txt"), out);
  out += "\n";
  std::printf("entry_show: %s in %.2f s (goal <= 2 s)\n",
              out.empty() ? "(no output)" : out.substr(0, out.size() - 1).c_str(), show);
  t0 = Clock::now();
  Sh(s.Cli() + " entry show -socketPath " + s.sock + " -output json > /dev/null", &rc);
  std::printf("entry_show_json: 100000 entries in %.2f s\n", Seconds(t0, Clock::now()));
  std::printf("server_rss_after_show: %.1f MB\n", s.RssKb() / 1024.0);
  s.Stop();
  fs::remove_all(dir);
  return 0;
}
