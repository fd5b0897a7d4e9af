#ifndef TCPLAB_NETSIM_PCAP_LINK_LAYER_H_
#define TCPLAB_NETSIM_PCAP_LINK_LAYER_H_

// Getting at the IPv4 packet inside a capture record.

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace tcplab::netsim {

inline constexpr int kEthernetHeaderSize = 14;
inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeVlan = 0x8100;  // 802.1Q
inline constexpr uint16_t kEtherTypeQinQ = 0x88a8;  // 802.1ad

// The IPv4 packet carried by a record of the given LINKTYPE_*:
// - LINKTYPE_RAW (101) and LINKTYPE_IPV4 (228): the record itself, whose
//   version nibble must be 4;
// - LINKTYPE_ETHERNET (1): what follows the 14-byte Ethernet II header and
//   up to two 802.1Q/802.1ad VLAN tags, whose ethertype must be 0x0800.
// The view may end with link padding; wire::ParsePacket ignores bytes past
// the IP total length. Errors say why (other link type, IPv6, ARP, short
// frame...).
absl::StatusOr<absl::Span<const uint8_t>> Ipv4PacketOfRecord(uint32_t link_type,
                                                             absl::Span<const uint8_t> record);

}  // namespace tcplab::netsim

#endif  // TCPLAB_NETSIM_PCAP_LINK_LAYER_H_
