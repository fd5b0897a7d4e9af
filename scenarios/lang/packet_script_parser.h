#ifndef TCPLAB_SCENARIOS_LANG_PACKET_SCRIPT_PARSER_H_
#define TCPLAB_SCENARIOS_LANG_PACKET_SCRIPT_PARSER_H_

// Parses packet-level scripts (.pkt, packetdrill notation; format in
// scenarios/lang/README.md) into scenario::PacketScript.
//
// One step per line. Comments: "//" and "#" to the end of the line, "/* */"
// across lines. The first mistake is reported as an InvalidArgumentError
// "FILE:LINE:COLUMN: what was expected, got what", e.g.
//   handshake.pkt:4:8: expected TCP flags (letters S . F R P E W U), got "X"
// Unknown header options, option kinds and system calls are errors.
//
// Total on any input, linear time, no recursion.

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "scenarios/lang/packet_script.h"

namespace tcplab::scenario {

absl::StatusOr<PacketScript> ParsePacketScript(absl::string_view text, absl::string_view file);

}  // namespace tcplab::scenario

#endif  // TCPLAB_SCENARIOS_LANG_PACKET_SCRIPT_PARSER_H_
