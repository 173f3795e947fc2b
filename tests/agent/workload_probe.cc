// A workload for end-to-end tests: a separate process (own pid, own executable path) that asks
// the Workload API for an identity with the real client and prints what it got.
//   workload_probe <endpoint-uri> x509                 one FetchX509SVID message
//   workload_probe <endpoint-uri> source <timeout-ms>  X509Source, first context
// Prints "svid <spiffe-id>" (exit 0) or "error <grpc-code> <message>" (exit 1).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "spiffe/workloadapi/client.h"

using dstart::spiffe::workloadapi::Client;
using dstart::spiffe::workloadapi::X509Source;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: workload_probe <endpoint-uri> x509|source [timeout-ms]\n");
    return 2;
  }
  std::string mode = argv[2];
  absl::Status err;
  if (mode == "x509") {
    auto client = Client::Create({.address = argv[1]});
    if (!client.ok()) {
      err = client.status();
    } else {
      auto ctx = (*client)->FetchX509Context(std::chrono::seconds(10));
      if (ctx.ok()) {
        std::printf("svid %s\n", ctx->default_svid().id().String().c_str());
        return 0;
      }
      err = ctx.status();
    }
  } else if (mode == "source" && argc > 3) {
    dstart::spiffe::workloadapi::ClientOptions options{.address = argv[1]};
    options.backoff_initial = std::chrono::milliseconds(100);
    options.backoff_step = std::chrono::milliseconds(100);
    auto source = X509Source::Create(options, std::chrono::milliseconds(std::atoi(argv[3])));
    if (source.ok()) {
      std::printf("svid %s\n", (*source)->GetX509Svid().id().String().c_str());
      return 0;
    }
    err = source.status();
  } else {
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
  }
  std::printf("error %d %s\n", static_cast<int>(err.code()), std::string(err.message()).c_str());
  return 1;
}
