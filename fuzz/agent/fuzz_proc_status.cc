// /proc/<pid>/status and /proc/<pid>/stat parsing: never crash; a parsed status always has the
// ids the attestor reads.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "agent/workloadattestor/process_info.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto status = dstart::agent::workloadattestor::ParseProcStatus(text);
  if (status.ok()) {
    if (status->uids.empty() || status->uids.size() > 4 || status->gids.empty() ||
        status->gids.size() > 4) {
      std::abort();
    }
    (void)status->EffectiveUid();
    (void)status->EffectiveGid();
  }
  (void)dstart::agent::workloadattestor::ParseProcStatStartTime(text);
  return 0;
}
