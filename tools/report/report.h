#ifndef TCPLAB_TOOLS_REPORT_REPORT_H_
#define TCPLAB_TOOLS_REPORT_REPORT_H_

// `tcplab run FILE --report DIR`: a self-contained HTML page of one
// scenario run (DIR/index.html) next to its pcap (DIR/run.pcap): the
// scenario text, the result, the expectations, the summary, the timeline,
// and the time-sequence graph of every connection inline as SVG
// (tools/plot). No scripts and nothing fetched: one file a browser opens
// offline, the pcap linked by its relative name.
//
// The page is XHTML-compatible (every element closed) so that it can be
// checked as XML, and deterministic: the same file and seed give the same
// bytes.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "scenarios/runner/run.h"
#include "tools/plot/plot_input.h"

namespace tcplab::report {

// At most this many connections get a graph (a scenario with many clients
// would otherwise give a page of hundreds); the page says how many were
// left out.
inline constexpr int kMaxGraphs = 8;

// The page for a run: `scenario_text` as in the file, `result` from the
// runner, `plots` from the same scenario and seed (plot::RecordScenario),
// `pcap_name` the link to the capture.
std::string RenderReportHtml(const std::string& scenario_text,
                             const scenario::runner::RunResult& result,
                             const plot::PlotInput& plots, const std::string& pcap_name);

// Runs the .scn file (twice: once through the runner for its report and
// pcap, once recorded for the graphs; both are the same run, the
// simulation being deterministic), creates DIR if needed and writes
// DIR/index.html and DIR/run.pcap. Errors: unreadable or invalid file, a
// directory or file that cannot be written.
absl::StatusOr<scenario::runner::RunResult> WriteRunReport(const std::string& scn_path,
                                                           std::optional<uint64_t> seed,
                                                           const std::string& dir);

}  // namespace tcplab::report

#endif  // TCPLAB_TOOLS_REPORT_REPORT_H_
