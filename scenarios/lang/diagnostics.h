#ifndef TCPLAB_SCENARIOS_LANG_DIAGNOSTICS_H_
#define TCPLAB_SCENARIOS_LANG_DIAGNOSTICS_H_

// Shared by the two parsers: error messages with positions, and "did you
// mean" suggestions.

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "scenarios/lang/lexer.h"

namespace tcplab::scenario {

// InvalidArgumentError "file:line:column: message".
absl::Status ErrorAt(absl::string_view file, SourcePos pos, absl::string_view message);

// The word of `known` closest to `word` by edit distance, if it is close
// enough to be a likely typo (distance <= 2 and less than half the word);
// "" otherwise. Bounded work: words longer than 40 bytes get no suggestion.
absl::string_view ClosestWord(absl::string_view word, absl::Span<const absl::string_view> known);

// `unknown <what> "word"`, plus `; did you mean "x"?` when one is close,
// or `; expected one of: a, b, c` when `known` is short.
std::string UnknownWord(absl::string_view what, absl::string_view word,
                        absl::Span<const absl::string_view> known);

}  // namespace tcplab::scenario

#endif  // TCPLAB_SCENARIOS_LANG_DIAGNOSTICS_H_
