#ifndef TCPLAB_TCP_COUNTERS_H_
#define TCPLAB_TCP_COUNTERS_H_

// Per-stack and per-connection counters.

#include <array>
#include <cstdint>

#include "absl/time/time.h"
#include "tcp/config.h"
#include "tcp/state.h"
#include "tcp/wire/ipv4_address.h"
#include "tcp/wire/packet.h"
#include "tcp/wire/seq.h"

namespace tcplab::tcp {

struct StackCounters {
  uint64_t packets_received = 0;
  uint64_t packets_sent = 0;
  // Drops, by reason.
  std::array<uint64_t, wire::kParseErrorCount> parse_errors{};  // by ParseError
  uint64_t wrong_address = 0;         // IP destination is not this host
  uint64_t no_connection = 0;         // matched neither a connection nor a listener
  uint64_t unacceptable_segment = 0;  // failed the §3.10.7.4 sequence test
  uint64_t unacceptable_ack = 0;      // ACK outside what was sent
  uint64_t listen_overflow = 0;       // SYN dropped: backlog full
  uint64_t listen_dropped = 0;        // segment to a listener that was neither SYN nor ACK
  uint64_t out_of_order_dropped = 0;  // out-of-order data beyond the reassembly bounds
  uint64_t challenge_acks = 0;        // RFC 5961 challenge ACKs sent
  uint64_t challenge_acks_suppressed = 0;  // over the RFC 5961 §7 rate limit
  uint64_t paws_rejected = 0;         // RFC 7323 §5: TSval older than TS.Recent
  uint64_t resets_sent = 0;
  uint64_t resets_received = 0;       // RSTs that took effect
};

// Where loss recovery stands (Linux's names, as `ss -i` shows them).
enum class CongestionState : uint8_t {
  kOpen,      // no loss suspected
  kDisorder,  // duplicate ACKs or SACK seen, below the fast-retransmit threshold
  kRecovery,  // fast recovery (RFC 5681 / RFC 6582 / RFC 6675)
  kLoss,      // after a retransmission timeout, until SND.UNA passes its recovery point
};
const char* CongestionStateName(CongestionState s);  // "open", "disorder", ...

// Counters and variables of one connection (a snapshot).
struct ConnectionInfo {
  wire::Ipv4Address local_address;
  uint16_t local_port = 0;
  wire::Ipv4Address remote_address;
  uint16_t remote_port = 0;
  ConnectionState state = ConnectionState::kClosed;

  // RFC 9293 §3.3.1 variables (snd_max: highest sequence number sent).
  wire::Seq iss, snd_una, snd_nxt, snd_max, snd_wl1, snd_wl2;
  uint32_t snd_wnd = 0;
  uint32_t max_snd_wnd = 0;
  wire::Seq irs, rcv_nxt;
  uint32_t rcv_wnd = 0;
  uint16_t eff_snd_mss = 0;
  uint16_t peer_mss = 0;  // 0 when the peer sent no MSS option

  absl::Duration srtt = absl::ZeroDuration();
  absl::Duration rttvar = absl::ZeroDuration();
  absl::Duration rto = absl::ZeroDuration();

  size_t send_buffered = 0;     // bytes in the send buffer (unacked + unsent)
  size_t recv_buffered = 0;     // bytes ready for Receive
  size_t out_of_order_bytes = 0;

  uint64_t segments_sent = 0;
  uint64_t segments_received = 0;
  uint64_t bytes_sent = 0;        // application bytes acknowledged by the peer
  uint64_t bytes_received = 0;    // application bytes delivered in order
  uint64_t retransmissions = 0;   // segments re-sent (timeouts and go-back-N)
  uint64_t timeouts = 0;          // retransmission timer expiries
  uint64_t zero_window_probes = 0;
  uint64_t duplicate_segments = 0;     // segments that brought nothing new
  uint64_t out_of_order_segments = 0;  // segments held for reassembly
  uint64_t rtt_samples = 0;

  // Options negotiated on the handshake (RFC 7323, RFC 2018).
  bool sack_enabled = false;
  bool timestamps_enabled = false;
  bool window_scale_enabled = false;
  uint8_t snd_wscale = 0;  // the peer's shift: applies to windows we receive
  uint8_t rcv_wscale = 0;  // our shift: applies to windows we send

  // Congestion control (0 / kNone when the connection has none).
  CongestionAlgorithm congestion = CongestionAlgorithm::kNone;
  CongestionState congestion_state = CongestionState::kOpen;
  uint32_t cwnd = 0;
  uint32_t ssthresh = 0;
  uint32_t bytes_in_flight = 0;  // RFC 6675 pipe in recovery, else SND.MAX - SND.UNA
  bool nodelay = false;          // Nagle off for this connection

  // Of `retransmissions`: by cause.
  uint64_t timeout_retransmissions = 0;  // RTO (and go-back-N after it)
  uint64_t fast_retransmissions = 0;     // the first retransmission of a fast recovery
  uint64_t sack_retransmissions = 0;     // further holes repaired by SACK recovery
  uint64_t recovery_retransmissions = 0; // NewReno partial-ACK retransmissions
  uint64_t fast_recoveries = 0;          // recovery episodes entered
  uint64_t duplicate_acks = 0;           // RFC 5681 duplicate ACKs received
  uint64_t sack_blocks_received = 0;
  uint64_t delayed_acks = 0;             // ACKs sent by the delayed-ACK timer
  uint64_t burst_acks = 0;               // one ACK for segments that arrived together
  uint64_t keepalive_probes = 0;
  uint64_t challenge_acks = 0;
};

}  // namespace tcplab::tcp

#endif  // TCPLAB_TCP_COUNTERS_H_
