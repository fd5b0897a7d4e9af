#include "netsim/live/ethernet.h"

#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "tcp/wire/byte_order.h"

namespace tcplab::live {
namespace {

// Network byte order, by hand: the wire library's helpers are private to it.
void StoreMac(uint8_t* p, const MacAddress& m) {
  std::memcpy(p, m.bytes().data(), MacAddress::kSize);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr uint16_t kArpHardwareEthernet = 1;
// The old (pre-802.1ad) QinQ tag some switches still emit.
constexpr uint16_t kEtherTypeQinQLegacy = 0x9100;
// Below this the 802.3 type/length field is a length, not an EtherType.
constexpr uint16_t kMinEtherType = 0x0600;

}  // namespace

MacAddress MacAddress::FromBytes(absl::Span<const uint8_t> bytes) {
  std::array<uint8_t, kSize> b{};
  std::memcpy(b.data(), bytes.data(), kSize);
  return MacAddress(b);
}

absl::StatusOr<MacAddress> MacAddress::Parse(absl::string_view text) {
  auto fail = [text](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid MAC address \"", absl::CHexEscape(text), "\": ", why,
        " (expected six pairs of hex digits separated by ':', e.g. 02:00:00:00:00:01)"));
  };
  const std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  if (parts.size() != kSize) {
    return fail(absl::StrFormat("found %d ':'-separated group%s", parts.size(),
                                parts.size() == 1 ? "" : "s"));
  }
  std::array<uint8_t, kSize> b{};
  for (int i = 0; i < kSize; ++i) {
    const absl::string_view part = parts[i];
    if (part.size() != 2) {
      return fail(absl::StrFormat("group %d \"%s\" is not two hex digits", i + 1,
                                  absl::CHexEscape(part)));
    }
    const int hi = HexValue(part[0]);
    const int lo = HexValue(part[1]);
    if (hi < 0 || lo < 0) {
      return fail(absl::StrFormat("group %d \"%s\" is not hexadecimal", i + 1,
                                  absl::CHexEscape(part)));
    }
    b[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return MacAddress(b);
}

std::string MacAddress::ToString() const {
  return absl::StrFormat("%02x:%02x:%02x:%02x:%02x:%02x", bytes_[0], bytes_[1], bytes_[2],
                         bytes_[3], bytes_[4], bytes_[5]);
}

absl::string_view FrameErrorName(FrameError e) {
  switch (e) {
    case FrameError::kOk: return "ok";
    case FrameError::kTruncatedEthernetHeader: return "truncated_ethernet_header";
    case FrameError::kVlanTagged: return "vlan_tagged";
    case FrameError::kNotEthernetII: return "not_ethernet_ii";
    case FrameError::kTruncatedArp: return "truncated_arp";
    case FrameError::kArpNotEthernet: return "arp_not_ethernet";
    case FrameError::kArpNotIpv4: return "arp_not_ipv4";
    case FrameError::kArpBadOperation: return "arp_bad_operation";
  }
  return "unknown";
}

absl::string_view FrameErrorDescription(FrameError e) {
  switch (e) {
    case FrameError::kOk: return "no error";
    case FrameError::kTruncatedEthernetHeader: return "frame shorter than an Ethernet header";
    case FrameError::kVlanTagged:
      return "802.1Q/802.1ad VLAN-tagged frame (tcplab's link is untagged)";
    case FrameError::kNotEthernetII:
      return "802.3 frame with a length field, not Ethernet II (LLC/SNAP, STP, ...)";
    case FrameError::kTruncatedArp: return "ARP packet shorter than 28 bytes";
    case FrameError::kArpNotEthernet: return "ARP hardware type is not Ethernet";
    case FrameError::kArpNotIpv4: return "ARP protocol type is not IPv4";
    case FrameError::kArpBadOperation: return "ARP operation is neither request nor reply";
  }
  return "unknown error";
}

FrameError ParseEthernet(absl::Span<const uint8_t> frame, EthernetFrame* out) {
  if (frame.size() < kEthernetHeaderSize) return FrameError::kTruncatedEthernetHeader;
  const uint16_t type = wire::GetU16(frame.data() + 12);
  if (type == kEtherTypeVlan || type == kEtherTypeQinQ || type == kEtherTypeQinQLegacy) {
    return FrameError::kVlanTagged;
  }
  if (type < kMinEtherType) return FrameError::kNotEthernetII;
  out->header.dst = MacAddress::FromBytes(frame.subspan(0, 6));
  out->header.src = MacAddress::FromBytes(frame.subspan(6, 6));
  out->header.ethertype = type;
  out->payload = frame.subspan(kEthernetHeaderSize);
  return FrameError::kOk;
}

size_t WriteEthernetHeader(const EthernetHeader& header, absl::Span<uint8_t> out) {
  if (out.size() < kEthernetHeaderSize) return 0;
  StoreMac(out.data(), header.dst);
  StoreMac(out.data() + 6, header.src);
  wire::PutU16(out.data() + 12, header.ethertype);
  return kEthernetHeaderSize;
}

// RFC 826 layout (Ethernet/IPv4):
//   0  ar$hrd  2  hardware type (1 = Ethernet)
//   2  ar$pro  2  protocol type (0x0800)
//   4  ar$hln  1  6
//   5  ar$pln  1  4
//   6  ar$op   2  1 request, 2 reply
//   8  ar$sha  6  sender MAC
//  14  ar$spa  4  sender IPv4
//  18  ar$tha  6  target MAC
//  24  ar$tpa  4  target IPv4
FrameError ParseArp(absl::Span<const uint8_t> payload, ArpPacket* out) {
  if (payload.size() < kArpPacketSize) return FrameError::kTruncatedArp;
  const uint8_t* p = payload.data();
  if (wire::GetU16(p) != kArpHardwareEthernet || p[4] != MacAddress::kSize) {
    return FrameError::kArpNotEthernet;
  }
  if (wire::GetU16(p + 2) != kEtherTypeIpv4 || p[5] != 4) return FrameError::kArpNotIpv4;
  const uint16_t op = wire::GetU16(p + 6);
  if (op != static_cast<uint16_t>(ArpOperation::kRequest) &&
      op != static_cast<uint16_t>(ArpOperation::kReply)) {
    return FrameError::kArpBadOperation;
  }
  out->operation = static_cast<ArpOperation>(op);
  out->sender_mac = MacAddress::FromBytes(payload.subspan(8, 6));
  out->sender_ip = wire::Ipv4Address(wire::GetU32(p + 14));
  out->target_mac = MacAddress::FromBytes(payload.subspan(18, 6));
  out->target_ip = wire::Ipv4Address(wire::GetU32(p + 24));
  return FrameError::kOk;
}

size_t WriteArp(const ArpPacket& arp, absl::Span<uint8_t> out) {
  if (out.size() < kArpPacketSize) return 0;
  uint8_t* p = out.data();
  wire::PutU16(p, kArpHardwareEthernet);
  wire::PutU16(p + 2, kEtherTypeIpv4);
  p[4] = MacAddress::kSize;
  p[5] = 4;
  wire::PutU16(p + 6, static_cast<uint16_t>(arp.operation));
  StoreMac(p + 8, arp.sender_mac);
  wire::PutU32(p + 14, arp.sender_ip.value());
  StoreMac(p + 18, arp.target_mac);
  wire::PutU32(p + 24, arp.target_ip.value());
  return kArpPacketSize;
}

size_t BuildArpFrame(const MacAddress& dst, const MacAddress& src, const ArpPacket& arp,
                     absl::Span<uint8_t> out) {
  if (out.size() < kArpFrameSize) return 0;
  WriteEthernetHeader({dst, src, kEtherTypeArp}, out);
  WriteArp(arp, out.subspan(kEthernetHeaderSize));
  const size_t used = kEthernetHeaderSize + kArpPacketSize;
  std::memset(out.data() + used, 0, kArpFrameSize - used);
  return kArpFrameSize;
}

}  // namespace tcplab::live
