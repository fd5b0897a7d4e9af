#ifndef TCPLAB_SCENARIOS_RUNNER_SUMMARY_H_
#define TCPLAB_SCENARIOS_RUNNER_SUMMARY_H_

// The end-of-run summary, deterministic text:
//  * per connection: bytes written, acknowledged and read, intact;
//    established, finished, goodput; congestion control with its final
//    state, cwnd and ssthresh; the negotiated options (effective MSS, SACK,
//    timestamps, window scale shifts); srtt, rttvar, rto; retransmissions
//    by cause (timeout, fast, sack, recovery; "after close": those the
//    stack's observer saw after the last snapshot), timeouts, fast recoveries;
//    duplicate ACKs and SACK blocks received, delayed ACKs sent,
//    zero-window and keepalive probes; final state and error. Engine
//    values are the last snapshot taken while the app held the socket.
//  * per stack (host instance): challenge ACKs sent and suppressed by the
//    rate limit, segments dropped by PAWS;
//  * per link direction: the netsim counters; hosts and switches that
//    dropped packets.
//
//   tx[0] (bulk on a) a:49152 <> b:80
//     wrote 300KB, acked 300KB, read 0B, intact yes
//     established    0.020000, finished    1.234567, goodput 2.00 Mbit/s
//     cubic (open), cwnd 14.6KB, ssthresh inf; mss 1460, sack on, ts on, wscale snd 7 rcv 7
//     srtt 20.4ms, rttvar 1.2ms, rto 221ms, rtt samples 200
//     retransmits 12 (timeout 3, fast 4, sack 5, recovery 0), timeouts 3, fast recoveries 4
//     dup acks 30, sack blocks 50, delayed acks 0, burst acks 0, zero-window probes 0, keepalive probes 0
//     final state CLOSED, error none

#include <string>

#include "scenarios/runner/world.h"

namespace tcplab::scenario::runner {

std::string RenderSummary(const World& world);

}  // namespace tcplab::scenario::runner

#endif  // TCPLAB_SCENARIOS_RUNNER_SUMMARY_H_
