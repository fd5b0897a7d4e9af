#include "netsim/pcap/link_layer.h"

#include <vector>

#include "gtest/gtest.h"
#include "netsim/pcap/pcap_format.h"

namespace tcplab::netsim {
namespace {

using Bytes = std::vector<uint8_t>;

const Bytes kIp = {0x45, 0x00, 0x00, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

Bytes Frame(std::vector<uint16_t> types, const Bytes& payload) {
  Bytes f = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};  // dst, src MAC
  for (size_t i = 0; i < types.size(); ++i) {
    f.push_back(static_cast<uint8_t>(types[i] >> 8));
    f.push_back(static_cast<uint8_t>(types[i]));
    if (i + 1 < types.size()) {  // a VLAN tag's TCI
      f.push_back(0x00);
      f.push_back(0x2a);
    }
  }
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

absl::Span<const uint8_t> Ok(uint32_t link, const Bytes& record) {
  absl::StatusOr<absl::Span<const uint8_t>> r = Ipv4PacketOfRecord(link, record);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : absl::Span<const uint8_t>();
}

std::string Error(uint32_t link, const Bytes& record) {
  absl::StatusOr<absl::Span<const uint8_t>> r = Ipv4PacketOfRecord(link, record);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : std::string(r.status().message());
}

TEST(LinkLayerTest, RawAndIpv4LinkTypes) {
  EXPECT_EQ(Bytes(Ok(101, kIp).begin(), Ok(101, kIp).end()), kIp);
  EXPECT_EQ(Ok(228, kIp).size(), kIp.size());
  Bytes v6 = kIp;
  v6[0] = 0x60;
  EXPECT_EQ(Error(101, v6), "not an IPv4 packet: IP version 6");
  EXPECT_EQ(Error(101, {}), "empty IP packet");
}

TEST(LinkLayerTest, EthernetSkipsHeaderAndVlanTags) {
  const Bytes plain = Frame({0x0800}, kIp);
  absl::Span<const uint8_t> p = Ok(1, plain);
  EXPECT_EQ(Bytes(p.begin(), p.end()), kIp);
  const Bytes tagged = Frame({0x8100, 0x0800}, kIp);
  p = Ok(1, tagged);
  EXPECT_EQ(Bytes(p.begin(), p.end()), kIp);
  const Bytes double_tagged = Frame({0x88a8, 0x8100, 0x0800}, kIp);
  p = Ok(1, double_tagged);
  EXPECT_EQ(Bytes(p.begin(), p.end()), kIp);
  // Ethernet padding after the IP packet stays in the view.
  Bytes padded = Frame({0x0800}, kIp);
  padded.resize(padded.size() + 6, 0);
  EXPECT_EQ(Ok(1, padded).size(), kIp.size() + 6);
}

TEST(LinkLayerTest, EthernetErrors) {
  EXPECT_EQ(Error(1, Bytes(13, 0)),
            "Ethernet frame of 13 bytes is shorter than its 14-byte header");
  EXPECT_EQ(Error(1, Frame({0x86dd}, kIp)),
            "Ethernet frame carries ethertype 0x86dd, not IPv4 (0x0800)");
  EXPECT_EQ(Error(1, Frame({0x0806}, kIp)),
            "Ethernet frame carries ethertype 0x0806, not IPv4 (0x0800)");
  Bytes cut = Frame({0x8100, 0x0800}, {});
  cut.resize(15);
  EXPECT_EQ(Error(1, cut), "Ethernet frame truncated inside a VLAN tag");
  EXPECT_EQ(Error(1, Frame({0x0800}, {})), "empty IP packet");
}

TEST(LinkLayerTest, UnsupportedLinkType) {
  EXPECT_EQ(Error(113, kIp),
            "link type 113 is not supported (expected 1 Ethernet, 101 raw IP or 228 IPv4)");
}

}  // namespace
}  // namespace tcplab::netsim
