#include "netsim/live/wire_node.h"

#include <algorithm>
#include <vector>

#include "gtest/gtest.h"
#include "tcp/wire/checksum.h"

namespace tcplab::live {
namespace {

// A 20-byte IPv4 header + a 20-byte TCP header + 3 bytes of payload, with
// a correct TCP checksum (0x9b 0x59 computed by the reference below).
std::vector<uint8_t> Packet() {
  std::vector<uint8_t> p = {
      0x45, 0x00, 0x00, 0x2b, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
      10,   77,   0,    1,    10,   77,   0,    2,     // addresses
      0x13, 0x89, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x01,  // ports, seq
      0x00, 0x00, 0x00, 0x02, 0x50, 0x18, 0xff, 0xff,  // ack, offset, flags, window
      0x00, 0x00, 0x00, 0x00, 'a',  'b',  'c'};
  const uint16_t sum = wire::TcpChecksum(wire::Ipv4Address(10, 77, 0, 1),
                                         wire::Ipv4Address(10, 77, 0, 2),
                                         absl::MakeConstSpan(p).subspan(20));
  p[36] = static_cast<uint8_t>(sum >> 8);
  p[37] = static_cast<uint8_t>(sum);
  return p;
}

TEST(CompletePendingChecksum, ReplacesThePseudoHeaderSumWithTheChecksum) {
  const std::vector<uint8_t> good = Packet();
  std::vector<uint8_t> partial = good;
  // CHECKSUM_PARTIAL leaves the folded pseudo-header sum in the field.
  partial[36] = 0x12;
  partial[37] = 0x34;
  ASSERT_TRUE(wire::CompletePendingChecksum(absl::MakeSpan(partial)));
  EXPECT_EQ(partial, good);
  EXPECT_EQ(wire::TcpChecksum(wire::Ipv4Address(10, 77, 0, 1), wire::Ipv4Address(10, 77, 0, 2),
                              absl::MakeConstSpan(partial).subspan(20)),
            0);
}

TEST(CompletePendingChecksum, LeavesWhatItCannotReadAlone) {
  std::vector<uint8_t> p = Packet();
  p[9] = 1;  // ICMP: no pseudo-header checksum
  std::vector<uint8_t> before = p;
  EXPECT_FALSE(wire::CompletePendingChecksum(absl::MakeSpan(p)));
  EXPECT_EQ(p, before);
  const std::vector<uint8_t> whole = Packet();
  std::vector<uint8_t> shortp(whole.begin(), whole.begin() + 30);
  EXPECT_FALSE(wire::CompletePendingChecksum(absl::MakeSpan(shortp)));  // total length > bytes
  std::vector<uint8_t> v6 = Packet();
  v6[0] = 0x60;
  EXPECT_FALSE(wire::CompletePendingChecksum(absl::MakeSpan(v6)));
}

// A 40 + 3000-byte aggregate with PSH|FIN at MTU 1500 becomes 1460 +
// 1460 + 80 bytes of payload with consecutive sequence numbers, FIN and PSH
// only on the last, and every checksum right.
TEST(SegmentTcpAggregate, CutsLikeTso) {
  std::vector<uint8_t> p = Packet();
  p.resize(40);
  for (int i = 0; i < 3000; ++i) p.push_back(static_cast<uint8_t>(i * 7));
  p[2] = static_cast<uint8_t>(p.size() >> 8);
  p[3] = static_cast<uint8_t>(p.size());
  p[33] = 0x19;  // ACK|PSH|FIN
  const std::vector<std::vector<uint8_t>> segs = SegmentTcpAggregate(p, 1500);
  ASSERT_EQ(segs.size(), 3u);
  const size_t sizes[] = {1500, 1500, 120};
  const uint8_t flags[] = {0x10, 0x10, 0x19};
  uint32_t seq = 1;
  size_t at = 40;
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::vector<uint8_t>& s = segs[i];
    ASSERT_EQ(s.size(), sizes[i]);
    EXPECT_EQ((s[2] << 8 | s[3]), static_cast<int>(sizes[i]));
    EXPECT_EQ((s[4] << 8 | s[5]), static_cast<int>(1 + i));  // IP id
    EXPECT_EQ(wire::InternetChecksum(absl::MakeConstSpan(s).subspan(0, 20)), 0);
    EXPECT_EQ(static_cast<uint32_t>(s[24] << 24 | s[25] << 16 | s[26] << 8 | s[27]), seq);
    EXPECT_EQ(s[33], flags[i]);
    EXPECT_EQ(wire::TcpChecksum(wire::Ipv4Address(10, 77, 0, 1), wire::Ipv4Address(10, 77, 0, 2),
                                absl::MakeConstSpan(s).subspan(20)),
              0);
    EXPECT_TRUE(std::equal(s.begin() + 40, s.end(), p.begin() + at));
    seq += static_cast<uint32_t>(s.size() - 40);
    at += s.size() - 40;
  }
  EXPECT_EQ(at, p.size());
  // Small enough already, or not TCP: nothing to cut.
  EXPECT_TRUE(SegmentTcpAggregate(Packet(), 1500).empty());
  p[9] = 17;
  EXPECT_TRUE(SegmentTcpAggregate(p, 1500).empty());
}

}  // namespace
}  // namespace tcplab::live
