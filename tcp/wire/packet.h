#ifndef TCPLAB_TCP_WIRE_PACKET_H_
#define TCPLAB_TCP_WIRE_PACKET_H_

// IPv4 + TCP packets: the decoded form, a strict and total parser, and a
// serializer that fills in lengths and checksums.
//
// Parsing never crashes, never reads out of bounds and never allocates: any
// byte string yields either a Packet whose payload is a view into the input,
// or one specific ParseError, which callers count as the drop reason.

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "tcp/wire/ipv4_address.h"
#include "tcp/wire/seq.h"
#include "tcp/wire/tcp_options.h"

namespace tcplab::wire {

inline constexpr uint8_t kIpProtocolTcp = 6;
inline constexpr int kIpv4HeaderSize = 20;  // without options
inline constexpr int kTcpHeaderSize = 20;   // without options

// TCP flag bits, as in the header's flags byte.
namespace flags {
inline constexpr uint8_t kFin = 0x01;
inline constexpr uint8_t kSyn = 0x02;
inline constexpr uint8_t kRst = 0x04;
inline constexpr uint8_t kPsh = 0x08;
inline constexpr uint8_t kAck = 0x10;
inline constexpr uint8_t kUrg = 0x20;
inline constexpr uint8_t kEce = 0x40;
inline constexpr uint8_t kCwr = 0x80;
}  // namespace flags

struct Ipv4Header {
  uint8_t tos = 0;
  uint16_t id = 0;
  bool dont_fragment = true;
  uint8_t ttl = 64;
  Ipv4Address src;
  Ipv4Address dst;
  // IP options are accepted when parsing (IHL > 5) and skipped; tcplab
  // never sends any.
};

struct TcpHeader {
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  Seq seq;
  Seq ack;
  uint8_t flags = 0;
  uint16_t window = 0;  // as on the wire: unscaled
  uint16_t urgent = 0;
  TcpOptions options;

  bool has(uint8_t flag_bits) const { return (flags & flag_bits) == flag_bits; }
};

// A decoded packet. `payload` views the buffer that was parsed (or that the
// caller supplies for serialization); it does not own bytes.
struct Packet {
  Ipv4Header ip;
  TcpHeader tcp;
  absl::Span<const uint8_t> payload;

  // Sequence space the segment occupies: payload plus one each for SYN, FIN.
  uint32_t SeqLength() const;
};

enum class ParseError : uint8_t {
  kOk = 0,
  kTruncatedIpHeader,      // fewer than 20 bytes
  kNotIpv4,                // version field is not 4
  kIpHeaderLengthTooSmall, // IHL < 5
  kIpHeaderPastEnd,        // IHL * 4 beyond the buffer or the total length
  kIpTotalLengthMismatch,  // total length > buffer, or < 20 (a minimal header)
  kIpFragment,             // MF set or fragment offset nonzero
  kNotTcp,                 // protocol is not 6
  kBadIpChecksum,
  kTruncatedTcpHeader,     // fewer than 20 bytes of TCP
  kTcpDataOffsetTooSmall,  // data offset < 5
  kTcpDataOffsetPastEnd,   // data offset * 4 beyond the IP payload
  kBadTcpChecksum,
  kOptionLengthTooSmall,   // an option's length byte is 0 or 1
  kOptionPastHeader,       // an option (or its length byte) runs past the header
  kOptionBadLength,        // a known option with the wrong length
};
inline constexpr int kParseErrorCount = 16;

// Stable snake_case name, e.g. "bad_tcp_checksum"; used in counters and traces.
absl::string_view ParseErrorName(ParseError e);
// A sentence for people, e.g. "TCP checksum does not match".
absl::string_view ParseErrorDescription(ParseError e);

struct ParseOptions {
  // Live backends may see packets whose checksums a NIC fills in later;
  // the simulator always verifies (corruption must be caught).
  bool verify_checksums = true;
};

// Parses an IPv4 packet holding a TCP segment. On kOk, *out is filled and
// out->payload views `bytes`; on error *out is untouched. Trailing bytes past
// the IP total length (link padding) are ignored.
//
// Checks run in this order, the first failure being reported: 20 bytes
// present, version, IHL >= 5, IHL within the buffer, 20 <= total length <=
// buffer, IHL within the total length, IP checksum, fragment, protocol, 20
// bytes of TCP, TCP checksum, data offset, options. Checksums come before
// the field checks so that a corrupted packet counts as corrupted. The
// reserved bits of byte 12 of the TCP header are ignored.
ParseError ParsePacket(absl::Span<const uint8_t> bytes, Packet* out,
                       ParseOptions options = {});

// Size of the serialized packet: IP header + TCP header + options + payload.
size_t SerializedSize(const Packet& packet);

// Writes `packet` into `out` (which must hold SerializedSize(packet) bytes)
// with total length, IHL, data offset, the IP checksum and the TCP checksum
// computed. Returns the number of bytes written, or 0 if `out` is too small
// (or the packet would exceed 65535 bytes). IHL is always 5; the IP flags
// carry only DF. Does not allocate. With `tcp_checksum` false the TCP
// checksum is left to a transmit offload: the field is 0, for
// CompletePendingChecksum (checksum.h) to fill in.
size_t SerializePacket(const Packet& packet, absl::Span<uint8_t> out, bool tcp_checksum = true);

}  // namespace tcplab::wire

#endif  // TCPLAB_TCP_WIRE_PACKET_H_
