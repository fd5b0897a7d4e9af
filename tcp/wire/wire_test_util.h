#ifndef TCPLAB_TCP_WIRE_WIRE_TEST_UTIL_H_
#define TCPLAB_TCP_WIRE_WIRE_TEST_UTIL_H_

// Test helpers: hand-assembled IPv4/TCP byte strings whose checksums are
// recomputed after a test has bent one field, so that the parser's later
// checks can be reached.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "tcp/wire/checksum.h"
#include "tcp/wire/ipv4_address.h"
#include "tcp/wire/packet.h"

namespace tcplab::wire::testing {

using Bytes = std::vector<uint8_t>;

// A real SYN (built with scapy 2.5.0, see tools/gen_golden_packets.py):
// 192.168.1.10:54321 > 93.184.216.34:443 seq 0x3ade68b1 win 64240
// <mss 1460,sackOK,TS val 2868381563 ecr 0,nop,wscale 7>, IP id 0x1c46, DF,
// TTL 64. IP checksum 0x26e9, TCP checksum 0x2992.
inline Bytes ScapySyn() {
  return {0x45, 0x00, 0x00, 0x3c, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06, 0x26, 0xe9, 0xc0, 0xa8, 0x01,
          0x0a, 0x5d, 0xb8, 0xd8, 0x22, 0xd4, 0x31, 0x01, 0xbb, 0x3a, 0xde, 0x68, 0xb1, 0x00, 0x00,
          0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0, 0x29, 0x92, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04,
          0x02, 0x08, 0x0a, 0xaa, 0xf8, 0x07, 0x7b, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};
}

// A real data segment (scapy 2.5.0): 10.1.1.1:80 > 10.1.1.2:40000 flags PA
// seq 1000 ack 2000 win 501, payload "hello" (odd length), IP id 7, DF.
// IP checksum 0x24c0, TCP checksum 0xabb3.
inline Bytes ScapyData() {
  return {0x45, 0x00, 0x00, 0x2d, 0x00, 0x07, 0x40, 0x00, 0x40, 0x06, 0x24, 0xc0, 0x0a, 0x01, 0x01,
          0x01, 0x0a, 0x01, 0x01, 0x02, 0x00, 0x50, 0x9c, 0x40, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00,
          0x07, 0xd0, 0x50, 0x18, 0x01, 0xf5, 0xab, 0xb3, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f};
}

inline void PutU16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

// Recomputes the IP header checksum (over IHL words) and the TCP checksum
// (over the segment up to the IP total length), each when its bytes are
// present; bent lengths are taken as they stand.
inline void FixChecksums(Bytes& b) {
  if (b.size() < 20) return;
  const size_t ihl = static_cast<size_t>(b[0] & 0x0f) * 4;
  if (ihl < 20 || ihl > b.size()) return;
  PutU16(b, 10, 0);
  PutU16(b, 10, InternetChecksum(absl::MakeConstSpan(b.data(), ihl)));
  const size_t total = static_cast<size_t>(b[2] << 8 | b[3]);
  if (total > b.size() || total < ihl + 18) return;
  PutU16(b, ihl + 16, 0);
  const Ipv4Address src(uint32_t{b[12]} << 24 | uint32_t{b[13]} << 16 | uint32_t{b[14]} << 8 |
                        b[15]);
  const Ipv4Address dst(uint32_t{b[16]} << 24 | uint32_t{b[17]} << 16 | uint32_t{b[18]} << 8 |
                        b[19]);
  PutU16(b, ihl + 16, TcpChecksum(src, dst, absl::MakeConstSpan(b.data() + ihl, total - ihl)));
}

// 10.0.0.1:1234 > 10.0.0.2:80, ACK, with the given raw option bytes (the
// caller pads them to a multiple of 4) and payload; checksums correct.
inline Bytes WithOptionBytes(const Bytes& options, const Bytes& payload = {}) {
  Bytes b = {0x45, 0,    0,    0,    0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0,    0,    1,    10, 0, 0, 2,
             0x04, 0xd2, 0x00, 0x50, 0, 0, 0,    1, 0,  0, 0, 1, 0,  0x10, 0x10, 0x00, 0,  0, 0, 0};
  b[32] = static_cast<uint8_t>(((20 + options.size()) / 4) << 4);
  // resize and copy, not insert: GCC 12 at -O3 sees a bogus out-of-bounds
  // memcpy in vector::insert from this 40-byte initializer (-Warray-bounds).
  b.resize(40 + options.size() + payload.size());
  std::copy(options.begin(), options.end(), b.begin() + 40);
  std::copy(payload.begin(), payload.end(), b.begin() + 40 + options.size());
  PutU16(b, 2, static_cast<uint16_t>(b.size()));
  FixChecksums(b);
  return b;
}

inline Bytes Serialize(const Packet& p) {
  Bytes b(SerializedSize(p));
  const size_t n = SerializePacket(p, absl::MakeSpan(b));
  b.resize(n);
  return b;
}

}  // namespace tcplab::wire::testing

#endif  // TCPLAB_TCP_WIRE_WIRE_TEST_UTIL_H_
