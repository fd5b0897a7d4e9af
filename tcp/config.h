#ifndef TCPLAB_TCP_CONFIG_H_
#define TCPLAB_TCP_CONFIG_H_

// Per-host configuration of a Stack. Plain data with defaults close to what
// a Linux host does, except where RFC 9293 / RFC 6298 name a value.

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>

#include "absl/time/time.h"
#include "tcp/wire/ipv4_address.h"

namespace tcplab::tcp {

enum class CongestionAlgorithm { kNone, kNewReno, kCubic };

// "none", "newreno", "cubic".
const char* CongestionAlgorithmName(CongestionAlgorithm a);

struct StackConfig {
  // The host's address; segments to any other destination are dropped.
  wire::Ipv4Address local_address;

  // The MSS this host announces in its SYNs, and the largest payload it
  // ever sends (the effective send MSS is min(this, the peer's MSS option,
  // or 536 when the peer sent none), RFC 9293 §3.7.1).
  uint16_t mss = 1460;

  // Sizes of each connection's send and receive buffers. Without window
  // scaling the advertised window is capped at 65535.
  size_t send_buffer_bytes = 128 * 1024;
  size_t recv_buffer_bytes = 64 * 1024;
  // Most out-of-order bytes a connection keeps for reassembly, and most
  // separate out-of-order ranges (the ranges are held inline).
  // The default takes the whole receive buffer: what lies inside the window
  // we advertised is never dropped for want of room.
  size_t out_of_order_limit_bytes = std::numeric_limits<size_t>::max();

  // Retransmission timeout, RFC 6298 (min 1 s there; Linux uses 200 ms).
  absl::Duration rto_initial = absl::Seconds(1);
  absl::Duration rto_min = absl::Milliseconds(200);
  absl::Duration rto_max = absl::Seconds(120);
  // The clock granularity G of RFC 6298 §2.
  absl::Duration rto_granularity = absl::Milliseconds(1);

  // Retransmissions allowed before the connection is declared dead: of a
  // SYN or SYN-ACK, of data, of a FIN. The (limit+1)-th timeout kills it.
  int syn_retries = 6;
  int data_retries = 15;
  int fin_retries = 8;
  // Zero-window probes that may go unanswered (no ACK at all) before the
  // connection is declared dead. Answered probes never kill it.
  int probe_retries = 15;

  // Persist timer bounds (RFC 9293 §3.8.6.1): the first probe goes out
  // after clamp(RTO, min, max), each further one after twice the last.
  absl::Duration persist_min = absl::Milliseconds(200);
  absl::Duration persist_max = absl::Seconds(60);

  // How long an orphaned connection (the application closed it) may sit in
  // FIN-WAIT-2 waiting for the peer's FIN (Linux's tcp_fin_timeout); a
  // connection still held by the application waits indefinitely.
  absl::Duration fin_wait2_timeout = absl::Seconds(60);

  // Maximum segment lifetime; TIME-WAIT lasts 2 * msl.
  absl::Duration msl = absl::Seconds(30);

  // RFC 6528 initial sequence numbers: ISN = M + F(4-tuple, secret) where M
  // ticks once per isn_tick of the `now` passed in.
  std::array<uint64_t, 2> isn_secret = {0x0706050403020100ull,
                                        0x0f0e0d0c0b0a0908ull};
  absl::Duration isn_tick = absl::Microseconds(4);

  // Local ports for active opens without an explicit port (inclusive).
  uint16_t ephemeral_port_min = 49152;
  uint16_t ephemeral_port_max = 65535;

  // --- modern TCP (issue 6). Defaults are what a current Linux host does;
  // BareConfig() below turns every one of them off (the RFC 9293 core).

  // Congestion control for new connections (Stack::SetCongestion changes
  // one connection's). kNone: only the peer's window limits sending.
  CongestionAlgorithm congestion = CongestionAlgorithm::kCubic;
  // RFC 6928 initial window, in segments of the effective send MSS.
  uint32_t initial_window_segments = 10;
  // RFC 2018 / RFC 6675: offer SACK-permitted; with the peer's consent, SACK
  // blocks in our ACKs and SACK-based loss recovery.
  bool sack = true;
  // RFC 7323 timestamps (RTTM, PAWS). TSval ticks once per millisecond of
  // the `now` passed in, from a per-connection offset.
  bool timestamps = true;
  // RFC 7323 window scaling. The shift we announce is window_scale_shift
  // when set (0..14), else the smallest that covers recv_buffer_bytes.
  bool window_scale = true;
  std::optional<uint8_t> window_scale_shift;
  // Delayed ACK (RFC 9293 §3.8.6.3, RFC 5681 §4.2): at least every second
  // full-size segment is acknowledged at once, any other within
  // delayed_ack_timeout (at most 500 ms). Out-of-order data and data that
  // fills a hole are acknowledged at once.
  bool delayed_ack = true;
  absl::Duration delayed_ack_timeout = absl::Milliseconds(40);
  // With delayed_ack: segments that arrive at one instant (aggregates a
  // veth or NIC hands over whole, one read of a live device) owe one ACK
  // for all of them, sent at that instant after the last, where the rule
  // above would send one for every second. More ACKs at the same instant
  // would tell the peer nothing the last does not (Linux, acknowledging
  // each GRO aggregate of up to 64 KiB once, does the same in real time).
  // Out-of-order data is still acknowledged segment by segment. Off by
  // default: in a simulation, segments arrive together only over a link
  // without a rate, where an "instant" can hold a whole window, which no
  // aggregate does; one lost ACK then costs a retransmission timeout
  // (sim_fuzz found a run that never recovered). live::LiveHost turns it
  // on.
  bool ack_arrival_bursts_once = false;
  // Nagle's algorithm (RFC 9293 §3.7.4): while data is unacknowledged, a
  // short segment waits until it can be full. Per connection: SetNoDelay.
  bool nagle = true;
  // RFC 3042 limited transmit: new data on the first two duplicate ACKs.
  bool limited_transmit = true;
  // RFC 5681 §4.1: after an idle period longer than the RTO, cwnd restarts
  // from min(cwnd, initial window).
  bool restart_after_idle = true;
  // Keepalive (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6): after keepalive_idle
  // without anything received, probes every keepalive_interval; after
  // keepalive_count unanswered probes the connection dies.
  bool keepalive = false;
  absl::Duration keepalive_idle = absl::Hours(2);
  absl::Duration keepalive_interval = absl::Seconds(75);
  int keepalive_count = 9;
  // RFC 5961 §7: at most about this many challenge ACKs per second per
  // stack (Linux: tcp_challenge_ack_limit 1000). 0: no limit. With jitter
  // each second's budget is drawn from [limit/2, limit*3/2) by a keyed
  // hash of the ISN secret and the second, as Linux draws it at random
  // since CVE-2016-5696: a fixed budget lets an off-path attacker count
  // his own challenge ACKs to learn whether a spoofed segment hit.
  uint32_t challenge_ack_limit = 1000;
  bool challenge_ack_jitter = true;

  uint8_t ttl = 64;
  // Live backends whose NIC fills checksums in later may turn this off.
  bool verify_checksums = true;
  // Transmit checksum offload: the TCP checksum of every packet sent is
  // left 0 for whoever carries the packet to compute
  // (wire::CompletePendingChecksum) before anything reads it, as a NIC or
  // veth does for Linux's CHECKSUM_PARTIAL. Only for a PacketSink that does
  // (netsim's hosts, when their backend agrees: Backend::OffloadChecksums).
  bool checksum_offload = false;
};

// The RFC 9293 core alone: no congestion control, SACK, timestamps, window
// scaling, delayed ACK, Nagle or keepalive. (Limited transmit and restart
// after idle keep their defaults: they act only with congestion control.) Packet-level tests that
// pin exact segments of the core start from this.
StackConfig BareConfig();

}  // namespace tcplab::tcp

#endif  // TCPLAB_TCP_CONFIG_H_
