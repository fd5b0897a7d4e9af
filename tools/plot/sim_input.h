#ifndef TCPLAB_TOOLS_PLOT_SIM_INPUT_H_
#define TCPLAB_TOOLS_PLOT_SIM_INPUT_H_

// A plot's input from a tcplab simulation: the scenario is run again (it is
// deterministic: the same file and seed give the same packets as
// `tcplab run`) with an observer that keeps every packet a host sends,
// every packet a host accepts, every drop with its reason, and the engine's
// per-connection snapshots (tcp::ConnectionInfo).

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "scenarios/lang/scenario.h"
#include "tools/plot/plot_input.h"

namespace tcplab::plot {

// `seed` overrides the scenario's (default 1, as `tcplab run`).
absl::StatusOr<PlotInput> RecordScenario(const scenario::Scenario& scenario,
                                         std::optional<uint64_t> seed);
// Reads and parses the .scn file first ("FILE:LINE:COL: ..." errors).
absl::StatusOr<PlotInput> RecordScenarioFile(const std::string& path,
                                             std::optional<uint64_t> seed);

}  // namespace tcplab::plot

#endif  // TCPLAB_TOOLS_PLOT_SIM_INPUT_H_
