#include "tcp/wire/packet.h"

#include <cstring>

#include "tcp/wire/byte_order.h"
#include "tcp/wire/checksum.h"
#include "tcp/wire/options_codec.h"

namespace tcplab::wire {

namespace {

using internal::GetU16;
using internal::GetU32;
using internal::PutU16;
using internal::PutU32;

constexpr uint16_t kIpFlagDf = 0x4000;
constexpr uint16_t kIpFlagMf = 0x2000;
constexpr uint16_t kIpFragOffsetMask = 0x1fff;
constexpr size_t kMaxIpTotalLength = 0xffff;

struct ErrorText {
  absl::string_view name;
  absl::string_view description;
};

constexpr ErrorText kErrorTexts[kParseErrorCount] = {
    {"ok", "no error"},
    {"truncated_ip_header", "fewer than 20 bytes: no complete IPv4 header"},
    {"not_ipv4", "IP version is not 4"},
    {"ip_header_length_too_small", "IPv4 header length (IHL) is below 5 words"},
    {"ip_header_past_end", "IPv4 header length runs past the buffer or the total length"},
    {"ip_total_length_mismatch",
     "IPv4 total length is larger than the buffer or smaller than a header"},
    {"ip_fragment", "IPv4 fragment (more-fragments flag or nonzero offset)"},
    {"not_tcp", "IP protocol is not TCP"},
    {"bad_ip_checksum", "IPv4 header checksum does not match"},
    {"truncated_tcp_header", "fewer than 20 bytes of TCP header"},
    {"tcp_data_offset_too_small", "TCP data offset is below 5 words"},
    {"tcp_data_offset_past_end", "TCP data offset runs past the end of the IP payload"},
    {"bad_tcp_checksum", "TCP checksum does not match"},
    {"option_length_too_small", "a TCP option has length 0 or 1"},
    {"option_past_header", "a TCP option runs past the end of the TCP header"},
    {"option_bad_length", "a known TCP option has the wrong length"},
};

// No options, or exactly NOP NOP TS with its length 10, optionally followed
// by NOP NOP SACK with 1 to 3 whole blocks filling the rest (an ACK in loss
// recovery).
bool OptionsCannotFail(absl::Span<const uint8_t> b) {
  constexpr auto kNop = static_cast<uint8_t>(OptionKind::kNop);
  constexpr auto kTs = static_cast<uint8_t>(OptionKind::kTimestamps);
  constexpr auto kSack = static_cast<uint8_t>(OptionKind::kSack);
  if (b.empty()) return true;
  if (b.size() < 12 || b[0] != kNop || b[1] != kNop || b[2] != kTs || b[3] != 10) return false;
  if (b.size() == 12) return true;
  const size_t sack_len = b.size() - 14;
  return b.size() >= 24 && b[12] == kNop && b[13] == kNop && b[14] == kSack &&
         b[15] == sack_len && (sack_len - 2) % 8 == 0;
}

}  // namespace

uint32_t Packet::SeqLength() const {
  return static_cast<uint32_t>(payload.size()) + (tcp.has(flags::kSyn) ? 1 : 0) +
         (tcp.has(flags::kFin) ? 1 : 0);
}

absl::string_view ParseErrorName(ParseError e) {
  const auto i = static_cast<size_t>(e);
  return i < kParseErrorCount ? kErrorTexts[i].name : "unknown";
}

absl::string_view ParseErrorDescription(ParseError e) {
  const auto i = static_cast<size_t>(e);
  return i < kParseErrorCount ? kErrorTexts[i].description : "unknown parse error";
}

ParseError ParsePacket(absl::Span<const uint8_t> bytes, Packet* out, ParseOptions options) {
  const uint8_t* ip = bytes.data();
  if (bytes.size() < static_cast<size_t>(kIpv4HeaderSize)) {
    return ParseError::kTruncatedIpHeader;
  }
  if ((ip[0] >> 4) != 4) return ParseError::kNotIpv4;
  const size_t ip_header_len = static_cast<size_t>(ip[0] & 0x0f) * 4;
  if (ip_header_len < static_cast<size_t>(kIpv4HeaderSize)) {
    return ParseError::kIpHeaderLengthTooSmall;
  }
  if (ip_header_len > bytes.size()) return ParseError::kIpHeaderPastEnd;
  const size_t total_len = GetU16(ip + 2);
  if (total_len > bytes.size() || total_len < static_cast<size_t>(kIpv4HeaderSize)) {
    return ParseError::kIpTotalLengthMismatch;
  }
  if (ip_header_len > total_len) return ParseError::kIpHeaderPastEnd;
  // Checksum before the field checks: a corrupted header reports as such.
  if (options.verify_checksums && InternetChecksum(bytes.subspan(0, ip_header_len)) != 0) {
    return ParseError::kBadIpChecksum;
  }
  const uint16_t frag = GetU16(ip + 6);
  if ((frag & kIpFlagMf) != 0 || (frag & kIpFragOffsetMask) != 0) {
    return ParseError::kIpFragment;
  }
  if (ip[9] != kIpProtocolTcp) return ParseError::kNotTcp;

  const absl::Span<const uint8_t> seg = bytes.subspan(ip_header_len, total_len - ip_header_len);
  if (seg.size() < static_cast<size_t>(kTcpHeaderSize)) return ParseError::kTruncatedTcpHeader;
  const Ipv4Address src(GetU32(ip + 12));
  const Ipv4Address dst(GetU32(ip + 16));
  if (options.verify_checksums && TcpChecksum(src, dst, seg) != 0) {
    return ParseError::kBadTcpChecksum;
  }
  const uint8_t* tcp = seg.data();
  const size_t data_offset = static_cast<size_t>(tcp[12] >> 4) * 4;
  if (data_offset < static_cast<size_t>(kTcpHeaderSize)) return ParseError::kTcpDataOffsetTooSmall;
  if (data_offset > seg.size()) return ParseError::kTcpDataOffsetPastEnd;

  // The options are the last check. When they cannot fail (none, or just
  // NOP NOP TS, as on nearly every segment after the handshake) they are
  // decoded in place; otherwise into a copy, so that an error leaves *out
  // untouched. The copy costs a zeroed temporary and a copy read in wider
  // loads than its stores were (a store-forwarding stall).
  Packet& p = *out;
  const absl::Span<const uint8_t> option_bytes =
      seg.subspan(kTcpHeaderSize, data_offset - kTcpHeaderSize);
  if (OptionsCannotFail(option_bytes)) {
    internal::ParseOptionBytes(option_bytes, &p.tcp.options);
  } else {
    TcpOptions tcp_options;
    const ParseError opt_error = internal::ParseOptionBytes(option_bytes, &tcp_options);
    if (opt_error != ParseError::kOk) return opt_error;
    p.tcp.options = tcp_options;
  }
  p.ip.tos = ip[1];
  p.ip.id = GetU16(ip + 4);
  p.ip.dont_fragment = (frag & kIpFlagDf) != 0;
  p.ip.ttl = ip[8];
  p.ip.src = src;
  p.ip.dst = dst;
  p.tcp.src_port = GetU16(tcp);
  p.tcp.dst_port = GetU16(tcp + 2);
  p.tcp.seq = Seq(GetU32(tcp + 4));
  p.tcp.ack = Seq(GetU32(tcp + 8));
  p.tcp.flags = tcp[13];
  p.tcp.window = GetU16(tcp + 14);
  p.tcp.urgent = GetU16(tcp + 18);
  p.payload = seg.subspan(data_offset);
  return ParseError::kOk;
}

size_t SerializedSize(const Packet& packet) {
  return kIpv4HeaderSize + kTcpHeaderSize + packet.tcp.options.WireSize() + packet.payload.size();
}

size_t SerializePacket(const Packet& packet, absl::Span<uint8_t> out, bool tcp_checksum) {
  const int options_size = internal::WriteOptions(packet.tcp.options, nullptr);
  const size_t tcp_len = kTcpHeaderSize + options_size + packet.payload.size();
  const size_t total = kIpv4HeaderSize + tcp_len;
  if (total > kMaxIpTotalLength || out.size() < total) return 0;

  // Both checksums are summed from the values rather than read back from
  // `out`: the same 16-bit words (RFC 1071 sums words, wherever they come
  // from), without loading bytes that were just stored one at a time (a
  // store-forwarding stall per header).
  uint8_t* ip = out.data();
  const uint16_t ip_flags = packet.ip.dont_fragment ? kIpFlagDf : 0;
  ip[0] = 0x45;
  ip[1] = packet.ip.tos;
  PutU16(ip + 2, static_cast<uint16_t>(total));
  PutU16(ip + 4, packet.ip.id);
  PutU16(ip + 6, ip_flags);
  ip[8] = packet.ip.ttl;
  ip[9] = kIpProtocolTcp;
  PutU32(ip + 12, packet.ip.src.value());
  PutU32(ip + 16, packet.ip.dst.value());
  {
    ChecksumAccumulator acc;
    acc.AddU16(static_cast<uint16_t>(0x4500 | packet.ip.tos));
    acc.AddU16(static_cast<uint16_t>(total));
    acc.AddU16(packet.ip.id);
    acc.AddU16(ip_flags);
    acc.AddU16(static_cast<uint16_t>(packet.ip.ttl << 8 | kIpProtocolTcp));
    acc.AddU32(packet.ip.src.value());  // the checksum field itself is 0
    acc.AddU32(packet.ip.dst.value());
    PutU16(ip + 10, acc.Finish());
  }

  uint8_t* tcp = ip + kIpv4HeaderSize;
  const TcpHeader& h = packet.tcp;
  const uint8_t offset_byte = static_cast<uint8_t>(((kTcpHeaderSize + options_size) / 4) << 4);
  PutU16(tcp, h.src_port);
  PutU16(tcp + 2, h.dst_port);
  PutU32(tcp + 4, h.seq.raw());
  PutU32(tcp + 8, h.ack.raw());
  tcp[12] = offset_byte;
  tcp[13] = h.flags;
  PutU16(tcp + 14, h.window);
  PutU16(tcp + 18, h.urgent);
  if (options_size > 0) internal::WriteOptions(h.options, tcp + kTcpHeaderSize);
  if (!packet.payload.empty()) {
    std::memcpy(tcp + kTcpHeaderSize + options_size, packet.payload.data(), packet.payload.size());
  }
  if (!tcp_checksum) {
    PutU16(tcp + 16, 0);
    return total;
  }
  // TcpChecksum over the segment as written, in pieces: pseudo-header,
  // header words (checksum field 0), the option bytes, and the payload
  // summed from its source (header and options are whole 32-bit words, so
  // the payload starts at an even position either way).
  ChecksumAccumulator acc;
  acc.AddU32(packet.ip.src.value());
  acc.AddU32(packet.ip.dst.value());
  acc.AddU16(kIpProtocolTcp);
  acc.AddU16(static_cast<uint16_t>(tcp_len));
  acc.AddU16(h.src_port);
  acc.AddU16(h.dst_port);
  acc.AddU32(h.seq.raw());
  acc.AddU32(h.ack.raw());
  acc.AddU16(static_cast<uint16_t>(offset_byte << 8 | h.flags));
  acc.AddU16(h.window);
  acc.AddU16(h.urgent);
  if (options_size > 0) {
    acc.Add(absl::Span<const uint8_t>(tcp + kTcpHeaderSize, static_cast<size_t>(options_size)));
  }
  acc.Add(packet.payload);
  PutU16(tcp + 16, acc.Finish());
  return total;
}

}  // namespace tcplab::wire
