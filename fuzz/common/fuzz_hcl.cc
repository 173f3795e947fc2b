// The HCL parser must never crash on any input; whatever it accepts converts to JSON, and that
// JSON, read back as an HCL document, converts to the same JSON.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/hcl.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dstart::common::hcl;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto doc = Parse(text, "fuzz.hcl");
  if (!doc.ok()) {
    if (std::string(doc.status().message()).rfind("fuzz.hcl:", 0) != 0) std::abort();
    return 0;
  }
  for (const Entry& e : doc->entries()) {
    std::string s;
    int64_t i;
    double d;
    bool b;
    std::vector<std::string> l;
    std::chrono::nanoseconds dur;
    const Object* o;
    (void)doc->GetString(e.key, &s);
    (void)doc->GetInt(e.key, &i);
    (void)doc->GetDouble(e.key, &d);
    (void)doc->GetBool(e.key, &b);
    (void)doc->GetStringList(e.key, &l);
    (void)doc->GetDuration(e.key, &dur);
    (void)doc->GetObject(e.key, &o);
  }
  (void)doc->CheckKnownKeys({"server", "plugins"}, "fuzz");
  nlohmann::json j = ToJson(*doc);
  std::string dumped = j.dump();
  auto again = Parse(dumped, "again.json");
  if (!again.ok()) {
    // Labels nest in JSON, so a document near the depth limit may exceed it when converted.
    if (std::string(again.status().message()).find("nesting too deep") == std::string::npos) {
      std::abort();
    }
    return 0;
  }
  if (ToJson(*again) != j) std::abort();
  return 0;
}
