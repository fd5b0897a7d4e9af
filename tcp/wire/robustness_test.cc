// Brute force over damaged packets: every truncation and every single-bit
// flip of valid packets parses without crashing (ASan checks the reads),
// and the result is either an error or a packet consistent with the bytes.

#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tcp/wire/packet.h"
#include "tcp/wire/render.h"
#include "tcp/wire/wire_test_util.h"

namespace tcplab::wire {
namespace {

using testing::Bytes;
using testing::Serialize;

std::vector<Bytes> ValidPackets() {
  std::vector<Bytes> out = {testing::ScapySyn(), testing::ScapyData()};
  Packet sack;
  sack.ip.src = Ipv4Address(10, 0, 0, 1);
  sack.ip.dst = Ipv4Address(10, 0, 0, 2);
  sack.tcp.flags = flags::kAck;
  sack.tcp.seq = Seq(0xfffffff0u);
  for (int i = 0; i < 4; ++i) sack.tcp.options.AddSackBlock({Seq(100u * i), Seq(100u * i + 50)});
  out.push_back(Serialize(sack));
  // Unknown option, EOL and odd payload.
  out.push_back(testing::WithOptionBytes({99, 4, 1, 2, 1, 0, 0, 0}, {1, 2, 3}));
  // IP options.
  Bytes ipopt = testing::ScapyData();
  ipopt.insert(ipopt.begin() + 20, {1, 1, 1, 0});
  ipopt[0] = 0x46;
  testing::PutU16(ipopt, 2, static_cast<uint16_t>(ipopt.size()));
  testing::FixChecksums(ipopt);
  out.push_back(ipopt);
  return out;
}

// A parsed packet is consistent when serializing its content and parsing
// that again gives the same content (unknown options and IP options, which
// tcplab does not send, aside).
void ExpectConsistent(const Packet& p) {
  Packet canonical = p;
  TcpOptions& o = canonical.tcp.options;
  // Keep only the kinds tcplab sends.
  uint8_t n = 0;
  for (int i = 0; i < o.layout_size; ++i) {
    const uint8_t k = o.layout[i];
    if (k <= 5 || k == 8) o.layout[n++] = k;
  }
  o.layout_size = n;
  const Bytes b = Serialize(canonical);
  ASSERT_FALSE(b.empty());
  Packet q;
  ASSERT_EQ(ParsePacket(b, &q), ParseError::kOk);
  EXPECT_EQ(q.ip.src, p.ip.src);
  EXPECT_EQ(q.ip.dst, p.ip.dst);
  EXPECT_EQ(q.ip.ttl, p.ip.ttl);
  EXPECT_EQ(q.ip.id, p.ip.id);
  EXPECT_EQ(q.tcp.seq, p.tcp.seq);
  EXPECT_EQ(q.tcp.ack, p.tcp.ack);
  EXPECT_EQ(q.tcp.flags, p.tcp.flags);
  EXPECT_EQ(q.tcp.window, p.tcp.window);
  EXPECT_EQ(q.tcp.options.mss, p.tcp.options.mss);
  EXPECT_EQ(q.tcp.options.window_scale, p.tcp.options.window_scale);
  EXPECT_EQ(q.tcp.options.timestamps, p.tcp.options.timestamps);
  EXPECT_EQ(q.tcp.options.sack_permitted, p.tcp.options.sack_permitted);
  EXPECT_EQ(q.tcp.options.sack_count, p.tcp.options.sack_count);
  EXPECT_EQ(Bytes(q.payload.begin(), q.payload.end()), Bytes(p.payload.begin(), p.payload.end()));
  // Rendering never fails either.
  EXPECT_FALSE(RenderPacket(p).empty());
}

TEST(RobustnessTest, EveryTruncationIsAnError) {
  for (const Bytes& full : ValidPackets()) {
    for (size_t n = 0; n < full.size(); ++n) {
      // A copy of exactly n bytes, so ASan sees any read past the end.
      const Bytes cut(full.begin(), full.begin() + n);
      Packet p;
      EXPECT_NE(ParsePacket(cut, &p), ParseError::kOk) << n;
      EXPECT_NE(ParsePacket(cut, &p, {.verify_checksums = false}), ParseError::kOk) << n;
    }
  }
}

TEST(RobustnessTest, EverySingleBitFlipIsCaughtOrHarmless) {
  int flips = 0;
  for (Bytes full : ValidPackets()) {
    Packet original;
    ASSERT_EQ(ParsePacket(full, &original), ParseError::kOk);
    const size_t total = full.size();
    full.insert(full.end(), {0, 0, 0, 0, 0, 0});  // link padding, not checksummed
    for (size_t i = 0; i < full.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        Bytes b = full;
        b[i] ^= static_cast<uint8_t>(1 << bit);
        ++flips;
        Packet p;
        const ParseError e = ParsePacket(b, &p);
        if (i < total) {
          // The Internet checksum catches every single-bit error in the bytes it covers.
          EXPECT_NE(e, ParseError::kOk) << "byte " << i << " bit " << bit;
        } else {
          ASSERT_EQ(e, ParseError::kOk);
          EXPECT_EQ(p.tcp.seq, original.tcp.seq);
          EXPECT_EQ(p.tcp.options, original.tcp.options);
          EXPECT_EQ(p.payload.size(), original.payload.size());
        }
        // Without verification the flip may be accepted; then it must be consistent.
        Packet u;
        if (ParsePacket(b, &u, {.verify_checksums = false}) == ParseError::kOk) {
          ExpectConsistent(u);
        }
      }
    }
  }
  EXPECT_GT(flips, 2000);
}

TEST(RobustnessTest, RandomDamageNeverCrashes) {
  // splitmix64: a fixed, seeded sequence, so the test is deterministic.
  uint64_t state = 0x7c91a3d5e2f40b68u;
  auto next = [&state] {
    uint64_t z = (state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
  };
  const std::vector<Bytes> valid = ValidPackets();
  int accepted = 0;
  for (int round = 0; round < 50000; ++round) {
    Bytes b = valid[next() % valid.size()];
    const int damage = 1 + static_cast<int>(next() % 4);
    for (int d = 0; d < damage; ++d) {
      switch (next() % 3) {
        case 0:  // overwrite a byte, favouring the headers
          b[next() % std::min<size_t>(b.size(), 64)] = static_cast<uint8_t>(next());
          break;
        case 1:  // cut
          b.resize(next() % (b.size() + 1));
          break;
        default:  // extend
          b.push_back(static_cast<uint8_t>(next()));
          break;
      }
      if (b.empty()) b.push_back(0x45);
    }
    const Bytes exact(b.begin(), b.end());
    Packet p;
    if (ParsePacket(exact, &p, {.verify_checksums = false}) == ParseError::kOk) {
      ++accepted;
      ExpectConsistent(p);
    }
    ParsePacket(exact, &p);
  }
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace tcplab::wire
