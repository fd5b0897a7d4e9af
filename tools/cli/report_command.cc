#include "tools/cli/report_command.h"

#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "tools/cli/seed_flag.h"
#include "tools/report/report.h"

namespace tcplab::cli {

int ReportCommand(const std::string& file, const std::string& seed_text, const std::string& dir,
                  std::FILE* out, std::FILE* err) {
  if (!absl::EndsWith(file, ".scn")) {
    absl::FPrintF(err, "tcplab run: --report takes a scenario (.scn), not %s\n", file);
    return 2;
  }
  std::optional<uint64_t> seed;
  if (!ParseSeedFlag(seed_text, &seed)) {
    absl::FPrintF(err, "tcplab run: --seed %s: expected a decimal or 0x hex number\n", seed_text);
    return 2;
  }
  absl::StatusOr<scenario::runner::RunResult> r = report::WriteRunReport(file, seed, dir);
  if (!r.ok()) {
    absl::FPrintF(err, "tcplab run: %s\n", r.status().message());
    return r.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  absl::FPrintF(out, "%s\nreport: %s/index.html (capture %s/run.pcap)\n", r->output, dir, dir);
  return r->passed ? 0 : 1;
}

}  // namespace tcplab::cli
