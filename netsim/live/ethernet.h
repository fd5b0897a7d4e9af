#ifndef TCPLAB_NETSIM_LIVE_ETHERNET_H_
#define TCPLAB_NETSIM_LIVE_ETHERNET_H_

// Ethernet II framing and ARP (RFC 826, Ethernet/IPv4 only): values, a total
// parser and a builder, with no I/O.
//
// The AF_PACKET backend gives tcplab its own MAC and IPv4 address on a real
// link, so it must frame its packets and speak ARP itself; this file is the
// byte-level half of that, ethernet_interface.h the stateful half.
//
// Parsing never crashes, never reads out of bounds and never allocates: any
// byte string yields either a decoded value (whose payload views the input)
// or one FrameError, which callers count as the reason the frame was dropped
// or ignored.

#include <array>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "tcp/wire/ipv4_address.h"

namespace tcplab::live {

// A 48-bit IEEE 802 MAC address, bytes in wire order.
class MacAddress {
 public:
  static constexpr int kSize = 6;

  // 00:00:00:00:00:00 (the "unknown" target of an ARP request).
  constexpr MacAddress() = default;
  constexpr MacAddress(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t e, uint8_t f)
      : bytes_{a, b, c, d, e, f} {}
  constexpr explicit MacAddress(const std::array<uint8_t, kSize>& bytes) : bytes_(bytes) {}

  // The first six bytes of `bytes`, which must hold at least six.
  static MacAddress FromBytes(absl::Span<const uint8_t> bytes);

  // Six groups of exactly two hex digits (either case) separated by ':',
  // e.g. "02:00:00:00:00:01". Nothing else is accepted (no '-', no dots, no
  // single digits, no surrounding space), so a typo is never silently read
  // as another address; the error names the group that is wrong.
  static absl::StatusOr<MacAddress> Parse(absl::string_view text);

  static constexpr MacAddress Broadcast() {
    return MacAddress(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
  }

  // The address tcplab uses when the user gives an IPv4 address but no MAC:
  // 02:74:AA:BB:CC:DD for AA.BB.CC.DD (hex). 0x02 as first octet makes it a
  // unicast (I/G bit 0 clear), locally administered (U/L bit 1 set) address,
  // so it can never equal a vendor-assigned NIC address; 0x74 is 't' for
  // tcplab, and the last four octets are the IPv4 address, so the same
  // address always gets the same MAC (runs and captures are reproducible)
  // and a capture shows which tcplab instance sent a frame. Two tcplab
  // instances collide only if they use the same IPv4 address, which is a
  // conflict anyway (and is detected as one).
  static constexpr MacAddress LocallyAdministeredFor(wire::Ipv4Address ip) {
    const uint32_t v = ip.value();
    return MacAddress(0x02, 0x74, static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
                      static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v));
  }

  // The Ethernet multicast address an IPv4 multicast group maps to
  // (RFC 1112 section 6.4: 01:00:5e and the group's low 23 bits).
  static constexpr MacAddress ForIpv4Multicast(wire::Ipv4Address group) {
    const uint32_t v = group.value();
    return MacAddress(0x01, 0x00, 0x5e, static_cast<uint8_t>((v >> 16) & 0x7f),
                      static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v));
  }

  constexpr const std::array<uint8_t, kSize>& bytes() const { return bytes_; }
  constexpr bool is_broadcast() const { return *this == Broadcast(); }
  // The I/G bit: group addresses (broadcast included) are never a sender.
  constexpr bool is_multicast() const { return (bytes_[0] & 0x01) != 0; }
  constexpr bool is_locally_administered() const { return (bytes_[0] & 0x02) != 0; }
  constexpr bool is_zero() const { return *this == MacAddress(); }
  // What a host may use as its own (or a neighbour's) address.
  constexpr bool is_unicast() const { return !is_multicast() && !is_zero(); }

  // Lower-case, colon-separated: "02:00:00:00:00:01".
  std::string ToString() const;

  friend constexpr bool operator==(const MacAddress& a, const MacAddress& b) {
    return a.bytes_ == b.bytes_;
  }
  friend constexpr bool operator!=(const MacAddress& a, const MacAddress& b) {
    return !(a == b);
  }
  friend constexpr bool operator<(const MacAddress& a, const MacAddress& b) {
    return a.bytes_ < b.bytes_;
  }
  template <typename H>
  friend H AbslHashValue(H h, const MacAddress& m) {
    return H::combine(std::move(h), m.bytes_);
  }

 private:
  std::array<uint8_t, kSize> bytes_{};
};

inline std::ostream& operator<<(std::ostream& os, const MacAddress& m) {
  return os << m.ToString();
}

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeVlan = 0x8100;  // 802.1Q C-tag
inline constexpr uint16_t kEtherTypeQinQ = 0x88a8;  // 802.1ad S-tag
inline constexpr uint16_t kEtherTypeIpv6 = 0x86dd;

// Destination MAC, source MAC, EtherType; no preamble and no FCS, which
// AF_PACKET neither gives nor takes.
inline constexpr size_t kEthernetHeaderSize = 14;
// The shortest frame 802.3 allows, without the 4-byte FCS: shorter payloads
// are padded with zeros by the sender (and the receiver must trim them, which
// for IPv4 it does with the total length).
inline constexpr size_t kMinFrameSize = 60;
// An Ethernet/IPv4 ARP packet: 8 bytes of fixed fields, 2 * (6 + 4) of
// addresses.
inline constexpr size_t kArpPacketSize = 28;
// The whole ARP frame as built here: header + ARP + padding to kMinFrameSize.
inline constexpr size_t kArpFrameSize = kMinFrameSize;

enum class FrameError : uint8_t {
  kOk = 0,
  kTruncatedEthernetHeader,  // fewer than 14 bytes
  kVlanTagged,               // EtherType 0x8100, 0x88a8 or 0x9100: tcplab's link is untagged
  kNotEthernetII,            // type field < 0x0600: an 802.3 length (LLC/SNAP, STP...)
  kTruncatedArp,             // fewer than 28 bytes of ARP
  kArpNotEthernet,           // hardware type != 1 or hardware length != 6
  kArpNotIpv4,               // protocol type != 0x0800 or protocol length != 4
  kArpBadOperation,          // operation not 1 (request) or 2 (reply); RARP etc.
};
inline constexpr int kFrameErrorCount = 8;

// Stable snake_case name, e.g. "vlan_tagged"; used in counters.
absl::string_view FrameErrorName(FrameError e);
// A sentence for people, e.g. "802.1Q VLAN-tagged frame (tcplab's link is untagged)".
absl::string_view FrameErrorDescription(FrameError e);

struct EthernetHeader {
  MacAddress dst;
  MacAddress src;
  uint16_t ethertype = 0;
};

// A parsed frame; `payload` views the parsed bytes and still holds any
// padding (only the payload's own protocol knows its real length).
struct EthernetFrame {
  EthernetHeader header;
  absl::Span<const uint8_t> payload;
};

// Parses an Ethernet II header. On kOk fills *out; on error leaves it
// untouched. 802.1Q/802.1ad-tagged frames are reported as kVlanTagged rather
// than decoded: tcplab sits on an untagged link (a VLAN is a separate Linux
// interface, e.g. eth0.100, which AF_PACKET sees untagged), so a tagged frame
// here belongs to some other network.
FrameError ParseEthernet(absl::Span<const uint8_t> frame, EthernetFrame* out);

// Writes the 14-byte header at the start of `out`. Returns 14, or 0 if `out`
// is too small.
size_t WriteEthernetHeader(const EthernetHeader& header, absl::Span<uint8_t> out);

enum class ArpOperation : uint16_t {
  kRequest = 1,
  kReply = 2,
};

// An Ethernet/IPv4 ARP packet, field names as in RFC 826 (ar$sha, ar$spa,
// ar$tha, ar$tpa).
struct ArpPacket {
  ArpOperation operation = ArpOperation::kRequest;
  MacAddress sender_mac;
  wire::Ipv4Address sender_ip;
  MacAddress target_mac;  // zero in a request: it is what is asked for
  wire::Ipv4Address target_ip;

  // A gratuitous ARP announces the sender's own binding (sender IP ==
  // target IP); RFC 5227's announcements are of this kind.
  bool is_gratuitous() const { return sender_ip == target_ip; }
  // An RFC 5227 probe asks "does anyone own target_ip?" without claiming an
  // address: sender IP 0.0.0.0.
  bool is_probe() const { return sender_ip == wire::Ipv4Address(); }
};

// Parses an ARP packet (an Ethernet payload with EtherType 0x0806). Bytes
// past the 28 that ARP uses (padding) are ignored. On kOk fills *out; on
// error leaves it untouched. Checks, first failure reported: 28 bytes,
// hardware type 1 and length 6, protocol type 0x0800 and length 4, operation
// 1 or 2.
FrameError ParseArp(absl::Span<const uint8_t> payload, ArpPacket* out);

// Writes the 28-byte ARP packet at the start of `out`. Returns 28, or 0 if
// `out` is too small.
size_t WriteArp(const ArpPacket& arp, absl::Span<uint8_t> out);

// Writes a whole ARP frame: Ethernet header (EtherType 0x0806), the ARP
// packet and zero padding up to kMinFrameSize (60 bytes). Returns 60, or 0 if
// `out` is too small.
size_t BuildArpFrame(const MacAddress& dst, const MacAddress& src, const ArpPacket& arp,
                     absl::Span<uint8_t> out);

}  // namespace tcplab::live

#endif  // TCPLAB_NETSIM_LIVE_ETHERNET_H_
