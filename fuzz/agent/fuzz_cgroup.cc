// Container id extraction from /proc/<pid>/cgroup: never crash; an id found is always 64
// lowercase hex digits that occur in the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "agent/workloadattestor/docker/container_id.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto id = dstart::agent::workloadattestor::ContainerIdFromCgroup(text);
  if (id.ok() && id->has_value()) {
    const std::string& s = **id;
    if (s.size() != 64 || text.find(s) == std::string_view::npos) std::abort();
    for (char c : s) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) std::abort();
    }
  }
  return 0;
}
