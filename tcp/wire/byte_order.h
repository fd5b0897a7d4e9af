#ifndef TCPLAB_TCP_WIRE_BYTE_ORDER_H_
#define TCPLAB_TCP_WIRE_BYTE_ORDER_H_

// Big-endian (network order) fields read and written byte by byte, so
// alignment and the machine's byte order never matter. //tcp/wire's own
// code uses the internal names; the live link layer (netsim/live), which
// parses Ethernet, ARP and IPv4 headers itself, the exported ones.

#include <cstdint>

namespace tcplab::wire::internal {

inline uint16_t GetU16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

inline uint32_t GetU32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

inline void PutU16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

inline void PutU32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

}  // namespace tcplab::wire::internal

namespace tcplab::wire {
using internal::GetU16;
using internal::GetU32;
using internal::PutU16;
using internal::PutU32;
}  // namespace tcplab::wire

#endif  // TCPLAB_TCP_WIRE_BYTE_ORDER_H_
