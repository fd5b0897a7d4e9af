#include "tcp/wire/packet.h"

#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tcp/wire/checksum.h"
#include "tcp/wire/wire_test_util.h"

namespace tcplab::wire {
namespace {

using testing::Bytes;
using testing::FixChecksums;
using testing::PutU16;
using testing::ScapyData;
using testing::ScapySyn;
using testing::Serialize;
using testing::WithOptionBytes;

ParseError Parse(const Bytes& b) {
  Packet p;
  return ParsePacket(b, &p);
}

// The fields of ScapyData(): 5 bytes of "hello" from 10.1.1.1:80.
Packet ScapyDataPacket() {
  static constexpr uint8_t kHello[] = {'h', 'e', 'l', 'l', 'o'};
  Packet d;
  d.ip.id = 7;
  d.ip.src = Ipv4Address(10, 1, 1, 1);
  d.ip.dst = Ipv4Address(10, 1, 1, 2);
  d.tcp.src_port = 80;
  d.tcp.dst_port = 40000;
  d.tcp.seq = Seq(1000);
  d.tcp.ack = Seq(2000);
  d.tcp.flags = flags::kPsh | flags::kAck;
  d.tcp.window = 501;
  d.payload = kHello;
  return d;
}

TEST(ParsePacketTest, ScapySynFields) {
  const Bytes b = ScapySyn();
  Packet p;
  ASSERT_EQ(ParsePacket(b, &p), ParseError::kOk);
  EXPECT_EQ(p.ip.tos, 0);
  EXPECT_EQ(p.ip.id, 0x1c46);
  EXPECT_TRUE(p.ip.dont_fragment);
  EXPECT_EQ(p.ip.ttl, 64);
  EXPECT_EQ(p.ip.src, Ipv4Address(192, 168, 1, 10));
  EXPECT_EQ(p.ip.dst, Ipv4Address(93, 184, 216, 34));
  EXPECT_EQ(p.tcp.src_port, 54321);
  EXPECT_EQ(p.tcp.dst_port, 443);
  EXPECT_EQ(p.tcp.seq, Seq(0x3ade68b1));
  EXPECT_EQ(p.tcp.ack, Seq(0));
  EXPECT_EQ(p.tcp.flags, flags::kSyn);
  EXPECT_EQ(p.tcp.window, 64240);
  EXPECT_EQ(p.tcp.urgent, 0);
  EXPECT_EQ(p.tcp.options.mss, 1460);
  EXPECT_TRUE(p.tcp.options.sack_permitted);
  EXPECT_EQ(p.tcp.options.timestamps, (Timestamps{2868381563u, 0}));
  EXPECT_EQ(p.tcp.options.window_scale, 7);
  EXPECT_EQ(p.tcp.options.sack_count, 0);
  ASSERT_EQ(p.tcp.options.layout_size, 5);
  EXPECT_EQ(p.tcp.options.layout[0], 2);
  EXPECT_EQ(p.tcp.options.layout[1], 4);
  EXPECT_EQ(p.tcp.options.layout[2], 8);
  EXPECT_EQ(p.tcp.options.layout[3], 1);
  EXPECT_EQ(p.tcp.options.layout[4], 3);
  EXPECT_TRUE(p.payload.empty());
  EXPECT_EQ(p.SeqLength(), 1u);
}

TEST(ParsePacketTest, ScapyDataFieldsAndPayloadView) {
  const Bytes b = ScapyData();
  Packet p;
  ASSERT_EQ(ParsePacket(b, &p), ParseError::kOk);
  EXPECT_EQ(p.tcp.flags, flags::kPsh | flags::kAck);
  EXPECT_EQ(p.tcp.seq, Seq(1000));
  EXPECT_EQ(p.tcp.ack, Seq(2000));
  EXPECT_EQ(p.tcp.window, 501);
  EXPECT_EQ(p.tcp.options, TcpOptions());
  EXPECT_EQ(std::string(p.payload.begin(), p.payload.end()), "hello");
  EXPECT_EQ(p.payload.data(), b.data() + 40);  // a view, not a copy
  EXPECT_EQ(p.SeqLength(), 5u);
}

TEST(SerializePacketTest, ReproducesScapyBytes) {
  Packet p;
  p.ip.id = 0x1c46;
  p.ip.src = Ipv4Address(192, 168, 1, 10);
  p.ip.dst = Ipv4Address(93, 184, 216, 34);
  p.tcp.src_port = 54321;
  p.tcp.dst_port = 443;
  p.tcp.seq = Seq(0x3ade68b1);
  p.tcp.flags = flags::kSyn;
  p.tcp.window = 64240;
  p.tcp.options.mss = 1460;
  p.tcp.options.sack_permitted = true;
  p.tcp.options.timestamps = Timestamps{2868381563u, 0};
  p.tcp.options.window_scale = 7;
  EXPECT_EQ(SerializedSize(p), 60u);
  EXPECT_EQ(Serialize(p), ScapySyn());  // canonical layout == Linux's == scapy's here

  EXPECT_EQ(Serialize(ScapyDataPacket()), ScapyData());
}

// Transmit checksum offload: the field is left 0 and completing it gives
// the bytes a checksumming serializer writes (here scapy's).
TEST(SerializePacketTest, LeavesTheTcpChecksumToAnOffload) {
  const Packet d = ScapyDataPacket();
  Bytes b(SerializedSize(d));
  ASSERT_EQ(SerializePacket(d, absl::MakeSpan(b), /*tcp_checksum=*/false), b.size());
  EXPECT_EQ(b[36], 0);
  EXPECT_EQ(b[37], 0);
  Bytes want = ScapyData();
  want[36] = want[37] = 0;
  EXPECT_EQ(b, want);  // everything else as with the checksum
  ASSERT_TRUE(CompletePendingChecksum(absl::MakeSpan(b)));
  EXPECT_EQ(b, ScapyData());
}

TEST(SerializePacketTest, HeaderFieldsAndNoDf) {
  Packet p;
  p.ip.tos = 0xb8;
  p.ip.dont_fragment = false;
  p.ip.ttl = 3;
  p.ip.id = 0xbeef;
  p.tcp.urgent = 0x1234;
  p.tcp.flags = 0xff;
  const Bytes b = Serialize(p);
  ASSERT_EQ(b.size(), 40u);
  EXPECT_EQ(b[0], 0x45);
  EXPECT_EQ(b[1], 0xb8);
  EXPECT_EQ(b[6], 0);
  EXPECT_EQ(b[7], 0);
  EXPECT_EQ(b[8], 3);
  EXPECT_EQ(b[32], 0x50);
  EXPECT_EQ(b[33], 0xff);
  Packet q;
  ASSERT_EQ(ParsePacket(b, &q), ParseError::kOk);
  EXPECT_EQ(q.ip.tos, 0xb8);
  EXPECT_FALSE(q.ip.dont_fragment);
  EXPECT_EQ(q.ip.id, 0xbeef);
  EXPECT_EQ(q.tcp.urgent, 0x1234);
  EXPECT_EQ(q.tcp.flags, 0xff);
}

TEST(SerializePacketTest, BufferTooSmallWritesNothing) {
  Packet p;
  p.tcp.options.mss = 1460;
  Bytes b(SerializedSize(p) - 1, 0xee);
  EXPECT_EQ(SerializePacket(p, absl::MakeSpan(b)), 0u);
  EXPECT_EQ(b, Bytes(b.size(), 0xee));
  Bytes empty;
  EXPECT_EQ(SerializePacket(p, absl::MakeSpan(empty)), 0u);
}

TEST(SerializePacketTest, RefusesPacketsOver65535Bytes) {
  const Bytes big(65535 - 40 + 1, 0);
  Packet p;
  p.payload = big;
  Bytes out(SerializedSize(p));
  EXPECT_EQ(SerializePacket(p, absl::MakeSpan(out)), 0u);
  p.payload = absl::MakeConstSpan(big.data(), big.size() - 1);
  EXPECT_EQ(SerializePacket(p, absl::MakeSpan(out)), 65535u);
}

TEST(SerializePacketTest, SeqLengthCountsSynAndFin) {
  const Bytes data(10, 0);
  Packet p;
  p.payload = data;
  EXPECT_EQ(p.SeqLength(), 10u);
  p.tcp.flags = flags::kSyn | flags::kFin;
  EXPECT_EQ(p.SeqLength(), 12u);
  p.tcp.flags = flags::kFin | flags::kAck;
  EXPECT_EQ(p.SeqLength(), 11u);
}

TEST(ParsePacketTest, LinkPaddingIgnored) {
  Bytes b = ScapyData();
  b.push_back(0);
  b.push_back(0);
  b.push_back(0xff);
  Packet p;
  ASSERT_EQ(ParsePacket(b, &p), ParseError::kOk);
  EXPECT_EQ(p.payload.size(), 5u);
}

TEST(ParsePacketTest, IpOptionsAreSkipped) {
  Bytes b = ScapyData();
  // Insert 4 bytes of IP options (NOP NOP NOP EOL) after the fixed header.
  b.insert(b.begin() + 20, {0x01, 0x01, 0x01, 0x00});
  b[0] = 0x46;
  PutU16(b, 2, static_cast<uint16_t>(b.size()));
  FixChecksums(b);
  Packet p;
  ASSERT_EQ(ParsePacket(b, &p), ParseError::kOk);
  EXPECT_EQ(p.tcp.src_port, 80);
  EXPECT_EQ(std::string(p.payload.begin(), p.payload.end()), "hello");
}

TEST(ParsePacketTest, ErrorLeavesOutputUntouched) {
  Packet p;
  p.tcp.src_port = 4242;
  Bytes b = ScapySyn();
  b[11] ^= 1;
  ASSERT_EQ(ParsePacket(b, &p), ParseError::kBadIpChecksum);
  EXPECT_EQ(p.tcp.src_port, 4242);
}

TEST(ParsePacketTest, OptionErrorLeavesOptionsUntouched) {
  Packet p;
  p.tcp.options.mss = 536;
  ASSERT_EQ(ParsePacket(WithOptionBytes({1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 2, 3, 5, 0}), &p),
            ParseError::kOptionBadLength);
  EXPECT_EQ(p.tcp.options.mss, 536);
  EXPECT_FALSE(p.tcp.options.timestamps.has_value());
}

TEST(ParsePacketTest, ReusedPacketKeepsNothingFromTheLastOne) {
  // Stack::Input parses every packet into the same Packet; each parse,
  // in place (NOP NOP TS) or through a copy, must replace every option.
  Packet p;
  ASSERT_EQ(ParsePacket(ScapySyn(), &p), ParseError::kOk);
  ASSERT_EQ(ParsePacket(WithOptionBytes({1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9}), &p),
            ParseError::kOk);
  Packet fresh;
  fresh.tcp.options.timestamps = Timestamps{7, 9};
  fresh.tcp.options.AppendLayout(OptionKind::kNop);
  fresh.tcp.options.AppendLayout(OptionKind::kNop);
  fresh.tcp.options.AppendLayout(OptionKind::kTimestamps);
  EXPECT_TRUE(p.tcp.options == fresh.tcp.options);
  EXPECT_FALSE(p.tcp.options.mss.has_value());
  EXPECT_FALSE(p.tcp.options.sack_permitted);
  ASSERT_EQ(ParsePacket(WithOptionBytes({}), &p), ParseError::kOk);
  EXPECT_TRUE(p.tcp.options == TcpOptions());
  EXPECT_EQ(p.tcp.options.layout_size, 0);
  // NOP NOP TS NOP NOP SACK (two blocks), as in loss recovery, then TS only.
  ASSERT_EQ(ParsePacket(WithOptionBytes({1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9, 1, 1, 5, 18,
                                         0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0, 40}),
                        &p),
            ParseError::kOk);
  ASSERT_EQ(p.tcp.options.sack_count, 2);
  EXPECT_EQ(p.tcp.options.sack_blocks[1], (SackBlock{Seq(30), Seq(40)}));
  EXPECT_EQ(p.tcp.options.layout_size, 6);
  ASSERT_EQ(ParsePacket(WithOptionBytes({1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9}), &p),
            ParseError::kOk);
  EXPECT_TRUE(p.tcp.options == fresh.tcp.options);
  EXPECT_EQ(p.tcp.options.sack_count, 0);
}

TEST(ParsePacketTest, BadSackAfterTimestampsLeavesOptionsUntouched) {
  Packet p;
  p.tcp.options.mss = 536;
  // SACK length 12: not whole blocks (then EOL padding).
  ASSERT_EQ(ParsePacket(WithOptionBytes({1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9, 1, 1, 5, 12, 0, 0,
                                         0, 1, 0, 0, 0, 2, 0, 0, 0, 0}),
                        &p),
            ParseError::kOptionBadLength);
  EXPECT_EQ(p.tcp.options.mss, 536);
}

TEST(ParsePacketTest, ChecksumVerificationCanBeTurnedOff) {
  Bytes b = ScapySyn();
  PutU16(b, 10, 0);
  PutU16(b, 36, 0);
  Packet p;
  EXPECT_EQ(ParsePacket(b, &p), ParseError::kBadIpChecksum);
  EXPECT_EQ(ParsePacket(b, &p, {.verify_checksums = false}), ParseError::kOk);
  EXPECT_EQ(p.tcp.options.mss, 1460);
}

// One test per ParseError kind, on hand-made bytes.

TEST(ParseErrorTest, TruncatedIpHeader) {
  EXPECT_EQ(Parse({}), ParseError::kTruncatedIpHeader);
  Bytes b = ScapySyn();
  b.resize(19);
  EXPECT_EQ(Parse(b), ParseError::kTruncatedIpHeader);
}

TEST(ParseErrorTest, NotIpv4) {
  Bytes b = ScapySyn();
  b[0] = 0x65;  // version 6
  EXPECT_EQ(Parse(b), ParseError::kNotIpv4);
  b[0] = 0x05;
  EXPECT_EQ(Parse(b), ParseError::kNotIpv4);
}

TEST(ParseErrorTest, IpHeaderLengthTooSmall) {
  Bytes b = ScapySyn();
  b[0] = 0x44;
  EXPECT_EQ(Parse(b), ParseError::kIpHeaderLengthTooSmall);
  b[0] = 0x40;
  EXPECT_EQ(Parse(b), ParseError::kIpHeaderLengthTooSmall);
}

TEST(ParseErrorTest, IpHeaderPastEnd) {
  // IHL 15 (60 bytes) in a 40-byte buffer.
  Bytes b = ScapyData();
  b.resize(40);
  PutU16(b, 2, 40);
  b[0] = 0x4f;
  EXPECT_EQ(Parse(b), ParseError::kIpHeaderPastEnd);
  // IHL 6 (24 bytes) within the buffer but beyond a total length of 22.
  Bytes c = ScapyData();
  c[0] = 0x46;
  PutU16(c, 2, 22);
  FixChecksums(c);
  EXPECT_EQ(Parse(c), ParseError::kIpHeaderPastEnd);
}

TEST(ParseErrorTest, IpTotalLengthMismatch) {
  Bytes b = ScapyData();
  b.pop_back();  // total length 45 > 44 bytes
  EXPECT_EQ(Parse(b), ParseError::kIpTotalLengthMismatch);
  Bytes c = ScapyData();
  PutU16(c, 2, 19);
  FixChecksums(c);
  EXPECT_EQ(Parse(c), ParseError::kIpTotalLengthMismatch);
}

TEST(ParseErrorTest, IpFragment) {
  Bytes mf = ScapyData();
  mf[6] = 0x20;  // MF
  FixChecksums(mf);
  EXPECT_EQ(Parse(mf), ParseError::kIpFragment);
  Bytes offset = ScapyData();
  PutU16(offset, 6, 0x4001);  // DF, offset 8 bytes
  FixChecksums(offset);
  EXPECT_EQ(Parse(offset), ParseError::kIpFragment);
  Bytes last = ScapyData();
  PutU16(last, 6, 0x1fff);
  FixChecksums(last);
  EXPECT_EQ(Parse(last), ParseError::kIpFragment);
}

TEST(ParseErrorTest, NotTcp) {
  Bytes b = ScapyData();
  b[9] = 17;  // UDP
  FixChecksums(b);
  EXPECT_EQ(Parse(b), ParseError::kNotTcp);
}

TEST(ParseErrorTest, BadIpChecksum) {
  Bytes b = ScapyData();
  b[10] ^= 0x80;
  EXPECT_EQ(Parse(b), ParseError::kBadIpChecksum);
  Bytes c = ScapyData();
  c[8] = 63;  // TTL changed without fixing the checksum
  EXPECT_EQ(Parse(c), ParseError::kBadIpChecksum);
}

TEST(ParseErrorTest, TruncatedTcpHeader) {
  Bytes b = ScapyData();
  b.resize(39);
  PutU16(b, 2, 39);
  FixChecksums(b);
  EXPECT_EQ(Parse(b), ParseError::kTruncatedTcpHeader);
  Bytes c = ScapyData();
  c.resize(20);
  PutU16(c, 2, 20);
  FixChecksums(c);
  EXPECT_EQ(Parse(c), ParseError::kTruncatedTcpHeader);
}

TEST(ParseErrorTest, TcpDataOffsetTooSmall) {
  Bytes b = ScapyData();
  b[32] = 0x40;
  FixChecksums(b);
  EXPECT_EQ(Parse(b), ParseError::kTcpDataOffsetTooSmall);
  b[32] = 0x00;
  FixChecksums(b);
  EXPECT_EQ(Parse(b), ParseError::kTcpDataOffsetTooSmall);
}

TEST(ParseErrorTest, TcpDataOffsetPastEnd) {
  Bytes b = ScapySyn();  // 40-byte segment
  b[32] = 0xb0;          // 44 bytes
  FixChecksums(b);
  EXPECT_EQ(Parse(b), ParseError::kTcpDataOffsetPastEnd);
  // Bytes past the IP total length do not count as segment.
  Bytes c = ScapySyn();
  c[32] = 0xb0;
  c.insert(c.end(), 8, 0);
  FixChecksums(c);
  EXPECT_EQ(Parse(c), ParseError::kTcpDataOffsetPastEnd);
}

TEST(ParseErrorTest, BadTcpChecksum) {
  Bytes b = ScapySyn();
  b[37] ^= 1;
  EXPECT_EQ(Parse(b), ParseError::kBadTcpChecksum);
  Bytes c = ScapyData();
  c.back() = 'O';  // payload is covered
  EXPECT_EQ(Parse(c), ParseError::kBadTcpChecksum);
  Bytes d = ScapyData();
  d[19] = 3;  // destination address: covered by the pseudo-header
  PutU16(d, 10, 0);
  PutU16(d, 10, InternetChecksum(absl::MakeConstSpan(d.data(), 20)));
  EXPECT_EQ(Parse(d), ParseError::kBadTcpChecksum);
}

TEST(ParseErrorTest, OptionLengthTooSmall) {
  EXPECT_EQ(Parse(WithOptionBytes({2, 0, 5, 0xb4})), ParseError::kOptionLengthTooSmall);
  EXPECT_EQ(Parse(WithOptionBytes({2, 1, 5, 0xb4})), ParseError::kOptionLengthTooSmall);
  EXPECT_EQ(Parse(WithOptionBytes({1, 1, 99, 1})), ParseError::kOptionLengthTooSmall);
}

TEST(ParseErrorTest, OptionPastHeader) {
  // Kind byte with no room for its length.
  EXPECT_EQ(Parse(WithOptionBytes({1, 1, 1, 2})), ParseError::kOptionPastHeader);
  // Length runs past the header (into the payload, which does not count).
  EXPECT_EQ(Parse(WithOptionBytes({1, 1, 8, 10}, Bytes(20, 0))), ParseError::kOptionPastHeader);
  EXPECT_EQ(Parse(WithOptionBytes({99, 5, 0, 0})), ParseError::kOptionPastHeader);
}

TEST(ParseErrorTest, OptionBadLength) {
  EXPECT_EQ(Parse(WithOptionBytes({2, 3, 5, 0})), ParseError::kOptionBadLength);  // MSS
  EXPECT_EQ(Parse(WithOptionBytes({2, 2, 1, 1})), ParseError::kOptionBadLength);  // MSS
  EXPECT_EQ(Parse(WithOptionBytes({3, 4, 7, 0})), ParseError::kOptionBadLength);  // WS
  EXPECT_EQ(Parse(WithOptionBytes({3, 2, 1, 1})), ParseError::kOptionBadLength);  // WS
  EXPECT_EQ(Parse(WithOptionBytes({4, 3, 0, 0})), ParseError::kOptionBadLength);  // SACK-perm
  EXPECT_EQ(Parse(WithOptionBytes({4, 4, 0, 0})), ParseError::kOptionBadLength);  // SACK-perm
  EXPECT_EQ(Parse(WithOptionBytes({8, 8, 0, 0, 0, 0, 0, 0})), ParseError::kOptionBadLength);  // TS
  EXPECT_EQ(Parse(WithOptionBytes({8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})),
            ParseError::kOptionBadLength);                                        // TS
  EXPECT_EQ(Parse(WithOptionBytes({5, 2, 1, 1})), ParseError::kOptionBadLength);  // SACK, 0 blocks
  Bytes sack = {5, 14};                                                           // 1.5 blocks
  sack.resize(16, 0);
  EXPECT_EQ(Parse(WithOptionBytes(sack)), ParseError::kOptionBadLength);
}

TEST(ParseErrorTest, EveryKindHasADistinctNameAndDescription) {
  std::set<std::string> names;
  std::set<std::string> descriptions;
  for (int i = 0; i < kParseErrorCount; ++i) {
    const auto e = static_cast<ParseError>(i);
    const std::string name(ParseErrorName(e));
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_"), std::string::npos)
        << name;
    names.insert(name);
    descriptions.insert(std::string(ParseErrorDescription(e)));
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(kParseErrorCount));
  EXPECT_EQ(descriptions.size(), static_cast<size_t>(kParseErrorCount));
  EXPECT_EQ(ParseErrorName(ParseError::kOk), "ok");
  EXPECT_EQ(ParseErrorName(ParseError::kBadTcpChecksum), "bad_tcp_checksum");
  EXPECT_EQ(ParseErrorDescription(ParseError::kBadTcpChecksum), "TCP checksum does not match");
  EXPECT_EQ(ParseErrorName(ParseError::kOptionBadLength), "option_bad_length");
  EXPECT_EQ(ParseErrorName(static_cast<ParseError>(200)), "unknown");
}

TEST(ParsePacketTest, UnknownOptionsSkippedAndEolEndsParsing) {
  // opt-99 (len 4), NOP, MSS, EOL, then junk that must not be parsed.
  Packet p;
  const Bytes b = WithOptionBytes({99, 4, 0xaa, 0xbb, 1, 2, 4, 0x05, 0xb4, 0, 2, 1});
  ASSERT_EQ(ParsePacket(b, &p), ParseError::kOk);
  EXPECT_EQ(p.tcp.options.mss, 1460);
  ASSERT_EQ(p.tcp.options.layout_size, 4);
  EXPECT_EQ(p.tcp.options.layout[0], 99);
  EXPECT_EQ(p.tcp.options.layout[1], 1);
  EXPECT_EQ(p.tcp.options.layout[2], 2);
  EXPECT_EQ(p.tcp.options.layout[3], 0);
}

TEST(ParsePacketTest, FortyNopsFillTheLayout) {
  Packet p;
  ASSERT_EQ(ParsePacket(WithOptionBytes(Bytes(40, 1)), &p), ParseError::kOk);
  EXPECT_EQ(p.tcp.options.layout_size, 40);
  EXPECT_EQ(p.tcp.options.WireSize(), 40);
}

}  // namespace
}  // namespace tcplab::wire
