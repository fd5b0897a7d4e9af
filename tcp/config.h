#ifndef TCPLAB_TCP_CONFIG_H_
#define TCPLAB_TCP_CONFIG_H_

// Per-host configuration of a Stack. Plain data with defaults close to what
// a Linux host does, except where RFC 9293 / RFC 6298 name a value.

#include <array>
#include <cstddef>
#include <cstdint>

#include "absl/time/time.h"
#include "tcp/wire/ipv4_address.h"

namespace tcplab::tcp {

struct StackConfig {
  // The host's address; segments to any other destination are dropped.
  wire::Ipv4Address local_address;

  // The MSS this host announces in its SYNs, and the largest payload it
  // ever sends (the effective send MSS is min(this, the peer's MSS option,
  // or 536 when the peer sent none), RFC 9293 §3.7.1).
  uint16_t mss = 1460;

  // Sizes of each connection's send and receive buffers. Without window
  // scaling (a later issue) the advertised window is capped at 65535.
  size_t send_buffer_bytes = 128 * 1024;
  size_t recv_buffer_bytes = 64 * 1024;
  // Most out-of-order bytes a connection keeps for reassembly, and most
  // separate out-of-order ranges (the ranges are held inline).
  size_t out_of_order_limit_bytes = 64 * 1024;

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

  uint8_t ttl = 64;
  // Live backends whose NIC fills checksums in later may turn this off.
  bool verify_checksums = true;
};

}  // namespace tcplab::tcp

#endif  // TCPLAB_TCP_CONFIG_H_
