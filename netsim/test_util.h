#ifndef TCPLAB_NETSIM_TEST_UTIL_H_
#define TCPLAB_NETSIM_TEST_UTIL_H_

// Helpers for netsim's tests: real TCP/IPv4 packets (via //tcp/wire) that
// carry a sequence number to tell them apart, and a BackendClient that
// records what reaches it.

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "netsim/backend.h"
#include "tcp/base/instant.h"
#include "tcp/wire/ipv4_address.h"

namespace tcplab::netsim::testing {

// A valid IPv4+TCP packet (checksums filled in) of 40 + payload_bytes bytes
// whose TCP sequence number is `seq`.
std::vector<uint8_t> TcpPacket(wire::Ipv4Address src, wire::Ipv4Address dst,
                               uint32_t seq, size_t payload_bytes = 0);

// The TCP sequence number of a packet made by TcpPacket.
uint32_t SeqOf(absl::Span<const uint8_t> packet);

class RecordingClient : public BackendClient {
 public:
  struct Arrival {
    Instant at;
    std::vector<uint8_t> bytes;
  };
  void OnPacket(Instant now, absl::Span<const uint8_t> ip_packet) override {
    arrivals.push_back({now, std::vector<uint8_t>(ip_packet.begin(), ip_packet.end())});
  }
  void OnWake(Instant now) override { wakes.push_back(now); }

  std::vector<Arrival> arrivals;
  std::vector<Instant> wakes;
};

}  // namespace tcplab::netsim::testing

#endif  // TCPLAB_NETSIM_TEST_UTIL_H_
