#include "server/types.h"

#include <algorithm>

namespace dstart::server {
namespace {

template <typename T>
bool MatchSorted(std::vector<T> have, std::vector<T> want, Match match) {
  std::sort(have.begin(), have.end());
  have.erase(std::unique(have.begin(), have.end()), have.end());
  std::sort(want.begin(), want.end());
  want.erase(std::unique(want.begin(), want.end()), want.end());
  switch (match) {
    case Match::kExact:
      return have == want;
    case Match::kSuperset:
      return std::includes(have.begin(), have.end(), want.begin(), want.end());
    case Match::kSubset:
      return std::includes(want.begin(), want.end(), have.begin(), have.end());
    case Match::kAny:
      for (const T& w : want) {
        if (std::binary_search(have.begin(), have.end(), w)) return true;
      }
      return false;
  }
  return false;
}

}  // namespace

bool MatchSet(std::vector<Selector> have, std::vector<Selector> want, Match match) {
  return spiffe::MatchSelectors(spiffe::SelectorSet(have.begin(), have.end()),
                                spiffe::SelectorSet(want.begin(), want.end()), match);
}
bool MatchSet(std::vector<std::string> have, std::vector<std::string> want, Match match) {
  return MatchSorted(std::move(have), std::move(want), match);
}

}  // namespace dstart::server
