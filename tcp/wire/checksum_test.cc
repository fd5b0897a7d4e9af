#include "tcp/wire/checksum.h"

#include <vector>

#include "gtest/gtest.h"
#include "tcp/wire/wire_test_util.h"

namespace tcplab::wire {
namespace {

using testing::Bytes;

TEST(ChecksumTest, Rfc1071WorkedExample) {
  // RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (folded); the
  // checksum is its complement, 220d.
  const Bytes b = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(InternetChecksum(b), 0x220d);
  // Appending the checksum makes the whole verify to 0.
  Bytes with = b;
  with.push_back(0x22);
  with.push_back(0x0d);
  EXPECT_EQ(InternetChecksum(with), 0);
}

TEST(ChecksumTest, EmptyAndZeros) {
  EXPECT_EQ(InternetChecksum({}), 0xffff);
  EXPECT_EQ(InternetChecksum(Bytes(10, 0)), 0xffff);
  EXPECT_EQ(InternetChecksum(Bytes{0xff, 0xff}), 0);
}

TEST(ChecksumTest, OddLengthPadsWithZero) {
  EXPECT_EQ(InternetChecksum(Bytes{0x12}), static_cast<uint16_t>(~0x1200));
  EXPECT_EQ(InternetChecksum(Bytes{0x12, 0x34, 0x56}), static_cast<uint16_t>(~(0x1234 + 0x5600)));
}

TEST(ChecksumTest, AccumulatorPairsBytesAcrossCalls) {
  const Bytes b = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7, 0x99};
  for (size_t cut1 = 0; cut1 <= b.size(); ++cut1) {
    for (size_t cut2 = cut1; cut2 <= b.size(); ++cut2) {
      ChecksumAccumulator acc;
      acc.Add(absl::MakeConstSpan(b.data(), cut1));
      acc.Add(absl::MakeConstSpan(b.data() + cut1, cut2 - cut1));
      acc.Add(absl::MakeConstSpan(b.data() + cut2, b.size() - cut2));
      EXPECT_EQ(acc.Finish(), InternetChecksum(b)) << cut1 << " " << cut2;
    }
  }
}

TEST(ChecksumTest, AddU16AndU32AreBigEndianBytes) {
  ChecksumAccumulator a;
  a.AddU32(0x0001f203);
  a.AddU16(0xf4f5);
  a.AddU16(0xf6f7);
  EXPECT_EQ(a.Finish(), 0x220d);
  // Also after an odd byte.
  ChecksumAccumulator b;
  b.Add(Bytes{0xab});
  b.AddU16(0xcdef);
  EXPECT_EQ(b.Finish(), InternetChecksum(Bytes{0xab, 0xcd, 0xef}));
  ChecksumAccumulator c;
  c.Add(Bytes{0xab});
  c.AddU32(0x01234567);
  c.AddU16(0x89ab);
  EXPECT_EQ(c.Finish(), InternetChecksum(Bytes{0xab, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab}));
}

TEST(ChecksumTest, LargeInputFoldsCarries) {
  const Bytes b(100000, 0xff);
  EXPECT_EQ(InternetChecksum(b), 0);
  Bytes c(100001, 0xff);
  c.back() = 0x01;  // adds 0x0100 to a sum of all ones
  EXPECT_EQ(InternetChecksum(c), static_cast<uint16_t>(~0x0100));
}

TEST(ChecksumTest, WikipediaIpv4HeaderExample) {
  // The worked example on Wikipedia's "Internet checksum" / IPv4 header
  // checksum page: 4500 0073 0000 4000 4011 [b861] c0a8 0001 c0a8 00c7.
  Bytes h = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
             0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(InternetChecksum(h), 0);
  h[10] = h[11] = 0;
  EXPECT_EQ(InternetChecksum(h), 0xb861);
}

TEST(ChecksumTest, RealTcpPacketsFromScapy) {
  // Packets built by scapy 2.5.0 (an independent implementation); tshark
  // 4.0 also reports both checksums of each as good.
  struct Case {
    Bytes bytes;
    uint16_t ip_checksum;
    uint16_t tcp_checksum;
  };
  const Case cases[] = {{testing::ScapySyn(), 0x26e9, 0x2992},
                        {testing::ScapyData(), 0x24c0, 0xabb3}};
  for (const Case& c : cases) {
    Bytes b = c.bytes;
    const Ipv4Address src(uint32_t{b[12]} << 24 | uint32_t{b[13]} << 16 | uint32_t{b[14]} << 8 |
                          b[15]);
    const Ipv4Address dst(uint32_t{b[16]} << 24 | uint32_t{b[17]} << 16 | uint32_t{b[18]} << 8 |
                          b[19]);
    const auto segment = absl::MakeConstSpan(b.data() + 20, b.size() - 20);
    EXPECT_EQ(InternetChecksum(absl::MakeConstSpan(b.data(), 20)), 0);
    EXPECT_EQ(TcpChecksum(src, dst, segment), 0);
    b[10] = b[11] = 0;
    b[36] = b[37] = 0;
    EXPECT_EQ(InternetChecksum(absl::MakeConstSpan(b.data(), 20)), c.ip_checksum);
    EXPECT_EQ(TcpChecksum(src, dst, absl::MakeConstSpan(b.data() + 20, b.size() - 20)),
              c.tcp_checksum);
  }
}

}  // namespace
}  // namespace tcplab::wire

namespace tcplab::wire {
namespace {

// The RFC 1071 definition, two bytes at a time: the reference that the
// word-at-a-time accumulator must agree with.
uint16_t ReferenceChecksum(const std::vector<uint8_t>& b) {
  uint64_t sum = 0;
  for (size_t i = 0; i < b.size(); i += 2) {
    sum += uint32_t{b[i]} << 8 | (i + 1 < b.size() ? b[i + 1] : 0);
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

TEST(ChecksumTest, WordAtATimeMatchesTheDefinitionForAnySplit) {
  uint64_t x = 0x9e3779b97f4a7c15;  // a fixed xorshift stream: no test randomness
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (int round = 0; round < 3000; ++round) {
    std::vector<uint8_t> b(next() % 1600);
    // Mostly 0xff bytes in some rounds, to drive every carry path.
    const bool heavy = round % 3 == 0;
    for (uint8_t& v : b) v = heavy ? static_cast<uint8_t>(0xff - next() % 2) : next();
    const size_t cut1 = b.empty() ? 0 : next() % (b.size() + 1);
    const size_t cut2 = cut1 + (b.size() == cut1 ? 0 : next() % (b.size() - cut1 + 1));
    const absl::Span<const uint8_t> all(b);
    ChecksumAccumulator acc;
    acc.Add(all.subspan(0, cut1));
    acc.Add(all.subspan(cut1, cut2 - cut1));
    acc.Add(all.subspan(cut2));
    ASSERT_EQ(acc.Finish(), ReferenceChecksum(b))
        << "round " << round << " size " << b.size() << " cuts " << cut1 << "," << cut2;
    ASSERT_EQ(InternetChecksum(b), ReferenceChecksum(b)) << "round " << round;
  }
}

// Spans long enough that the vector kernels widen their 32-bit lanes
// several times (every 512 KiB), with the byte values at the edges of the
// signed reinterpretation they use (0x00, 0x7f, 0x80, 0xff).
TEST(ChecksumTest, LongSpansMatchTheDefinition) {
  uint64_t x = 0x2545f4914f6cdd1d;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  const uint8_t fills[] = {0x00, 0x7f, 0x80, 0xff};
  for (size_t size : {size_t{64}, size_t{96}, size_t{100}, size_t{1} << 19, (size_t{1} << 20) + 13,
                      (size_t{3} << 20) + 7}) {
    for (int kind = 0; kind < 6; ++kind) {
      std::vector<uint8_t> b(size);
      for (uint8_t& v : b) {
        v = kind < 4    ? fills[kind]
            : kind == 4 ? static_cast<uint8_t>(next())
                        : static_cast<uint8_t>(0x7f + next() % 2);
      }
      ASSERT_EQ(InternetChecksum(b), ReferenceChecksum(b)) << "size " << size << " kind " << kind;
      // An odd start, as after an odd-length range.
      ChecksumAccumulator acc;
      acc.Add(absl::MakeConstSpan(b).subspan(0, 1));
      acc.Add(absl::MakeConstSpan(b).subspan(1));
      ASSERT_EQ(acc.Finish(), ReferenceChecksum(b)) << "size " << size << " kind " << kind;
    }
  }
}

}  // namespace
}  // namespace tcplab::wire
