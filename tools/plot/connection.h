#ifndef TCPLAB_TOOLS_PLOT_CONNECTION_H_
#define TCPLAB_TOOLS_PLOT_CONNECTION_H_

// One TCP connection of a PlotInput, seen from its data sender: the
// segments each way, classified as a time-sequence graph needs them, with
// sequence numbers relative to the sender's ISN.
//
// Which segments are retransmissions comes from the packets alone (as
// tcptrace does): a data segment that starts below the highest sequence
// number already sent. One byte sent again into a zero window is a
// window probe, not a retransmission.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tcp/counters.h"
#include "tcp/wire/ipv4_address.h"
#include "tools/plot/plot_input.h"

namespace tcplab::plot {

struct Endpoint {
  wire::Ipv4Address address;
  uint16_t port = 0;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

enum class DataKind : uint8_t { kNew, kRetransmission, kProbe };

// Sender -> receiver, payload > 0 (SYN and FIN alone are not marks).
struct DataSegment {
  int64_t t_ns = 0;
  int64_t begin = 0;  // relative to the ISN (the SYN is 0, data starts at 1)
  int64_t end = 0;
  DataKind kind = DataKind::kNew;
};

// Receiver -> sender, with the ACK flag.
struct AckSegment {
  int64_t t_ns = 0;
  int64_t ack = 0;     // relative to the sender's ISN
  int64_t window = 0;  // bytes, scaled when both SYNs negotiated scaling
  std::vector<std::pair<int64_t, int64_t>> sacks;  // relative [left, right)
};

struct Drop {
  int64_t t_ns = 0;
  bool data_direction = true;  // sender -> receiver; else an ACK was lost
  int64_t seq = 0;  // data: begin of the segment; ACK: its ack
  int64_t end = 0;  // data: end of the segment; ACK: its ack
  std::string reason;
};

// RTT samples (simulation): a never-retransmitted segment's send time to
// the arrival at the sender of the first ACK covering it (Karn's rule).
struct RttSample {
  int64_t t_ns = 0;  // when the ACK arrived
  int64_t rtt_ns = 0;
};

struct Connection {
  Endpoint sender;
  Endpoint receiver;
  std::string sender_name;    // "client:49152" (host name when known)
  std::string receiver_name;
  bool isn_from_syn = false;  // else the first sequence number seen
  uint32_t isn = 0;
  bool window_scaled = false;  // both SYNs carried the option (RFC 7323)
  int window_shift = 0;        // then the receiver's shift
  std::vector<DataSegment> data;
  std::vector<AckSegment> acks;
  std::vector<Drop> drops;
  int64_t syn_count = 0, fin_count = 0;  // sender's SYN / FIN segments
  std::vector<RttSample> rtts;
  std::vector<std::pair<int64_t, tcp::ConnectionInfo>> infos;  // the sender's snapshots
};

// Every connection of the input, as "A:P-B:Q" with A the data sender (the
// side that sent more payload), largest first (payload bytes, then order of
// first appearance).
std::vector<std::string> ListConnections(const PlotInput& input);

// `spec`: "" (the largest), or "SRC:PORT-DST:PORT" with SRC the data
// sender, by address or (simulation) host name. NotFound lists those there.
absl::StatusOr<Connection> SelectConnection(const PlotInput& input, const std::string& spec);

}  // namespace tcplab::plot

#endif  // TCPLAB_TOOLS_PLOT_CONNECTION_H_
