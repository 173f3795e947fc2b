// OIDC identity tokens (spec/secretstore.md §4.10).
#include "fmt/format.h"
#include "secretstore/core_internal.h"

namespace dstart::secretstore {

std::string Core::Impl::Issuer() const { return options_.api_addr + "/v1/identity/oidc"; }

Result Core::Impl::HandleOidc(LogicalRequest& req, const std::string& rest) {
  return Err(404, fmt::format("no handler for route \"{}\". route entry not found.", req.path));
}

}  // namespace dstart::secretstore
