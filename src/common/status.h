// Error handling conventions for dstart.
//
// Every fallible call returns absl::Status or absl::StatusOr<T>; no exception crosses a module
// boundary. A message names what was wrong and, where it helps, what to do about it.
#ifndef DSTART_COMMON_STATUS_H_
#define DSTART_COMMON_STATUS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define DSTART_STATUS_CONCAT_INNER_(a, b) a##b
#define DSTART_STATUS_CONCAT_(a, b) DSTART_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function when `expr` (an absl::Status) is not OK.
#define DSTART_RETURN_IF_ERROR(expr)              \
  do {                                            \
    ::absl::Status dstart_status_ = (expr);       \
    if (!dstart_status_.ok()) return dstart_status_; \
  } while (0)

// `DSTART_ASSIGN_OR_RETURN(auto x, Foo());` declares x from an OK StatusOr or returns its error.
#define DSTART_ASSIGN_OR_RETURN(lhs, expr)                                              \
  DSTART_ASSIGN_OR_RETURN_IMPL_(DSTART_STATUS_CONCAT_(dstart_statusor_, __LINE__), lhs, expr)
#define DSTART_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return std::move(tmp).status();      \
  lhs = std::move(tmp).value()

#endif  // DSTART_COMMON_STATUS_H_
