// tcplab: the command line. One binary, one subcommand per job.

#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "tools/cli/demo.h"

ABSL_FLAG(std::string, pcap, "tcplab-demo.pcap",
          "where `tcplab demo` writes its packets (a pcap file)");

namespace {

constexpr char kUsage[] =
    "tcplab: a deterministic TCP simulator and test harness.\n"
    "\n"
    "usage: tcplab COMMAND [flags]\n"
    "\n"
    "commands:\n"
    "  demo   build the packets of a short TCP conversation (handshake,\n"
    "         request, response, close), print them decoded and write\n"
    "         them to a pcap file (--pcap, default tcplab-demo.pcap)\n"
    "\n"
    "Run `tcplab --help` for every flag.";

int Usage(const char* problem) {
  absl::FPrintF(stderr, "tcplab: %s\n\n%s\n", problem, kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) return Usage("no command given");
  const std::string command = args[1];
  if (command == "demo") {
    if (args.size() > 2) return Usage("demo takes no arguments besides flags");
    absl::Status s = tcplab::cli::RunDemo(absl::GetFlag(FLAGS_pcap));
    if (!s.ok()) {
      absl::FPrintF(stderr, "tcplab demo: %s\n", s.message());
      return 1;
    }
    return 0;
  }
  return Usage(absl::StrFormat("unknown command \"%s\"", command).c_str());
}
