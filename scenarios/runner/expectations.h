#ifndef TCPLAB_SCENARIOS_RUNNER_EXPECTATIONS_H_
#define TCPLAB_SCENARIOS_RUNNER_EXPECTATIONS_H_

// Checks `expect` statements against a running World.
//
// An expectation holds when it holds for every connection of the app (and,
// for `connections`, for every instance of the app); an app with no
// connection fails every per-connection expectation. Metrics:
//   state      the connection's state as the stack last reported it (also
//              after the app released the socket: TIME_WAIT, CLOSED ...)
//   error      none, timed_out (DeadlineExceeded), reset, refused (reset
//              before the handshake completed)
//   sent       bytes written and acknowledged (last snapshot while the app
//              held the socket)
//   received   bytes the app read; intact: none of them differs from the
//              pattern
//   completed  when the connection finished (done or failed)
//   retransmits / timeouts / zero_window_probes   the engine's counters
//   fast_retransmits  retransmissions not caused by a timeout:
//              ConnectionInfo's fast_retransmissions + sack_retransmissions
//              + recovery_retransmissions
//   sack_retransmits / fast_recoveries / dup_acks / sack_blocks /
//   keepalive_probes  ConnectionInfo's sack_retransmissions,
//              fast_recoveries, duplicate_acks, sack_blocks_received,
//              keepalive_probes
//   cwnd / ssthresh / srtt   their value in the last snapshot (cwnd and
//              ssthresh are 0 without congestion control; before the first
//              loss ssthresh is the engine's "infinite" initial value)
//   connections       handshakes completed per app instance
// Like `sent`, every ConnectionInfo value is the last snapshot taken while
// the app held the socket.

#include <string>

#include "scenarios/lang/scenario.h"
#include "scenarios/runner/world.h"
#include "tcp/base/instant.h"

namespace tcplab::scenario::runner {

struct ExpectationResult {
  bool passed = false;
  // What was seen, e.g. "receiver[0]: 10MB" or "sender[3]: none of 20 finished".
  std::string seen;
  Instant checked_at;
};

ExpectationResult CheckExpectation(const World& world, const Expectation& e, Instant now);

// "receiver.received == 10MB at 20s", as written in a file.
std::string ExpectationText(const Expectation& e);

}  // namespace tcplab::scenario::runner

#endif  // TCPLAB_SCENARIOS_RUNNER_EXPECTATIONS_H_
