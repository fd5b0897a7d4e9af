#ifndef TCPLAB_TOOLS_PLOT_PLOT_INPUT_H_
#define TCPLAB_TOOLS_PLOT_PLOT_INPUT_H_

// What a plot is drawn from: IPv4 packets with times, and, when the input is
// a tcplab simulation, what only the simulation knows (drops with their
// reasons, the packets as hosts accepted them, the engine's snapshots).
//
// A pcap gives `sent` only (every record, at its capture time): the graph
// then shows what the packets alone tell.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tcp/counters.h"

namespace tcplab::plot {

struct TimedPacket {
  int64_t t_ns = 0;  // from the input's time origin (see PlotInput::time_origin)
  std::vector<uint8_t> bytes;  // an IPv4 packet
  // Payload bytes a capture's snapshot length cut off: `bytes` then holds
  // the headers and what was captured, with the IP total length set to
  // that, so that the packet parses; the segment's sequence range counts
  // these bytes too.
  uint32_t cut = 0;
};

struct DroppedPacket {
  int64_t t_ns = 0;
  std::string reason;  // netsim's drop reason name: "loss", "link_down", ...
  std::vector<uint8_t> bytes;
};

struct InfoSample {
  int64_t t_ns = 0;
  std::string host;  // the host instance that owns the connection
  tcp::ConnectionInfo info;
};

struct PlotInput {
  std::string source;       // the file it came from (for titles)
  std::string time_origin;  // what t = 0 is, for the time axis label
  bool simulated = false;
  std::vector<TimedPacket> sent;      // each packet once, where it entered the network
  std::vector<TimedPacket> received;  // simulation: as hosts accepted them (RTT samples)
  std::vector<DroppedPacket> drops;   // simulation only
  std::vector<InfoSample> infos;      // simulation only, in time order
  std::map<uint32_t, std::string> names;  // address -> host name (simulation)
  int skipped_records = 0;  // pcap records that are not IPv4 (IPv6, ARP...)
};

// A pcap of any link type netsim's reader handles (Ethernet, RAW, IPv4);
// times from the first record. Records cut short by the snapshot length
// (tcpdump -s 96) still count their whole segment (TimedPacket::cut). Errors: unreadable file, not a pcap, a link
// type without IPv4 inside.
absl::StatusOr<PlotInput> ReadPcapInput(const std::string& path);
absl::StatusOr<PlotInput> PcapBytesToInput(const std::vector<uint8_t>& bytes,
                                           const std::string& source);

}  // namespace tcplab::plot

#endif  // TCPLAB_TOOLS_PLOT_PLOT_INPUT_H_
