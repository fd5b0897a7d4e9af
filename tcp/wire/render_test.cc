#include "tcp/wire/render.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "tcp/wire/packet.h"

namespace tcplab::wire {
namespace {

constexpr Ipv4Address kClient(10, 0, 0, 1);
constexpr Ipv4Address kServer(10, 0, 0, 2);

Packet Segment(uint8_t flag_bits, uint32_t seq, uint32_t ack, uint16_t window) {
  Packet p;
  p.ip.src = kClient;
  p.ip.dst = kServer;
  p.tcp.src_port = 49152;
  p.tcp.dst_port = 80;
  p.tcp.flags = flag_bits;
  p.tcp.seq = Seq(seq);
  p.tcp.ack = Seq(ack);
  p.tcp.window = window;
  return p;
}

TEST(RenderTest, SynAckRelativeWithCanonicalOptions) {
  Packet p = Segment(flags::kSyn | flags::kAck, 5000, 1001, 65535);
  p.tcp.options.mss = 1460;
  p.tcp.options.sack_permitted = true;
  p.tcp.options.timestamps = Timestamps{100, 7};
  p.tcp.options.window_scale = 7;
  RenderOptions r;
  r.relative = true;
  r.sender_isn = Seq(5000);
  r.receiver_isn = Seq(1000);
  EXPECT_EQ(RenderPacket(p, r),
            "10.0.0.1:49152 > 10.0.0.2:80 S. 0:0(0) ack 1 win 65535 "
            "<mss 1460,sackOK,TS val 100 ecr 7,nop,wscale 7>");
}

TEST(RenderTest, DataAndPureAck) {
  const std::vector<uint8_t> data(1448, 'x');
  Packet p = Segment(flags::kPsh | flags::kAck, 1, 1, 502);
  p.payload = data;
  RenderOptions r;
  r.with_addresses = false;
  EXPECT_EQ(RenderPacket(p, r), "P. 1:1449(1448) ack 1 win 502");
  Packet a = Segment(flags::kAck, 1449, 1, 502);
  EXPECT_EQ(RenderPacket(a, r), ". 1449:1449(0) ack 1 win 502");
}

TEST(RenderTest, AckOnlyWithAckFlagAndAbsoluteNumbersByDefault) {
  Packet p = Segment(flags::kSyn, 0xfffffff0u, 12345, 64240);
  EXPECT_EQ(RenderPacket(p), "10.0.0.1:49152 > 10.0.0.2:80 S 4294967280:4294967280(0) win 64240");
}

TEST(RenderTest, RelativeAcrossWrap) {
  const std::vector<uint8_t> data(32, 0);
  Packet p = Segment(flags::kAck, 0x00000010u, 0x20, 100);
  p.payload = data;
  RenderOptions r;
  r.relative = true;
  r.with_addresses = false;
  r.sender_isn = Seq(0xfffffff0u);
  r.receiver_isn = Seq(0x10);
  EXPECT_EQ(RenderPacket(p, r), ". 32:64(32) ack 16 win 100");
}

TEST(RenderTest, Flags) {
  EXPECT_EQ(RenderFlags(0), "none");
  EXPECT_EQ(RenderFlags(flags::kSyn), "S");
  EXPECT_EQ(RenderFlags(flags::kSyn | flags::kAck), "S.");
  EXPECT_EQ(RenderFlags(flags::kFin | flags::kPsh | flags::kAck), "FP.");
  EXPECT_EQ(RenderFlags(flags::kRst), "R");
  EXPECT_EQ(RenderFlags(0xff), "FSRP.UEW");
  EXPECT_EQ(RenderFlags(flags::kEce | flags::kCwr | flags::kSyn), "SEW");
}

TEST(RenderTest, OptionsListCanonicalAndExplicit) {
  TcpOptions o;
  EXPECT_EQ(RenderOptionsList(o), "");
  o.mss = 1460;
  o.sack_permitted = true;
  o.window_scale = 7;
  EXPECT_EQ(RenderOptionsList(o), "<mss 1460,nop,nop,sackOK,nop,wscale 7>");

  TcpOptions e;
  e.timestamps = Timestamps{1, 2};
  e.AddSackBlock({Seq(1001), Seq(2001)});
  e.AddSackBlock({Seq(3001), Seq(4001)});
  EXPECT_EQ(RenderOptionsList(e), "<nop,nop,TS val 1 ecr 2,nop,nop,sack 1001:2001 3001:4001>");
  RenderOptions rel;
  rel.relative = true;
  rel.sender_isn = Seq(7);
  rel.receiver_isn = Seq(1000);
  EXPECT_EQ(RenderOptionsList(e, rel), "<nop,nop,TS val 1 ecr 2,nop,nop,sack 1:1001 2001:3001>");

  TcpOptions x;
  x.mss = 536;
  x.AppendLayout(OptionKind::kNop);
  x.AppendLayout(OptionKind::kMss);
  x.AppendLayout(OptionKind::kWindowScale);  // no value: not printed
  x.layout[x.layout_size++] = 254;
  x.AppendLayout(OptionKind::kEol);
  EXPECT_EQ(RenderOptionsList(x), "<nop,mss 536,opt-254,eol>");
}

TEST(RenderTest, UrgentPointerWithUrg) {
  Packet p = Segment(flags::kAck | flags::kUrg, 1, 1, 10);
  p.tcp.urgent = 3;
  RenderOptions r;
  r.with_addresses = false;
  EXPECT_EQ(RenderPacket(p, r), ".U 1:1(0) ack 1 win 10 urg 3");
}

TEST(RenderTest, ParsedPacketRendersItsWireLayout) {
  Packet p = Segment(flags::kSyn, 1, 0, 1024);
  p.tcp.options.mss = 1400;
  p.tcp.options.window_scale = 2;
  p.tcp.options.AppendLayout(OptionKind::kWindowScale);
  p.tcp.options.AppendLayout(OptionKind::kNop);
  p.tcp.options.AppendLayout(OptionKind::kMss);
  std::vector<uint8_t> buf(SerializedSize(p));
  ASSERT_EQ(SerializePacket(p, absl::MakeSpan(buf)), buf.size());
  Packet q;
  ASSERT_EQ(ParsePacket(buf, &q), ParseError::kOk);
  RenderOptions r;
  r.with_addresses = false;
  // wscale(3) nop(1) mss(4) = 8 bytes, no padding needed.
  EXPECT_EQ(RenderPacket(q, r), "S 1:1(0) win 1024 <wscale 2,nop,mss 1400>");
}

}  // namespace
}  // namespace tcplab::wire
