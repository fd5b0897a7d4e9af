#ifndef TCPLAB_TOOLS_CLI_FROM_PCAP_COMMAND_H_
#define TCPLAB_TOOLS_CLI_FROM_PCAP_COMMAND_H_

// `tcplab from-pcap CAPTURE -o session.pkt [--conn A:P-B:Q]
// [--under-test client|server|ADDR:PORT]`: one connection of a capture as
// a packet script (tools/from_pcap/from_pcap.h).

#include <cstdio>
#include <string>

namespace tcplab::cli {

struct FromPcapFlags {
  std::string input;
  std::string output;      // -o
  std::string conn;        // "" = the only one
  std::string under_test;  // "" = the client
};

// Exit code: 0 written, 1 the capture cannot be converted or the output not
// written, 2 bad usage. Says what it wrote on `err`.
int FromPcapCommand(const FromPcapFlags& flags, std::FILE* err = stderr);

}  // namespace tcplab::cli

#endif  // TCPLAB_TOOLS_CLI_FROM_PCAP_COMMAND_H_
