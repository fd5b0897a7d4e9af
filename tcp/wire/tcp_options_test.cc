#include "tcp/wire/tcp_options.h"

#include <vector>

#include "gtest/gtest.h"
#include "tcp/wire/packet.h"
#include "tcp/wire/wire_test_util.h"

namespace tcplab::wire {
namespace {

using testing::Bytes;
using testing::Serialize;

// The option bytes of a packet carrying `o` (serialized, then cut out).
Bytes OptionBytes(const TcpOptions& o) {
  Packet p;
  p.tcp.options = o;
  const Bytes b = Serialize(p);
  EXPECT_EQ(b.size(), 40u + o.WireSize());
  return Bytes(b.begin() + 40, b.end());
}

// Serializes, parses back, and checks values, layout and bytes survive.
TcpOptions RoundTrip(const TcpOptions& o) {
  Packet p;
  p.ip.src = Ipv4Address(10, 0, 0, 1);
  p.ip.dst = Ipv4Address(10, 0, 0, 2);
  p.tcp.flags = flags::kAck;
  p.tcp.options = o;
  const Bytes b = Serialize(p);
  Packet q;
  EXPECT_EQ(ParsePacket(b, &q), ParseError::kOk);
  EXPECT_EQ(q.tcp.options, o);
  EXPECT_EQ(Serialize(q), b);
  return q.tcp.options;
}

TcpOptions SackBlocks(int n) {
  TcpOptions o;
  for (int i = 0; i < n; ++i) {
    o.AddSackBlock({Seq(0xfffff000u + 3000 * i), Seq(0xfffff000u + 3000 * i + 1000)});
  }
  return o;
}

TEST(TcpOptionsTest, EmptyTakesNoBytes) {
  TcpOptions o;
  EXPECT_EQ(o.WireSize(), 0);
  EXPECT_EQ(OptionBytes(o), Bytes());
  RoundTrip(o);
}

TEST(TcpOptionsTest, CanonicalEachOptionAlone) {
  TcpOptions mss;
  mss.mss = 1460;
  EXPECT_EQ(OptionBytes(mss), (Bytes{2, 4, 0x05, 0xb4}));
  RoundTrip(mss);

  TcpOptions ws;
  ws.window_scale = 14;
  EXPECT_EQ(OptionBytes(ws), (Bytes{1, 3, 3, 14}));
  RoundTrip(ws);

  TcpOptions sp;
  sp.sack_permitted = true;
  EXPECT_EQ(OptionBytes(sp), (Bytes{1, 1, 4, 2}));
  RoundTrip(sp);

  TcpOptions ts;
  ts.timestamps = Timestamps{0x01020304, 0xa0b0c0d0};
  EXPECT_EQ(OptionBytes(ts), (Bytes{1, 1, 8, 10, 1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0}));
  RoundTrip(ts);

  TcpOptions sack = SackBlocks(1);
  EXPECT_EQ(OptionBytes(sack),
            (Bytes{1, 1, 5, 10, 0xff, 0xff, 0xf0, 0x00, 0xff, 0xff, 0xf3, 0xe8}));
  RoundTrip(sack);
}

TEST(TcpOptionsTest, CanonicalLinuxSyn) {
  TcpOptions o;
  o.mss = 1460;
  o.sack_permitted = true;
  o.timestamps = Timestamps{100, 0};
  o.window_scale = 7;
  EXPECT_EQ(o.WireSize(), 20);
  EXPECT_EQ(OptionBytes(o),
            (Bytes{2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 100, 0, 0, 0, 0, 1, 3, 3, 7}));
  RoundTrip(o);
}

TEST(TcpOptionsTest, CanonicalSynWithoutTimestamps) {
  TcpOptions o;
  o.mss = 1460;
  o.sack_permitted = true;
  o.window_scale = 7;
  EXPECT_EQ(OptionBytes(o), (Bytes{2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7}));
  RoundTrip(o);
}

TEST(TcpOptionsTest, CanonicalSynWithoutSack) {
  TcpOptions o;
  o.mss = 536;
  o.timestamps = Timestamps{1, 0};
  o.window_scale = 0;
  EXPECT_EQ(OptionBytes(o),
            (Bytes{2, 4, 0x02, 0x18, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 0}));
  RoundTrip(o);
}

TEST(TcpOptionsTest, CanonicalAckWithTimestampsAndSack) {
  for (int n = 1; n <= 3; ++n) {
    TcpOptions o = SackBlocks(n);
    o.timestamps = Timestamps{5, 6};
    EXPECT_EQ(o.WireSize(), 12 + 4 + 8 * n);
    const Bytes b = OptionBytes(o);
    EXPECT_EQ(Bytes(b.begin(), b.begin() + 16), (Bytes{1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6, 1, 1, 5,
                                                       static_cast<uint8_t>(2 + 8 * n)}));
    EXPECT_EQ(RoundTrip(o).sack_count, n);
  }
}

TEST(TcpOptionsTest, OneToFourSackBlocksRoundTrip) {
  for (int n = 1; n <= 4; ++n) {
    TcpOptions o = SackBlocks(n);
    EXPECT_EQ(o.WireSize(), 4 + 8 * n);
    const TcpOptions back = RoundTrip(o);
    ASSERT_EQ(back.sack_count, n);
    for (int i = 0; i < n; ++i) EXPECT_EQ(back.sack_blocks[i], o.sack_blocks[i]);
  }
}

TEST(TcpOptionsTest, SackBlocksDroppedToFit) {
  // Timestamps (12) leave room for 3 blocks (4 + 24 = 28): the 4th is left out.
  TcpOptions o = SackBlocks(4);
  o.timestamps = Timestamps{1, 2};
  EXPECT_EQ(o.WireSize(), 40);
  Packet p;
  p.tcp.options = o;
  Packet q;
  const Bytes b = Serialize(p);
  ASSERT_EQ(ParsePacket(b, &q), ParseError::kOk);
  EXPECT_EQ(q.tcp.options.sack_count, 3);
  EXPECT_EQ(q.tcp.options.timestamps, o.timestamps);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(q.tcp.options.sack_blocks[i], o.sack_blocks[i]);
}

TEST(TcpOptionsTest, AddSackBlockStopsAtFour) {
  TcpOptions o = SackBlocks(4);
  o.AddSackBlock({Seq(1), Seq(2)});
  EXPECT_EQ(o.sack_count, 4);
  EXPECT_NE(o.sack_blocks[3], (SackBlock{Seq(1), Seq(2)}));
}

TEST(TcpOptionsTest, ExplicitLayoutIsFollowedAndPadded) {
  TcpOptions o;
  o.mss = 1000;
  o.window_scale = 3;
  o.AppendLayout(OptionKind::kWindowScale);
  o.AppendLayout(OptionKind::kMss);
  // 3 + 4 = 7 bytes, padded with one zero (EOL) byte.
  EXPECT_EQ(o.WireSize(), 8);
  EXPECT_EQ(OptionBytes(o), (Bytes{3, 3, 3, 2, 4, 0x03, 0xe8, 0}));
  // The parsed layout has the padding EOL; its bytes are the same.
  Packet p;
  p.tcp.options = o;
  const Bytes b = Serialize(p);
  Packet q;
  ASSERT_EQ(ParsePacket(b, &q), ParseError::kOk);
  EXPECT_EQ(q.tcp.options.layout_size, 3);
  EXPECT_EQ(q.tcp.options.layout[2], 0);
  EXPECT_EQ(Serialize(q), b);
}

TEST(TcpOptionsTest, ExplicitLayoutAllOptionsRoundTrip) {
  TcpOptions o = SackBlocks(2);
  o.mss = 9000;
  o.sack_permitted = true;
  o.window_scale = 9;
  o.AppendLayout(OptionKind::kSack);
  o.AppendLayout(OptionKind::kSackPermitted);
  o.AppendLayout(OptionKind::kMss);
  o.AppendLayout(OptionKind::kNop);
  o.AppendLayout(OptionKind::kWindowScale);
  EXPECT_EQ(o.WireSize(), 18 + 2 + 4 + 1 + 3);
  RoundTrip(o);
}

TEST(TcpOptionsTest, ExplicitLayoutSkipsValuelessAndUnknownEntries) {
  TcpOptions o;
  o.timestamps = Timestamps{7, 8};
  o.AppendLayout(OptionKind::kMss);   // no value
  o.layout[o.layout_size++] = 200;    // unknown kind: not sent
  o.AppendLayout(OptionKind::kSack);  // no blocks
  o.AppendLayout(OptionKind::kTimestamps);
  EXPECT_EQ(OptionBytes(o), (Bytes{8, 10, 0, 0, 0, 7, 0, 0, 0, 8, 0, 0}));
}

TEST(TcpOptionsTest, ExplicitLayoutOmitsValuesItDoesNotName) {
  TcpOptions o;
  o.mss = 1460;
  o.window_scale = 7;
  o.AppendLayout(OptionKind::kMss);
  EXPECT_EQ(OptionBytes(o), (Bytes{2, 4, 0x05, 0xb4}));
}

TEST(TcpOptionsTest, ExplicitLayoutNeverExceedsFortyBytes) {
  TcpOptions o;
  o.mss = 1;
  for (int i = 0; i < 38; ++i) o.AppendLayout(OptionKind::kNop);
  o.AppendLayout(OptionKind::kMss);  // would end at 42: left out
  o.AppendLayout(OptionKind::kNop);  // the 40th entry
  o.AppendLayout(OptionKind::kNop);  // does not fit the array: ignored
  EXPECT_EQ(o.layout_size, 40);
  EXPECT_EQ(o.WireSize(), 40);
  Bytes expected(39, 1);
  expected.push_back(0);  // padding
  EXPECT_EQ(OptionBytes(o), expected);
}

TEST(TcpOptionsTest, EqualityComparesValuesAndEffectiveLayout) {
  TcpOptions a;
  a.mss = 1460;
  a.window_scale = 7;
  TcpOptions b = a;
  EXPECT_EQ(a, b);
  // An explicit layout identical to the canonical one is equal...
  b.AppendLayout(OptionKind::kMss);
  b.AppendLayout(OptionKind::kNop);
  b.AppendLayout(OptionKind::kWindowScale);
  EXPECT_EQ(a, b);
  // ...a different one is not.
  TcpOptions c = a;
  c.AppendLayout(OptionKind::kWindowScale);
  c.AppendLayout(OptionKind::kMss);
  EXPECT_FALSE(a == c);
  TcpOptions d = a;
  d.mss = 1400;
  EXPECT_FALSE(a == d);
  // Blocks beyond sack_count do not matter.
  TcpOptions e = SackBlocks(1);
  TcpOptions f = SackBlocks(2);
  f.sack_count = 1;
  EXPECT_EQ(e, f);
  f.sack_blocks[0].right += 1;
  EXPECT_FALSE(e == f);
}

// Data segments (timestamps and/or SACK, canonical layout) have their own
// encoder and decoder path: it must give exactly the bytes the general one
// gives for the same options spelled as an explicit layout, for every
// block count (including more than fit), and parse back the same.
TEST(TcpOptionsTest, DataSegmentFastPathMatchesTheGeneralEncoder) {
  for (int with_ts = 0; with_ts < 2; ++with_ts) {
    for (int blocks = 0; blocks <= kMaxSackBlocks; ++blocks) {
      TcpOptions canonical = SackBlocks(blocks);
      if (with_ts) canonical.timestamps = Timestamps{0x01020304, 0xa0b0c0d0};
      TcpOptions spelled = canonical;
      if (with_ts) {
        spelled.AppendLayout(OptionKind::kNop);
        spelled.AppendLayout(OptionKind::kNop);
        spelled.AppendLayout(OptionKind::kTimestamps);
      }
      if (blocks > 0) {
        spelled.AppendLayout(OptionKind::kNop);
        spelled.AppendLayout(OptionKind::kNop);
        spelled.AppendLayout(OptionKind::kSack);
      }
      EXPECT_EQ(OptionBytes(canonical), OptionBytes(spelled))
          << "timestamps " << with_ts << " blocks " << blocks;
      EXPECT_EQ(canonical.WireSize(), spelled.WireSize());
      // What is sent parses back (a fourth block beside timestamps is not
      // sent, so that case cannot round-trip).
      if (!(with_ts && blocks == kMaxSackBlocks)) {
        const TcpOptions back = RoundTrip(canonical);
        EXPECT_EQ(back.timestamps.has_value(), with_ts == 1);
        EXPECT_EQ(back.sack_count, blocks);
      }
    }
  }
}

}  // namespace
}  // namespace tcplab::wire
