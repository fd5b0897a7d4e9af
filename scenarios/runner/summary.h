#ifndef TCPLAB_SCENARIOS_RUNNER_SUMMARY_H_
#define TCPLAB_SCENARIOS_RUNNER_SUMMARY_H_

// The end-of-run summary: per connection (bytes, goodput, retransmissions,
// RTT estimates, final state, error) and per link direction (impairment
// counters), plus hosts that dropped packets. Deterministic text.

#include <string>

#include "scenarios/runner/world.h"

namespace tcplab::scenario::runner {

std::string RenderSummary(const World& world);

}  // namespace tcplab::scenario::runner

#endif  // TCPLAB_SCENARIOS_RUNNER_SUMMARY_H_
