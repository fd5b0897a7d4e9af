#include "tools/cli/from_pcap_command.h"

#include <fstream>
#include <iterator>
#include <vector>

#include "absl/strings/str_format.h"
#include "tools/from_pcap/from_pcap.h"

namespace tcplab::cli {

int FromPcapCommand(const FromPcapFlags& flags, std::FILE* err) {
  if (flags.output.empty()) {
    absl::FPrintF(err, "tcplab from-pcap: -o OUT.pkt is required\n");
    return 2;
  }
  std::ifstream in(flags.input, std::ios::binary);
  if (!in) {
    absl::FPrintF(err, "tcplab from-pcap: cannot read %s\n", flags.input);
    return 1;
  }
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  absl::StatusOr<from_pcap::FromPcapResult> r = from_pcap::ConvertCapture(
      bytes, flags.input, {flags.conn, flags.under_test});
  if (!r.ok()) {
    absl::FPrintF(err, "tcplab from-pcap: %s\n", r.status().message());
    return 1;
  }
  std::ofstream out(flags.output, std::ios::binary | std::ios::trunc);
  out << r->script;
  out.close();
  if (!out) {
    absl::FPrintF(err, "tcplab from-pcap: cannot write %s\n", flags.output);
    return 1;
  }
  absl::FPrintF(err,
                "tcplab from-pcap: wrote %s: %s (side under test first), %d segments, %d "
                "marked as retransmissions; replay it with `tcplab run %s`\n",
                flags.output, r->connection, r->segments, r->retransmissions, flags.output);
  return 0;
}

}  // namespace tcplab::cli
