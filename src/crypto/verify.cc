#include "crypto/verify.h"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "crypto/internal.h"
#include "fmt/format.h"

namespace dstart::crypto {

absl::StatusOr<std::vector<Certificate>> VerifyCertificateChain(
    const Certificate& leaf, const std::vector<Certificate>& intermediates,
    const std::vector<Certificate>& roots,
    std::optional<std::chrono::system_clock::time_point> at) {
  using internal::OpenSslError;
  if (roots.empty()) return absl::InvalidArgumentError("no trusted roots to verify against");
  X509StorePtr store(X509_STORE_new());
  if (!store) return OpenSslError(absl::StatusCode::kInternal, "X509_STORE_new failed");
  for (const auto& root : roots) {
    if (X509_STORE_add_cert(store.get(), root.get()) != 1) {
      return OpenSslError(absl::StatusCode::kInternal, "adding a root failed");
    }
  }
  X509StackPtr untrusted(sk_X509_new_null());
  if (!untrusted) return OpenSslError(absl::StatusCode::kInternal, "sk_X509_new_null failed");
  for (const auto& cert : intermediates) {
    if (X509_add_cert(untrusted.get(), cert.get(), X509_ADD_FLAG_UP_REF) != 1) {
      return OpenSslError(absl::StatusCode::kInternal, "adding an intermediate failed");
    }
  }
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), untrusted.get()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "X509_STORE_CTX_init failed");
  }
  // Partial chains stay off: the path must end at a self-signed root. No purpose is set, so
  // OpenSSL checks no EKU.
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_clear_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  if (at) X509_STORE_CTX_set_time(ctx.get(), 0, std::chrono::system_clock::to_time_t(*at));

  int rc = X509_verify_cert(ctx.get());
  internal::ClearOpenSslErrors();
  if (rc != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    X509* current = X509_STORE_CTX_get_current_cert(ctx.get());
    std::string where;
    if (current != nullptr) {
      where = FormatDistinguishedName(internal::FromX509Name(X509_get_subject_name(current)));
    }
    return absl::FailedPreconditionError(
        fmt::format("certificate verify failed at depth {} ({}): {}", depth, where,
                    X509_verify_cert_error_string(err)));
  }
  std::vector<Certificate> path;
  X509StackPtr chain(X509_STORE_CTX_get1_chain(ctx.get()));
  for (int i = 0; chain && i < sk_X509_num(chain.get()); ++i) {
    X509* cert = sk_X509_value(chain.get(), i);
    X509_up_ref(cert);
    path.push_back(Certificate::FromHandle(X509Ptr(cert)));
  }
  return path;
}

}  // namespace dstart::crypto
