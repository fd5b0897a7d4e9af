#include "tools/cli/plot_command.h"

#include <fstream>
#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tools/cli/seed_flag.h"
#include "tools/plot/connection.h"
#include "tools/plot/sim_input.h"
#include "tools/plot/time_sequence.h"

namespace tcplab::cli {

int PlotCommand(const PlotFlags& flags, std::FILE* err) {
  if (flags.output.empty()) {
    absl::FPrintF(err, "tcplab plot: -o OUT.svg is required\n");
    return 2;
  }
  plot::PlotOptions options;
  if (!flags.time.empty()) {
    absl::StatusOr<std::pair<double, double>> r = plot::ParseTimeRange(flags.time);
    if (!r.ok()) {
      absl::FPrintF(err, "tcplab plot: --time %s\n", r.status().message());
      return 2;
    }
    options.time = *r;
  }
  if (!flags.seq.empty()) {
    absl::StatusOr<std::pair<double, double>> r = plot::ParseSeqRange(flags.seq);
    if (!r.ok()) {
      absl::FPrintF(err, "tcplab plot: --seq %s\n", r.status().message());
      return 2;
    }
    options.seq = *r;
  }
  std::optional<uint64_t> seed;
  if (!ParseSeedFlag(flags.seed, &seed)) {
    absl::FPrintF(err, "tcplab plot: --seed %s: expected a decimal or 0x hex number\n",
                  flags.seed);
    return 2;
  }

  const bool scenario = absl::EndsWith(flags.input, ".scn");
  if (absl::EndsWith(flags.input, ".pkt")) {
    absl::FPrintF(err,
                  "tcplab plot: %s: packet scripts are not plotted; run it with "
                  "`tcplab run %s --pcap F` and plot F\n",
                  flags.input, flags.input);
    return 2;
  }
  absl::StatusOr<plot::PlotInput> input = scenario ? plot::RecordScenarioFile(flags.input, seed)
                                                   : plot::ReadPcapInput(flags.input);
  if (!input.ok()) {
    absl::FPrintF(err, "tcplab plot: %s\n", input.status().message());
    return 1;
  }
  absl::StatusOr<plot::Connection> conn = plot::SelectConnection(*input, flags.conn);
  if (!conn.ok()) {
    absl::FPrintF(err, "tcplab plot: %s\n", conn.status().message());
    return conn.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  const std::string svg = plot::RenderTimeSequenceSvg(*input, *conn, options);
  std::ofstream out(flags.output, std::ios::binary | std::ios::trunc);
  out << svg;
  out.close();
  if (!out) {
    absl::FPrintF(err, "tcplab plot: cannot write %s\n", flags.output);
    return 1;
  }
  const std::vector<std::string> all = plot::ListConnections(*input);
  absl::FPrintF(err, "tcplab plot: wrote %s: %s-%s (%d data segments)\n", flags.output,
                conn->sender_name, conn->receiver_name, conn->data.size());
  if (all.size() > 1) {
    absl::FPrintF(err, "tcplab plot: %d connections (choose with --conn): %s\n", all.size(),
                  absl::StrJoin(all, ", "));
  }
  return 0;
}

}  // namespace tcplab::cli
