// Docker Engine inspect answers to selectors: never crash; every selector is of type docker with
// a non-empty value. The input is split at the first NUL into container and image answers.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "agent/workloadattestor/docker/docker_attestor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<std::string_view> image;
  if (size_t nul = text.find('\0'); nul != std::string_view::npos) {
    image = text.substr(nul + 1);
    text = text.substr(0, nul);
  }
  auto selectors = dstart::agent::workloadattestor::SelectorsFromInspect(text, image);
  if (selectors.ok()) {
    for (const auto& s : *selectors) {
      if (s.type != "docker" || s.value.empty()) std::abort();
    }
  }
  return 0;
}
