// tcplab: the command line. One binary, one subcommand per job.

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "tools/cli/demo.h"
#include "tools/cli/run_command.h"

ABSL_FLAG(std::string, pcap, "",
          "a pcap file to write: `tcplab demo` writes its packets there (default "
          "tcplab-demo.pcap); `tcplab run` every packet a host sends (none unless given)");
ABSL_FLAG(std::string, seed, "",
          "`tcplab run`: the simulation seed (decimal or 0x hex), overriding the "
          "scenario's own");
ABSL_FLAG(bool, trace, false, "`tcplab run`: print every segment in the timeline (no cap)");
ABSL_FLAG(std::string, seeds, "0..199",
          "`tcplab sweep`: the seeds to run, FIRST..LAST inclusive; under Bazel's test "
          "sharding each shard runs every TEST_TOTAL_SHARDS-th seed");

namespace {

constexpr char kUsage[] =
    "a deterministic TCP simulator and test harness.\n"
    "\n"
    "usage: tcplab COMMAND [ARGS] [flags]\n"
    "\n"
    "commands:\n"
    "  demo          build the packets of a short TCP conversation (handshake,\n"
    "                request, response, close), print them decoded and write\n"
    "                them to a pcap file (--pcap, default tcplab-demo.pcap)\n"
    "  run FILE      run a scenario (.scn) or a packet script (.pkt) in\n"
    "                simulated time; print the timeline, a summary and every\n"
    "                expectation; exit 0 when all hold, 1 otherwise\n"
    "                [--seed N] [--pcap OUT] [--trace]\n"
    "  sweep FILE    run a scenario once per seed (--seeds=0..9999), print the\n"
    "                failing seeds with the command that replays each; honours\n"
    "                Bazel's TEST_TOTAL_SHARDS / TEST_SHARD_INDEX\n"
    "\n"
    "Scenario language: scenarios/lang/README.md; library: scenarios/library/.\n"
    "Run `tcplab --help` for every flag.";

int Usage(const std::string& problem) {
  absl::FPrintF(stderr, "tcplab: %s\n\ntcplab: %s\n", problem, kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  // --help lists this binary's flags (absl's default looks for a source
  // file named like the program).
  absl::FlagsUsageConfig config;
  config.contains_help_flags = [](absl::string_view path) {
    return absl::StrContains(path, "tools/cli/");
  };
  absl::SetFlagsUsageConfig(config);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) return Usage("no command given");
  const std::string command = args[1];
  if (command == "demo") {
    if (args.size() > 2) return Usage("demo takes no arguments besides flags");
    std::string pcap = absl::GetFlag(FLAGS_pcap);
    if (pcap.empty()) pcap = "tcplab-demo.pcap";
    absl::Status s = tcplab::cli::RunDemo(pcap);
    if (!s.ok()) {
      absl::FPrintF(stderr, "tcplab demo: %s\n", s.message());
      return 1;
    }
    return 0;
  }
  if (command == "run" || command == "sweep") {
    if (args.size() != 3) return Usage(command + " takes exactly one FILE");
    tcplab::cli::RunFlags flags;
    flags.file = args[2];
    flags.seed = absl::GetFlag(FLAGS_seed);
    flags.pcap = absl::GetFlag(FLAGS_pcap);
    flags.trace = absl::GetFlag(FLAGS_trace);
    flags.seeds = absl::GetFlag(FLAGS_seeds);
    return command == "run" ? tcplab::cli::RunCommand(flags) : tcplab::cli::SweepCommand(flags);
  }
  return Usage(absl::StrFormat("unknown command \"%s\"", command));
}
