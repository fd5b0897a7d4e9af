#ifndef TCPLAB_SCENARIOS_LANG_SCENARIO_PARSER_H_
#define TCPLAB_SCENARIOS_LANG_SCENARIO_PARSER_H_

// Parses scenario files (.scn; format in scenarios/lang/README.md) into
// scenario::Scenario.
//
// The first mistake is reported as an InvalidArgumentError whose message is
// "FILE:LINE:COLUMN: what was expected, got what" -- e.g.
//   bulk.scn:7:12: expected a duration like 10ms, got "10"
// Unknown statements, keys, app kinds, actions and metrics are errors (with
// the closest known word suggested). Names are checked after the whole file
// is read, so declarations may come in any order: an undeclared host, app or
// link is reported at its first use.
//
// Total on any input: no recursion, linear time in the input size (apart
// from sorting the declared hosts), no crash.

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "scenarios/lang/lexer.h"
#include "scenarios/lang/scenario.h"

namespace tcplab::scenario {

// `file` is only used in messages and copied into Scenario::file.
absl::StatusOr<Scenario> ParseScenario(absl::string_view text, absl::string_view file);

// The stack configuration keys (the body of a host block), shared with the
// header options of packet scripts. `tokens` is one statement: a key then its
// values (no kEnd inside). Applies it to *config; errors are positioned at
// the offending token.
absl::Status ParseStackKey(absl::Span<const Token> tokens, absl::string_view file,
                           StackConfig* config);

}  // namespace tcplab::scenario

#endif  // TCPLAB_SCENARIOS_LANG_SCENARIO_PARSER_H_
