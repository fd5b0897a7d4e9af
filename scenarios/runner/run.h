#ifndef TCPLAB_SCENARIOS_RUNNER_RUN_H_
#define TCPLAB_SCENARIOS_RUNNER_RUN_H_

// Runs a scenario in simulated time and reports on it: the entry point of
// `tcplab run` and of the scenario tests.
//
// The run goes until nothing is left to happen (every connection finished
// its close, TIME-WAIT included) or the scenario's time_limit (default
// 10 minutes of simulated time). Expectations with `at` are checked at that
// time, the others at the end.
//
// The report (RunResult::output) is, in order: a header line, the
// timeline (timeline.h), the summary (summary.h), each expectation as PASS
// or FAIL with what was seen, a result line and, on failure, the command
// that replays the run. It is derived from the
// simulation alone: the same scenario and seed give the same text and the
// same pcap bytes, on any machine.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "scenarios/lang/scenario.h"
#include "scenarios/runner/world.h"
#include "tcp/base/instant.h"

namespace tcplab::scenario::runner {

inline constexpr absl::Duration kDefaultTimeLimit = absl::Minutes(10);

struct RunOptions {
  // Overrides the scenario's seed (default 1 when the file has none).
  std::optional<uint64_t> seed;
  // Writes every packet a host sends (at the time it sends it) to this pcap
  // (LINKTYPE_RAW); empty: none.
  std::string pcap_path;
  // Also keeps the pcap in RunResult::pcap.
  bool pcap_in_memory = false;
  // Timeline: shown at all; every segment (true) or capped.
  bool timeline = true;
  bool trace = false;
  bool summary = true;
  // How the replay line starts; the file and seed follow.
  std::string replay_prefix = "tcplab run";
  // Run in real time with this host as the real machine on a live wire
  // (world.h, LiveHostSpec): the run ends when every connection of every
  // app has finished (or at the time limit), expectations about the live
  // host's own apps are skipped, and nothing is reproducible any more.
  const LiveHostSpec* live = nullptr;
};

struct ExpectationOutcome {
  std::string where;  // "file:line:col"
  std::string text;   // "receiver.received == 10MB"
  bool passed = false;
  std::string seen;
};

struct RunResult {
  bool passed = false;
  uint64_t seed = 0;
  Instant end;               // simulated time the run stopped
  bool hit_time_limit = false;
  std::vector<ExpectationOutcome> expectations;
  std::string output;        // the whole report
  std::string replay;        // "tcplab run FILE --seed N"
  std::vector<uint8_t> pcap; // with pcap_in_memory
};

// Errors: a scenario the runner cannot build, a pcap file it cannot write.
// Expectations failing is not an error (RunResult::passed).
absl::StatusOr<RunResult> RunScenario(const Scenario& scenario, const RunOptions& options);

// Reads and parses the file, then runs it. Parse errors come back as
// "FILE:LINE:COL: ..." InvalidArgument.
absl::StatusOr<RunResult> RunScenarioFile(const std::string& path, const RunOptions& options);

}  // namespace tcplab::scenario::runner

#endif  // TCPLAB_SCENARIOS_RUNNER_RUN_H_
