#ifndef TCPLAB_NETSIM_PCAP_PCAP_FORMAT_H_
#define TCPLAB_NETSIM_PCAP_PCAP_FORMAT_H_

// Constants of the classic libpcap file format
// (https://www.tcpdump.org/manpages/pcap-savefile.5.html): a 24-byte global
// header, then records of a 16-byte header plus the captured bytes.

#include <cstdint>

namespace tcplab::netsim {

inline constexpr uint32_t kPcapMagicMicros = 0xa1b2c3d4;
inline constexpr uint32_t kPcapMagicNanos = 0xa1b23c4d;
inline constexpr uint16_t kPcapVersionMajor = 2;
inline constexpr uint16_t kPcapVersionMinor = 4;
inline constexpr int kPcapGlobalHeaderSize = 24;
inline constexpr int kPcapRecordHeaderSize = 16;

// tcpdump's default snapshot length.
inline constexpr uint32_t kPcapDefaultSnaplen = 262144;
// No record larger than this is read, whatever the file's snaplen says.
inline constexpr uint32_t kPcapMaxRecordLength = 16 * 1024 * 1024;

// LINKTYPE_* values (https://www.tcpdump.org/linktypes.html).
enum class LinkType : uint32_t {
  kEthernet = 1,  // LINKTYPE_ETHERNET: Ethernet II frames, no FCS
  kRaw = 101,     // LINKTYPE_RAW: bare IPv4 or IPv6 packets
  kIpv4 = 228,    // LINKTYPE_IPV4: bare IPv4 packets
};

}  // namespace tcplab::netsim

#endif  // TCPLAB_NETSIM_PCAP_PCAP_FORMAT_H_
