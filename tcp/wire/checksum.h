#ifndef TCPLAB_TCP_WIRE_CHECKSUM_H_
#define TCPLAB_TCP_WIRE_CHECKSUM_H_

// The Internet checksum (RFC 1071), with the TCP pseudo-header (RFC 9293
// §3.1).

#include <cstdint>

#include "absl/types/span.h"
#include "tcp/wire/ipv4_address.h"

namespace tcplab::wire {

// Accumulates 16-bit one's-complement sums over byte ranges. Ranges may have
// odd lengths; bytes are paired across calls as if the ranges were one.
class ChecksumAccumulator {
 public:
  void Add(absl::Span<const uint8_t> bytes);
  // Inline: headers add their fields a few at a time on every packet.
  void AddU16(uint16_t host_order) {
    // At an even position of the stream the value is one whole word.
    if (!odd_) {
      sum_ += host_order;
      return;
    }
    AddOddU16(host_order);
  }
  void AddU32(uint32_t host_order) {
    if (!odd_) {
      sum_ += (host_order >> 16) + (host_order & 0xffff);
      return;
    }
    AddOddU16(static_cast<uint16_t>(host_order >> 16));
    AddOddU16(static_cast<uint16_t>(host_order));
  }
  // The checksum to put in a header (one's complement of the folded sum),
  // in host byte order. A range that includes a correct checksum field
  // yields 0.
  uint16_t Finish() const {
    uint64_t s = sum_;
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return static_cast<uint16_t>(~s);
  }

 private:
  void AddOddU16(uint16_t host_order);

  uint64_t sum_ = 0;
  bool odd_ = false;  // an odd byte was added last: the next starts low.
};

uint16_t InternetChecksum(absl::Span<const uint8_t> bytes);

// Computes the TCP or UDP checksum of an IPv4 packet whose checksum was
// left to a transmit offload (whatever the field holds: 0, or the
// pseudo-header sum of Linux's CHECKSUM_PARTIAL) and writes it in. Returns
// false, and leaves the packet alone, for anything else or a malformed
// packet.
bool CompletePendingChecksum(absl::Span<uint8_t> ip_packet);

// Checksum over the pseudo-header (src, dst, zero, protocol 6, TCP length)
// and the TCP header plus payload in `tcp_segment` (whose checksum field is
// included as it stands).
uint16_t TcpChecksum(Ipv4Address src, Ipv4Address dst,
                     absl::Span<const uint8_t> tcp_segment);

}  // namespace tcplab::wire

#endif  // TCPLAB_TCP_WIRE_CHECKSUM_H_
