#ifndef TCPLAB_TOOLS_CLI_DEMO_H_
#define TCPLAB_TOOLS_CLI_DEMO_H_

// `tcplab demo`: the packets of one short TCP conversation, built by the
// wire library, printed decoded and written to a pcap file.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tcp/base/instant.h"

namespace tcplab::cli {

struct DemoPacket {
  Instant time;
  std::vector<uint8_t> bytes;  // a serialized IPv4 packet
  bool from_client = true;
};

// Handshake, a request and a response, and a graceful close between
// 10.0.0.1:49152 and 10.0.0.2:80 over a path with a 10 ms one-way delay.
std::vector<DemoPacket> BuildDemoConversation();

// Prints each packet decoded (relative sequence numbers) to stdout and
// writes them all to `pcap_path`.
absl::Status RunDemo(const std::string& pcap_path);

}  // namespace tcplab::cli

#endif  // TCPLAB_TOOLS_CLI_DEMO_H_
