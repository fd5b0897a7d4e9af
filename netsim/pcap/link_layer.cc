#include "netsim/pcap/link_layer.h"

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "netsim/pcap/pcap_format.h"

namespace tcplab::netsim {

namespace {

absl::StatusOr<absl::Span<const uint8_t>> CheckIpv4(absl::Span<const uint8_t> packet) {
  if (packet.empty()) return absl::InvalidArgumentError("empty IP packet");
  const int version = packet[0] >> 4;
  if (version != 4) {
    return absl::InvalidArgumentError(
        absl::StrFormat("not an IPv4 packet: IP version %d", version));
  }
  return packet;
}

}  // namespace

absl::StatusOr<absl::Span<const uint8_t>> Ipv4PacketOfRecord(uint32_t link_type,
                                                             absl::Span<const uint8_t> record) {
  switch (static_cast<LinkType>(link_type)) {
    case LinkType::kRaw:
    case LinkType::kIpv4:
      return CheckIpv4(record);
    case LinkType::kEthernet: {
      if (record.size() < static_cast<size_t>(kEthernetHeaderSize)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "Ethernet frame of %d bytes is shorter than its 14-byte header", record.size()));
      }
      size_t type_at = 12;
      uint16_t type = static_cast<uint16_t>(record[type_at] << 8 | record[type_at + 1]);
      for (int tags = 0; tags < 2 && (type == kEtherTypeVlan || type == kEtherTypeQinQ); ++tags) {
        type_at += 4;
        if (record.size() < type_at + 2) {
          return absl::InvalidArgumentError("Ethernet frame truncated inside a VLAN tag");
        }
        type = static_cast<uint16_t>(record[type_at] << 8 | record[type_at + 1]);
      }
      if (type != kEtherTypeIpv4) {
        return absl::InvalidArgumentError(
            absl::StrFormat("Ethernet frame carries ethertype 0x%04x, not IPv4 (0x0800)", type));
      }
      return CheckIpv4(record.subspan(type_at + 2));
    }
  }
  return absl::InvalidArgumentError(absl::StrFormat(
      "link type %d is not supported (expected 1 Ethernet, 101 raw IP or 228 IPv4)", link_type));
}

}  // namespace tcplab::netsim
