#include "netsim/live/ethernet.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "tcp/wire/ipv4_address.h"

namespace tcplab::live {
namespace {

using wire::Ipv4Address;

// "ff ff 08 06" -> bytes; lets a test spell a frame as it appears in RFC 826's
// field order (and in `tcpdump -xx`).
std::vector<uint8_t> Hex(const std::string& text) {
  std::vector<uint8_t> out;
  for (absl::string_view part : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(part), nullptr, 16)));
  }
  return out;
}

const MacAddress kOurs(0x02, 0x00, 0x00, 0x00, 0x00, 0x01);
const MacAddress kPeer(0x02, 0x00, 0x00, 0x00, 0x00, 0x02);

// ---------------------------------------------------------------- MacAddress

TEST(MacAddressTest, ParsesAndFormats) {
  absl::StatusOr<MacAddress> m = MacAddress::Parse("02:00:00:00:00:01");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(*m, kOurs);
  EXPECT_EQ(m->ToString(), "02:00:00:00:00:01");

  m = MacAddress::Parse("52:54:0A:bC:De:fF");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(*m, MacAddress(0x52, 0x54, 0x0a, 0xbc, 0xde, 0xff));
  EXPECT_EQ(m->ToString(), "52:54:0a:bc:de:ff");
}

TEST(MacAddressTest, RejectsMalformedTextWithTheReason) {
  EXPECT_EQ(MacAddress::Parse("02:00:00:00:00").status().message(),
            "invalid MAC address \"02:00:00:00:00\": found 5 ':'-separated groups (expected "
            "six pairs of hex digits separated by ':', e.g. 02:00:00:00:00:01)");
  EXPECT_EQ(MacAddress::Parse("").status().message(),
            "invalid MAC address \"\": found 1 ':'-separated group (expected six pairs of hex "
            "digits separated by ':', e.g. 02:00:00:00:00:01)");
  const struct {
    const char* text;
    const char* why;
  } cases[] = {
      {"02:00:00:00:00:01:02", "found 7 ':'-separated groups"},
      {"02-00-00-00-00-01", "found 1 ':'-separated group"},
      {"2:00:00:00:00:01", "group 1 \"2\" is not two hex digits"},
      {"02:00:00:00:00:001", "group 6 \"001\" is not two hex digits"},
      {"02:00::00:00:01", "group 3 \"\" is not two hex digits"},
      {"02:00:0g:00:00:01", "group 3 \"0g\" is not hexadecimal"},
      {" 02:00:00:00:00:01", "group 1 \" 02\" is not two hex digits"},
      {"02:00:00:00:00:0\n", "group 6 \"0\\n\" is not hexadecimal"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<MacAddress> m = MacAddress::Parse(c.text);
    ASSERT_FALSE(m.ok()) << c.text;
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(m.status().message().find(c.why), absl::string_view::npos)
        << c.text << " -> " << m.status().message();
  }
}

TEST(MacAddressTest, Classes) {
  EXPECT_EQ(MacAddress::Broadcast().ToString(), "ff:ff:ff:ff:ff:ff");
  EXPECT_TRUE(MacAddress::Broadcast().is_broadcast());
  EXPECT_TRUE(MacAddress::Broadcast().is_multicast());
  EXPECT_FALSE(MacAddress::Broadcast().is_unicast());

  const MacAddress mdns(0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb);
  EXPECT_TRUE(mdns.is_multicast());
  EXPECT_FALSE(mdns.is_broadcast());
  EXPECT_FALSE(mdns.is_unicast());

  EXPECT_FALSE(kOurs.is_multicast());
  EXPECT_TRUE(kOurs.is_locally_administered());
  EXPECT_TRUE(kOurs.is_unicast());
  EXPECT_FALSE(MacAddress(0x00, 0x1b, 0x21, 0x01, 0x02, 0x03).is_locally_administered());

  EXPECT_TRUE(MacAddress().is_zero());
  EXPECT_FALSE(MacAddress().is_unicast());
  EXPECT_LT(kOurs, kPeer);
}

TEST(MacAddressTest, LocallyAdministeredForIpv4) {
  EXPECT_EQ(MacAddress::LocallyAdministeredFor(Ipv4Address(10, 0, 0, 1)).ToString(),
            "02:74:0a:00:00:01");
  EXPECT_EQ(MacAddress::LocallyAdministeredFor(Ipv4Address(192, 168, 200, 255)).ToString(),
            "02:74:c0:a8:c8:ff");
  const MacAddress m = MacAddress::LocallyAdministeredFor(Ipv4Address(172, 16, 0, 9));
  EXPECT_TRUE(m.is_unicast());
  EXPECT_TRUE(m.is_locally_administered());
}

TEST(MacAddressTest, Ipv4MulticastMapping) {
  EXPECT_EQ(MacAddress::ForIpv4Multicast(Ipv4Address(224, 0, 0, 251)).ToString(),
            "01:00:5e:00:00:fb");
  // Only the low 23 bits survive: 239.129.2.3 and 224.1.2.3 share a MAC.
  EXPECT_EQ(MacAddress::ForIpv4Multicast(Ipv4Address(239, 129, 2, 3)).ToString(),
            "01:00:5e:01:02:03");
}

// ------------------------------------------------------------------ Ethernet

TEST(EthernetTest, ParsesHeaderAndViewsPayload) {
  const std::vector<uint8_t> frame = Hex(
      "02 00 00 00 00 01  02 00 00 00 00 02  08 00  45 00 00 14");
  EthernetFrame f;
  ASSERT_EQ(ParseEthernet(frame, &f), FrameError::kOk);
  EXPECT_EQ(f.header.dst, kOurs);
  EXPECT_EQ(f.header.src, kPeer);
  EXPECT_EQ(f.header.ethertype, kEtherTypeIpv4);
  EXPECT_EQ(f.payload.data(), frame.data() + 14);
  EXPECT_EQ(f.payload.size(), 4u);

  // A bare header: an empty payload is still a frame.
  ASSERT_EQ(ParseEthernet(absl::MakeConstSpan(frame).first(14), &f), FrameError::kOk);
  EXPECT_TRUE(f.payload.empty());
}

TEST(EthernetTest, RejectsTruncatedTaggedAnd8023FramesAndLeavesOutputAlone) {
  const std::vector<uint8_t> base = Hex("ff ff ff ff ff ff  02 00 00 00 00 02  08 06");
  EthernetFrame f;
  f.header.ethertype = 0x1234;
  for (size_t n = 0; n < 14; ++n) {
    EXPECT_EQ(ParseEthernet(absl::MakeConstSpan(base).first(n), &f),
              FrameError::kTruncatedEthernetHeader)
        << n;
  }
  const struct {
    uint16_t type;
    FrameError want;
  } cases[] = {
      {0x8100, FrameError::kVlanTagged},    {0x88a8, FrameError::kVlanTagged},
      {0x9100, FrameError::kVlanTagged},    {0x05dc, FrameError::kNotEthernetII},
      {0x0000, FrameError::kNotEthernetII}, {0x05ff, FrameError::kNotEthernetII},
      {0x0600, FrameError::kOk},            {0x86dd, FrameError::kOk},
  };
  for (const auto& c : cases) {
    std::vector<uint8_t> frame = base;
    frame[12] = static_cast<uint8_t>(c.type >> 8);
    frame[13] = static_cast<uint8_t>(c.type);
    frame.resize(30, 0);
    f.header.ethertype = 0x1234;
    EXPECT_EQ(ParseEthernet(frame, &f), c.want) << std::hex << c.type;
    EXPECT_EQ(f.header.ethertype, c.want == FrameError::kOk ? c.type : 0x1234);
  }
}

TEST(EthernetTest, WritesHeader) {
  std::vector<uint8_t> out(14, 0xee);
  ASSERT_EQ(WriteEthernetHeader({kPeer, kOurs, kEtherTypeArp}, absl::MakeSpan(out)), 14u);
  EXPECT_EQ(out, Hex("02 00 00 00 00 02  02 00 00 00 00 01  08 06"));
  std::vector<uint8_t> small(13, 0xee);
  EXPECT_EQ(WriteEthernetHeader({kPeer, kOurs, kEtherTypeArp}, absl::MakeSpan(small)), 0u);
  EXPECT_EQ(small, std::vector<uint8_t>(13, 0xee));
}

TEST(EthernetTest, ErrorNamesAndDescriptions) {
  EXPECT_EQ(FrameErrorName(FrameError::kVlanTagged), "vlan_tagged");
  EXPECT_EQ(FrameErrorName(FrameError::kArpBadOperation), "arp_bad_operation");
  EXPECT_EQ(FrameErrorDescription(FrameError::kVlanTagged),
            "802.1Q/802.1ad VLAN-tagged frame (tcplab's link is untagged)");
  for (int i = 0; i < kFrameErrorCount; ++i) {
    EXPECT_NE(FrameErrorName(static_cast<FrameError>(i)), "unknown") << i;
    EXPECT_NE(FrameErrorDescription(static_cast<FrameError>(i)), "unknown error") << i;
  }
}

// ----------------------------------------------------------------------- ARP

// RFC 826 field order: hrd(2) pro(2) hln(1) pln(1) op(2) sha(6) spa(4) tha(6)
// tpa(4), then 18 bytes of padding to the 60-byte minimum.
constexpr char kRequestFrame[] =
    "ff ff ff ff ff ff  02 00 00 00 00 01  08 06 "  // Ethernet: broadcast, from us, ARP
    "00 01  08 00  06  04  00 01 "                  // Ethernet, IPv4, 6, 4, request
    "02 00 00 00 00 01  0a 00 00 01 "               // sha, spa: us, 10.0.0.1
    "00 00 00 00 00 00  0a 00 00 02 "               // tha unknown, tpa 10.0.0.2
    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00";
constexpr char kReplyFrame[] =
    "02 00 00 00 00 01  02 00 00 00 00 02  08 06 "  // to the requester, from the peer
    "00 01  08 00  06  04  00 02 "                  // reply
    "02 00 00 00 00 02  0a 00 00 02 "               // sha, spa: the peer, 10.0.0.2
    "02 00 00 00 00 01  0a 00 00 01 "               // tha, tpa: the requester
    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00";

ArpPacket Request() {
  ArpPacket a;
  a.operation = ArpOperation::kRequest;
  a.sender_mac = kOurs;
  a.sender_ip = Ipv4Address(10, 0, 0, 1);
  a.target_ip = Ipv4Address(10, 0, 0, 2);
  return a;
}

ArpPacket Reply() {
  ArpPacket a;
  a.operation = ArpOperation::kReply;
  a.sender_mac = kPeer;
  a.sender_ip = Ipv4Address(10, 0, 0, 2);
  a.target_mac = kOurs;
  a.target_ip = Ipv4Address(10, 0, 0, 1);
  return a;
}

TEST(ArpTest, BuildsRequestFrameByteForByte) {
  std::vector<uint8_t> out(64, 0xee);
  ASSERT_EQ(BuildArpFrame(MacAddress::Broadcast(), kOurs, Request(), absl::MakeSpan(out)), 60u);
  out.resize(60);
  EXPECT_EQ(out, Hex(kRequestFrame));
}

TEST(ArpTest, BuildsReplyFrameByteForByte) {
  std::vector<uint8_t> out(60, 0xee);
  ASSERT_EQ(BuildArpFrame(kOurs, kPeer, Reply(), absl::MakeSpan(out)), 60u);
  EXPECT_EQ(out, Hex(kReplyFrame));
}

TEST(ArpTest, BuildRefusesShortBuffers) {
  std::vector<uint8_t> out(59, 0xee);
  EXPECT_EQ(BuildArpFrame(MacAddress::Broadcast(), kOurs, Request(), absl::MakeSpan(out)), 0u);
  EXPECT_EQ(out, std::vector<uint8_t>(59, 0xee));
  std::vector<uint8_t> arp(27, 0xee);
  EXPECT_EQ(WriteArp(Request(), absl::MakeSpan(arp)), 0u);
  arp.resize(28);
  EXPECT_EQ(WriteArp(Request(), absl::MakeSpan(arp)), 28u);
}

TEST(ArpTest, ParsesTheRfcLayout) {
  const std::vector<uint8_t> frame = Hex(kReplyFrame);
  EthernetFrame f;
  ASSERT_EQ(ParseEthernet(frame, &f), FrameError::kOk);
  EXPECT_EQ(f.header.ethertype, kEtherTypeArp);
  ArpPacket a;
  ASSERT_EQ(ParseArp(f.payload, &a), FrameError::kOk);  // with its 18 bytes of padding
  EXPECT_EQ(a.operation, ArpOperation::kReply);
  EXPECT_EQ(a.sender_mac, kPeer);
  EXPECT_EQ(a.sender_ip, Ipv4Address(10, 0, 0, 2));
  EXPECT_EQ(a.target_mac, kOurs);
  EXPECT_EQ(a.target_ip, Ipv4Address(10, 0, 0, 1));
  EXPECT_FALSE(a.is_gratuitous());
  EXPECT_FALSE(a.is_probe());

  // Exactly 28 bytes (a sender that did not pad) parses the same.
  ArpPacket b;
  ASSERT_EQ(ParseArp(f.payload.first(28), &b), FrameError::kOk);
  EXPECT_EQ(b.sender_mac, kPeer);
  EXPECT_EQ(b.target_ip, Ipv4Address(10, 0, 0, 1));
}

TEST(ArpTest, RejectsMalformedPacketsWithTheReasonAndLeavesOutputAlone) {
  const std::vector<uint8_t> good = Hex(kRequestFrame);
  const absl::Span<const uint8_t> arp = absl::MakeConstSpan(good).subspan(14, 28);
  ArpPacket untouched;
  untouched.sender_ip = Ipv4Address(1, 2, 3, 4);
  for (size_t n = 0; n < 28; ++n) {
    ArpPacket a = untouched;
    EXPECT_EQ(ParseArp(arp.first(n), &a), FrameError::kTruncatedArp) << n;
    EXPECT_EQ(a.sender_ip, untouched.sender_ip);
  }
  const struct {
    size_t offset;
    uint8_t value;
    FrameError want;
  } cases[] = {
      {1, 0x06, FrameError::kArpNotEthernet},   // hardware type 6 (IEEE 802)
      {0, 0x01, FrameError::kArpNotEthernet},   // hardware type 0x0101
      {4, 0x08, FrameError::kArpNotEthernet},   // hardware length 8
      {2, 0x86, FrameError::kArpNotIpv4},       // protocol 0x8600
      {5, 0x10, FrameError::kArpNotIpv4},       // protocol length 16
      {7, 0x03, FrameError::kArpBadOperation},  // RARP request
      {7, 0x00, FrameError::kArpBadOperation},
      {6, 0x01, FrameError::kArpBadOperation},  // 0x0101
  };
  for (const auto& c : cases) {
    std::vector<uint8_t> bytes(arp.begin(), arp.end());
    bytes[c.offset] = c.value;
    ArpPacket a = untouched;
    EXPECT_EQ(ParseArp(bytes, &a), c.want) << c.offset << " = " << int{c.value};
    EXPECT_EQ(a.sender_ip, untouched.sender_ip);
  }
}

TEST(ArpTest, RoundTripsAndRecognisesGratuitousAndProbes) {
  ArpPacket g = Request();
  g.target_ip = g.sender_ip;
  EXPECT_TRUE(g.is_gratuitous());
  ArpPacket probe = Request();
  probe.sender_ip = Ipv4Address();
  EXPECT_TRUE(probe.is_probe());
  for (const ArpPacket& in : {Request(), Reply(), g, probe}) {
    std::vector<uint8_t> bytes(28);
    ASSERT_EQ(WriteArp(in, absl::MakeSpan(bytes)), 28u);
    ArpPacket out;
    ASSERT_EQ(ParseArp(bytes, &out), FrameError::kOk);
    EXPECT_EQ(out.operation, in.operation);
    EXPECT_EQ(out.sender_mac, in.sender_mac);
    EXPECT_EQ(out.sender_ip, in.sender_ip);
    EXPECT_EQ(out.target_mac, in.target_mac);
    EXPECT_EQ(out.target_ip, in.target_ip);
  }
}

// Any bytes: no crash, no read past the end (ASan checks the latter), and a
// frame either parses or names one reason.
TEST(ArpTest, ArbitraryBytesNeverCrash) {
  uint64_t state = 0x9e3779b97f4a7c15u;
  auto next = [&state] {
    state = state * 6364136223846793005u + 1442695040888963407u;
    return static_cast<uint8_t>(state >> 56);
  };
  int ok_frames = 0;
  for (int round = 0; round < 20000; ++round) {
    std::vector<uint8_t> bytes(next() % 80);
    for (uint8_t& b : bytes) b = next();
    // Bias towards ARP headers so the deeper checks run too.
    if (bytes.size() >= 20 && round % 2 == 0) {
      bytes[12] = 0x08;
      bytes[13] = 0x06;
      bytes[14] = 0x00;
      bytes[15] = 0x01;
      bytes[16] = 0x08;
      bytes[17] = 0x00;
    }
    std::vector<uint8_t> copy(bytes.begin(), bytes.end());  // exactly sized for ASan
    EthernetFrame f;
    const FrameError e = ParseEthernet(copy, &f);
    if (e != FrameError::kOk) continue;
    ++ok_frames;
    ArpPacket a;
    const FrameError ae = ParseArp(f.payload, &a);
    EXPECT_LT(static_cast<int>(ae), kFrameErrorCount);
  }
  EXPECT_GT(ok_frames, 1000);
}

}  // namespace
}  // namespace tcplab::live
