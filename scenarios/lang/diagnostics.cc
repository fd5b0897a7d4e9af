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

size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + cost});
      diag = up;
    }
  }
  return row[b.size()];
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
