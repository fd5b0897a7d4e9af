#include "scenarios/lang/diagnostics.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "scenarios/lang/units.h"

namespace tcplab::scenario {
namespace {

constexpr size_t kMaxSuggestLength = 40;

// Optimal string alignment distance: insertions, deletions, substitutions
// and swaps of adjacent characters ("hots" is one edit from "host").
size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> prev2(b.size() + 1), prev(b.size() + 1), row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        row[j] = std::min(row[j], prev2[j - 2] + 1);
      }
    }
    std::swap(prev2, prev);
    std::swap(prev, row);
  }
  return prev[b.size()];
}

}  // namespace

absl::Status ErrorAt(absl::string_view file, SourcePos pos, absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat(file, ":", pos.line, ":", pos.column, ": ", message));
}

absl::string_view ClosestWord(absl::string_view word,
                              absl::Span<const absl::string_view> known) {
  if (word.size() > kMaxSuggestLength) return "";
  absl::string_view best;
  size_t best_distance = 3;
  for (absl::string_view k : known) {
    size_t d = EditDistance(word, k);
    if (d < best_distance && 2 * d < std::max(word.size(), k.size())) {
      best = k;
      best_distance = d;
    }
  }
  return best;
}

std::string UnknownWord(absl::string_view what, absl::string_view word,
                        absl::Span<const absl::string_view> known) {
  std::string out = absl::StrCat("unknown ", what, " ", Quote(word));
  absl::string_view close = ClosestWord(word, known);
  if (!close.empty()) {
    absl::StrAppend(&out, "; did you mean \"", close, "\"?");
  } else if (known.size() <= 12) {
    absl::StrAppend(&out, "; expected one of: ", absl::StrJoin(known, ", "));
  }
  return out;
}

}  // namespace tcplab::scenario
