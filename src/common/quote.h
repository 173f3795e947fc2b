// Go-style double-quoted strings, as go-logfmt writes them: \\ \" \n \r \t escaped, other
// control characters as \u00XX, invalid UTF-8 as \ufffd; everything else kept as it is.
#ifndef DSTART_COMMON_QUOTE_H_
#define DSTART_COMMON_QUOTE_H_

#include <string>
#include <string_view>

namespace dstart::common {

std::string GoQuote(std::string_view s);

// True when `s` is valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool IsValidUtf8(std::string_view s);

}  // namespace dstart::common

#endif  // DSTART_COMMON_QUOTE_H_
