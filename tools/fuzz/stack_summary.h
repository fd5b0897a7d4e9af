#ifndef TCPLAB_TOOLS_FUZZ_STACK_SUMMARY_H_
#define TCPLAB_TOOLS_FUZZ_STACK_SUMMARY_H_

// One line naming what a fuzz input chose of a stack's settings, for the
// fuzzers' reports (engine_fuzz, sim_fuzz): enough to rebuild the run by hand.

#include <string>

#include "absl/strings/str_cat.h"
#include "tcp/config.h"

namespace tcplab::fuzz {

inline std::string StackSummary(const tcp::StackConfig& c) {
  return absl::StrCat("congestion ", tcp::CongestionAlgorithmName(c.congestion),
                      c.sack ? " sack" : "", c.timestamps ? " timestamps" : "",
                      c.window_scale ? " window_scale" : "", c.delayed_ack ? " delayed_ack" : "",
                      c.nagle ? " nagle" : "", c.keepalive ? " keepalive" : "", " send_buffer ",
                      c.send_buffer_bytes, " recv_buffer ", c.recv_buffer_bytes, " mss ", c.mss);
}

}  // namespace tcplab::fuzz

#endif  // TCPLAB_TOOLS_FUZZ_STACK_SUMMARY_H_
