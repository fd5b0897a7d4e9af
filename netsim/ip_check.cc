#include "netsim/ip_check.h"

#include "tcp/wire/checksum.h"

namespace tcplab::netsim {
namespace {

// Callers check `at + 2` (`at + 4`) <= b.size() first.
inline uint16_t U16(absl::Span<const uint8_t> b, size_t at) {
  const uint8_t* p = b.data() + at;
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
inline uint32_t U32(absl::Span<const uint8_t> b, size_t at) {
  const uint8_t* p = b.data() + at;
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;

}  // namespace

DropReason CheckIpv4Packet(absl::Span<const uint8_t> bytes, CheckLevel level,
                           Ipv4Summary* out) {
  if (bytes.size() < 20) return DropReason::kMalformed;
  if ((bytes[0] >> 4) != 4) return DropReason::kMalformed;
  const size_t header_length = size_t{bytes[0] & 0x0fu} * 4;
  if (header_length < 20) return DropReason::kMalformed;
  const size_t total_length = U16(bytes, 2);
  if (total_length > bytes.size() || total_length < header_length) {
    return DropReason::kMalformed;
  }
  if (wire::InternetChecksum(bytes.subspan(0, header_length)) != 0) {
    return DropReason::kBadChecksum;
  }
  Ipv4Summary s;
  s.protocol = bytes[9];
  s.src = wire::Ipv4Address(U32(bytes, 12));
  s.dst = wire::Ipv4Address(U32(bytes, 16));
  s.header_length = static_cast<uint16_t>(header_length);
  s.total_length = static_cast<uint16_t>(total_length);

  const bool fragment = (U16(bytes, 6) & 0x3fff) != 0;  // MF or offset
  if (level == CheckLevel::kFull && !fragment) {
    const absl::Span<const uint8_t> segment =
        bytes.subspan(header_length, total_length - header_length);
    if (s.protocol == kTcp) {
      if (segment.size() < 20) return DropReason::kMalformed;
      if (wire::TcpChecksum(s.src, s.dst, segment) != 0) {
        return DropReason::kBadChecksum;
      }
    } else if (s.protocol == kUdp) {
      if (segment.size() < 8) return DropReason::kMalformed;
      if (U16(segment, 6) != 0) {  // 0: sender computed no checksum
        wire::ChecksumAccumulator acc;
        acc.AddU32(s.src.value());
        acc.AddU32(s.dst.value());
        acc.AddU16(kUdp);
        acc.AddU16(static_cast<uint16_t>(segment.size()));
        acc.Add(segment);
        if (acc.Finish() != 0) return DropReason::kBadChecksum;
      }
    }
  }
  *out = s;
  return DropReason::kNone;
}

}  // namespace tcplab::netsim
