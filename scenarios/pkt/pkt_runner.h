#ifndef TCPLAB_SCENARIOS_PKT_PKT_RUNNER_H_
#define TCPLAB_SCENARIOS_PKT_PKT_RUNNER_H_

// Executes a packet-level script (.pkt, packetdrill notation; the format is
// in scenarios/lang/README.md) against one tcp::Stack, in simulated time.
//
// The stack under test is tcp::BareConfig() (the RFC 9293 core alone: no
// congestion control, SACK, timestamps, window scaling, delayed ACK, Nagle
// or limited transmit) with the script's local address and stack keys over
// it: `--sack=on` and the like turn features on. The script is the remote
// peer (remote_ip:remote_port, 40000 when the header leaves remote_port
// unset): '<' steps inject a segment into the stack,
// '>' steps expect the stack to have sent one, and calls are mapped onto
// the Stack's socket-like API with Linux's return values and errno names.
//
// Time. A simulated clock starts at 0. A step's script time is its absolute
// time, or the previous step's time plus its relative offset, where, as in
// packetdrill, the previous step's time is when it really happened: an
// expected segment's send time (which may differ from its script time by
// up to the tolerance), a blocking call's start. Before each step the
// stack's timers are fired in order up to the step's time, and every
// segment the stack sends is queued with the time it was sent.
//
//  * '>' at T: the oldest queued segment is compared; when none is queued,
//    timers keep firing up to T + tolerance to produce one. None by then:
//    "the stack sent nothing by ...". Its send time must be within the
//    tolerance of T (`*`: any time).
//  * '<' and calls at T: first, every segment still queued (sent by T and
//    not expected by the script) is reported as an extra segment. The same
//    check runs at the end of the script (segments sent up to the last
//    step's time; later timers do not count).
//  * Calls. fds are numbered as Linux does (lowest free, from 3). On a
//    non-blocking socket (fcntl(fd, F_SETFL, O_RDWR|O_NONBLOCK)) a call
//    that cannot proceed returns -1 EAGAIN (connect: EINPROGRESS). On a
//    blocking socket it stays pending while the following '<' / '>' steps
//    run and returns as soon as the stack lets it (accept: a connection is
//    established; connect: established or failed; read: data, EOF or an
//    error; write: every byte queued). It must then return at its end time
//    (`+0...0.3`), or within the tolerance of its start when the step gives
//    no end. A later call, or the end of the script, while one is still
//    pending is a mismatch. At most one call is pending at a time.
//  * Supported calls: socket, bind (always the script's local_port),
//    listen, accept, connect (to remote_ip:remote_port from local_port),
//    read/recv, write/send (`...` sends count bytes of a pattern; a string
//    sends its bytes), shutdown (SHUT_RD: no-op; SHUT_WR/SHUT_RDWR: FIN),
//    close, fcntl (F_GETFL / F_SETFL with O_NONBLOCK), setsockopt (accepted
//    and ignored, except SO_LINGER {l_onoff=1, l_linger=0}: close sends a
//    RST), getsockopt (SO_ERROR compares the value in `[...]` with the
//    socket's error, by errno name or number, and clears it; others
//    return 0).
//  * Errors map from the engine: reset -> ECONNRESET (ECONNREFUSED when
//    the connection was never established), timed out -> ETIMEDOUT,
//    refused -> ECONNREFUSED, port in use -> EADDRINUSE, unknown fd ->
//    EBADF, write after shutdown/close -> EPIPE, not connected -> ENOTCONN,
//    bad argument -> EINVAL. After an error has been returned once, read
//    returns 0 (as Linux does).
//
// Sequence numbers. The peer's are relative to remote_isn; the stack's are
// relative to its ISN, learned from the SYN or SYN-ACK it sends (the
// latest one: a second connection in the same script gets its own; 0
// before the first, so a RST to a SYN for a closed port reads
// `> R. 0:0(0) ack 1`). ack fields and SACK blocks are relative to the
// other side's ISN.
//
// Comparison of an expected segment: flags exactly; seq start and payload
// length when given; ack when given; window when given (unless
// ignore_window); options exactly, values and wire order, unless `<...>`
// (no list: the segment must carry no options); TS val/ecr are not
// compared with ignore_timestamp_values. Every difference is named.
//
// After a mismatch the run goes on (the segment or call counts as handled)
// so that one run shows every difference; `stop_at_first_mismatch` stops
// at the first, as packetdrill does.
//
// Deterministic: the same script and options give the same result.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "scenarios/lang/lexer.h"
#include "scenarios/lang/packet_script.h"
#include "tcp/base/instant.h"

namespace tcplab::scenario {

struct PktRunOptions {
  bool ignore_window = false;
  bool ignore_timestamp_values = false;
  // Replaces the script's --tolerance_usecs.
  std::optional<absl::Duration> tolerance_override;
  bool stop_at_first_mismatch = false;
};

struct PktMismatch {
  SourcePos pos;  // of the step; {0, 0} for the end of the script
  // "FILE:LINE:COL: expected `> S. 0:0(0) ack 1` at 0.1s, got ... : flags differ"
  std::string message;
};

struct PktRunResult {
  bool passed = false;
  // One line per step, in script order: "FILE:LINE:COL: ok `STEP` at 0.1s"
  // or the mismatch; extra segments get their own lines.
  std::string report;
  std::vector<PktMismatch> mismatches;
  // Every IPv4 packet of the run, injected and sent, with its time (for a
  // pcap).
  std::vector<std::pair<Instant, std::vector<uint8_t>>> packets;
};

// Errors (not mismatches): a stack key value the engine cannot take
// ("stack key mss 0: ...", see ApplyStackKeys), a
// call with arguments this executor cannot map (a non-numeric fd, a read
// or write count above 64 MiB, an fcntl command other than F_GETFL or
// F_SETFL). An injected segment too large for one IPv4 packet is a
// mismatch. The run is bounded: at most 100000 timer firings per wait.
absl::StatusOr<PktRunResult> RunPacketScript(const PacketScript& script,
                                             const PktRunOptions& options = {});

}  // namespace tcplab::scenario

#endif  // TCPLAB_SCENARIOS_PKT_PKT_RUNNER_H_
