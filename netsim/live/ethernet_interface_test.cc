#include "netsim/live/ethernet_interface.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "netsim/live/ethernet.h"
#include "tcp/base/instant.h"
#include "tcp/wire/ipv4_address.h"
#include "tcp/wire/packet.h"

namespace tcplab::live {
namespace {

using wire::Ipv4Address;
using Bytes = std::vector<uint8_t>;

Bytes Hex(const std::string& text) {
  Bytes out;
  for (absl::string_view part : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(part), nullptr, 16)));
  }
  return out;
}

const MacAddress kOurMac(0x02, 0x00, 0x00, 0x00, 0x00, 0x01);
const MacAddress kPeerMac(0x02, 0x00, 0x00, 0x00, 0x00, 0x02);
const MacAddress kOtherMac(0x02, 0x00, 0x00, 0x00, 0x00, 0x03);
const MacAddress kGatewayMac(0x02, 0x00, 0x00, 0x00, 0x00, 0xfe);
const Ipv4Address kOurIp(10, 0, 0, 1);
const Ipv4Address kPeerIp(10, 0, 0, 2);
const Ipv4Address kGatewayIp(10, 0, 0, 254);
const Ipv4Address kRemoteIp(192, 0, 2, 80);  // off-link
const Instant kT0 = Instant::Zero() + absl::Seconds(100);

Instant At(absl::Duration d) { return kT0 + d; }

class RecordingSink : public FrameSink {
 public:
  void SendFrame(absl::Span<const uint8_t> frame) override {
    frames.emplace_back(frame.begin(), frame.end());
  }
  // The frames sent since the last call.
  std::vector<Bytes> Take() { return std::exchange(frames, {}); }
  std::vector<Bytes> frames;
};

// A real IPv4/TCP packet (valid checksums), 40 bytes plus `payload`.
Bytes IpPacket(Ipv4Address src, Ipv4Address dst, const std::string& payload = "") {
  wire::Packet p;
  p.ip.src = src;
  p.ip.dst = dst;
  p.tcp.src_port = 49152;
  p.tcp.dst_port = 80;
  p.tcp.flags = wire::flags::kAck;
  p.tcp.window = 1000;
  p.payload = absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(payload.data()),
                                  payload.size());
  Bytes out(wire::SerializedSize(p));
  EXPECT_EQ(wire::SerializePacket(p, absl::MakeSpan(out)), out.size());
  return out;
}

Bytes Frame(const MacAddress& dst, const MacAddress& src, uint16_t ethertype,
            absl::Span<const uint8_t> payload) {
  Bytes f(kEthernetHeaderSize);
  WriteEthernetHeader({dst, src, ethertype}, absl::MakeSpan(f));
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

Bytes ArpFrame(const MacAddress& eth_dst, const MacAddress& eth_src, ArpOperation op,
               const MacAddress& sha, Ipv4Address spa, const MacAddress& tha, Ipv4Address tpa) {
  ArpPacket a;
  a.operation = op;
  a.sender_mac = sha;
  a.sender_ip = spa;
  a.target_mac = tha;
  a.target_ip = tpa;
  Bytes f(kArpFrameSize);
  EXPECT_EQ(BuildArpFrame(eth_dst, eth_src, a, absl::MakeSpan(f)), kArpFrameSize);
  return f;
}

// The peer asking who has `target`.
Bytes PeerRequest(Ipv4Address target, const MacAddress& mac = kPeerMac,
                  Ipv4Address ip = kPeerIp) {
  return ArpFrame(MacAddress::Broadcast(), mac, ArpOperation::kRequest, mac, ip, MacAddress(),
                  target);
}
// `mac`/`ip` telling us where it is.
Bytes ReplyToUs(const MacAddress& mac, Ipv4Address ip) {
  return ArpFrame(kOurMac, mac, ArpOperation::kReply, mac, ip, kOurMac, kOurIp);
}

// What an ARP frame we sent says, for checks that need not spell every byte.
ArpPacket ParseSentArp(const Bytes& frame) {
  EthernetFrame f;
  ArpPacket a;
  EXPECT_EQ(ParseEthernet(frame, &f), FrameError::kOk);
  EXPECT_EQ(f.header.ethertype, kEtherTypeArp);
  EXPECT_EQ(ParseArp(f.payload, &a), FrameError::kOk);
  return a;
}

// `frame` is `ip` framed from us to `dst` (padded to 60 bytes when short).
void ExpectIpFrame(const Bytes& frame, const MacAddress& dst, const Bytes& ip) {
  Bytes want = Frame(dst, kOurMac, kEtherTypeIpv4, ip);
  if (want.size() < kMinFrameSize) want.resize(kMinFrameSize, 0);
  EXPECT_EQ(frame, want);
}

class EthernetInterfaceTest : public ::testing::Test {
 protected:
  EthernetInterfaceTest() {
    config_.mac = kOurMac;
    config_.address = kOurIp;
    config_.prefix_length = 24;
    config_.gateway = kGatewayIp;
  }
  EthernetInterface& Make() {
    absl::StatusOr<std::unique_ptr<EthernetInterface>> i =
        EthernetInterface::Create(config_, &sink_);
    EXPECT_TRUE(i.ok()) << i.status();
    iface_ = *std::move(i);
    return *iface_;
  }
  // Returns what OnFrame returned, as bytes.
  Bytes Receive(Instant now, const Bytes& frame) {
    absl::Span<const uint8_t> ip = iface_->OnFrame(now, frame);
    return Bytes(ip.begin(), ip.end());
  }

  EthernetInterfaceConfig config_;
  RecordingSink sink_;
  std::unique_ptr<EthernetInterface> iface_;
};

// ------------------------------------------------------------ answering ARP

TEST_F(EthernetInterfaceTest, AnswersRequestForOurAddressWithExactReply) {
  EthernetInterface& e = Make();
  EXPECT_TRUE(Receive(kT0, PeerRequest(kOurIp)).empty());
  const std::vector<Bytes> sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0], Hex("02 00 00 00 00 02  02 00 00 00 00 01  08 06 "  // unicast to the asker
                         "00 01  08 00  06  04  00 02 "                  // reply
                         "02 00 00 00 00 01  0a 00 00 01 "               // us: 10.0.0.1
                         "02 00 00 00 00 02  0a 00 00 02 "               // the asker: 10.0.0.2
                         "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"));
  // RFC 826: a request for us teaches us the asker.
  EXPECT_EQ(e.LookupNeighbor(kT0, kPeerIp), kPeerMac);
  const std::vector<NeighborInfo> table = e.Neighbors();
  ASSERT_EQ(table.size(), 1u);
  EXPECT_EQ(table[0].ip, kPeerIp);
  EXPECT_EQ(table[0].state, NeighborInfo::State::kReachable);
  EXPECT_EQ(table[0].expires, At(absl::Seconds(60)));
  EXPECT_EQ(FormatCounters(e.counters()),
            "frames_received=1 arp_handled=1 arp_requests_answered=1 frames_sent=1 "
            "arp_replies_sent=1");
}

TEST_F(EthernetInterfaceTest, RequestForAnotherAddressIsIgnoredAndTeachesNothing) {
  EthernetInterface& e = Make();
  EXPECT_TRUE(Receive(kT0, PeerRequest(Ipv4Address(10, 0, 0, 3))).empty());
  EXPECT_TRUE(sink_.Take().empty());
  EXPECT_TRUE(e.Neighbors().empty());
  EXPECT_EQ(e.counters().arp_ignored, 1u);
  EXPECT_EQ(e.counters().arp_requests_answered, 0u);
}

TEST_F(EthernetInterfaceTest, ProbeForOurAddressIsAnsweredButLearnsNothing) {
  EthernetInterface& e = Make();
  Receive(kT0, PeerRequest(kOurIp, kPeerMac, Ipv4Address()));  // RFC 5227 probe
  const std::vector<Bytes> sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);
  const ArpPacket reply = ParseSentArp(sent[0]);
  EXPECT_EQ(reply.operation, ArpOperation::kReply);
  EXPECT_EQ(reply.target_mac, kPeerMac);
  EXPECT_EQ(reply.target_ip, Ipv4Address());
  EXPECT_TRUE(e.Neighbors().empty());
}

TEST_F(EthernetInterfaceTest, GratuitousArpFromUnknownHostCreatesNoEntry) {
  EthernetInterface& e = Make();
  Receive(kT0, PeerRequest(kPeerIp));  // sender = target = 10.0.0.2
  EXPECT_TRUE(sink_.Take().empty());
  EXPECT_TRUE(e.Neighbors().empty());
  EXPECT_EQ(e.counters().arp_ignored, 1u);
}

TEST_F(EthernetInterfaceTest, UnsolicitedReplyToUsCreatesEntryOnlyForOnLinkSender) {
  EthernetInterface& e = Make();
  Receive(kT0, ReplyToUs(kPeerMac, kPeerIp));
  EXPECT_EQ(e.LookupNeighbor(kT0, kPeerIp), kPeerMac);
  Receive(kT0, ReplyToUs(kOtherMac, kRemoteIp));
  EXPECT_EQ(e.LookupNeighbor(kT0, kRemoteIp), std::nullopt);
  EXPECT_EQ(e.Neighbors().size(), 1u);
  EXPECT_EQ(e.counters().arp_replies_received, 2u);
  EXPECT_TRUE(sink_.Take().empty());
}

// ------------------------------------------------------------- resolution

TEST_F(EthernetInterfaceTest, QueuesUntilReplyThenFlushesInOrder) {
  EthernetInterface& e = Make();
  const Bytes p1 = IpPacket(kOurIp, kPeerIp, "one");
  const Bytes p2 = IpPacket(kOurIp, kPeerIp, "two");
  const Bytes p3 = IpPacket(kOurIp, kPeerIp, "three");
  e.SendIp(kT0, p1);
  e.SendIp(kT0 + absl::Milliseconds(1), p2);
  e.SendIp(kT0 + absl::Milliseconds(2), p3);

  std::vector<Bytes> sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);  // one request, however many packets wait
  EXPECT_EQ(sent[0], Hex("ff ff ff ff ff ff  02 00 00 00 00 01  08 06 "
                         "00 01  08 00  06  04  00 01 "
                         "02 00 00 00 00 01  0a 00 00 01 "
                         "00 00 00 00 00 00  0a 00 00 02 "
                         "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"));
  std::vector<NeighborInfo> table = e.Neighbors();
  ASSERT_EQ(table.size(), 1u);
  EXPECT_EQ(table[0].state, NeighborInfo::State::kIncomplete);
  EXPECT_EQ(table[0].requests_sent, 1);
  EXPECT_EQ(table[0].queued_packets, 3u);
  EXPECT_EQ(e.NextDeadline(), At(absl::Seconds(1)));

  EXPECT_TRUE(Receive(At(absl::Milliseconds(500)), ReplyToUs(kPeerMac, kPeerIp)).empty());
  sent = sink_.Take();
  ASSERT_EQ(sent.size(), 3u);
  ExpectIpFrame(sent[0], kPeerMac, p1);
  ExpectIpFrame(sent[1], kPeerMac, p2);
  ExpectIpFrame(sent[2], kPeerMac, p3);
  EXPECT_EQ(e.NextDeadline(), At(absl::Milliseconds(500) + absl::Seconds(60)));

  // Resolved: the next packet goes at once.
  const Bytes p4 = IpPacket(kOurIp, kPeerIp, "four");
  e.SendIp(At(absl::Seconds(1)), p4);
  sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);
  ExpectIpFrame(sent[0], kPeerMac, p4);
  e.Advance(At(absl::Seconds(5)));  // no retry left to run
  EXPECT_TRUE(sink_.Take().empty());

  EXPECT_EQ(FormatCounters(e.counters()),
            "frames_received=1 arp_handled=1 arp_replies_received=1 frames_sent=5 "
            "ip_sent_now=1 ip_queued=3 ip_sent_after_resolution=3 arp_requests_sent=1 "
            "resolutions_started=1");
  EXPECT_TRUE(e.last_error().ok());
}

TEST_F(EthernetInterfaceTest, RetriesAtExactInstantsThenFailsAndDropsTheQueue) {
  EthernetInterface& e = Make();
  e.SendIp(kT0, IpPacket(kOurIp, kPeerIp, "a"));
  e.SendIp(kT0, IpPacket(kOurIp, kPeerIp, "b"));
  ASSERT_EQ(sink_.Take().size(), 1u);  // request 1 at t0
  EXPECT_EQ(e.NextDeadline(), At(absl::Seconds(1)));

  e.Advance(At(absl::Seconds(1) - absl::Nanoseconds(1)));
  EXPECT_TRUE(sink_.Take().empty());
  e.Advance(At(absl::Seconds(1)));
  std::vector<Bytes> sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);  // request 2 at t0+1s
  EXPECT_EQ(ParseSentArp(sent[0]).target_ip, kPeerIp);
  EXPECT_EQ(e.NextDeadline(), At(absl::Seconds(2)));

  e.Advance(At(absl::Seconds(2)));
  sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);  // request 3 at t0+2s
  EXPECT_EQ(sent[0], Hex("ff ff ff ff ff ff  02 00 00 00 00 01  08 06 "
                         "00 01  08 00  06  04  00 01 "
                         "02 00 00 00 00 01  0a 00 00 01 "
                         "00 00 00 00 00 00  0a 00 00 02 "
                         "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"));
  EXPECT_EQ(e.NextDeadline(), At(absl::Seconds(3)));
  e.Advance(At(absl::Seconds(3) - absl::Nanoseconds(1)));
  EXPECT_TRUE(e.last_error().ok());

  e.Advance(At(absl::Seconds(3)));
  EXPECT_TRUE(sink_.Take().empty());  // no fourth request
  EXPECT_EQ(e.last_error().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(e.last_error().message(),
            "no ARP reply from 10.0.0.2 on this link after 3 requests over 3s");
  EXPECT_EQ(e.counters().dropped_unresolved, 2u);
  EXPECT_EQ(e.counters().resolutions_failed, 1u);
  EXPECT_EQ(e.counters().arp_requests_sent, 3u);
  EXPECT_TRUE(e.Neighbors().empty());
  EXPECT_EQ(e.NextDeadline(), Instant::Infinite());

  // A new packet after the failure starts over.
  e.SendIp(At(absl::Seconds(10)), IpPacket(kOurIp, kPeerIp, "c"));
  sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(ParseSentArp(sent[0]).target_ip, kPeerIp);
  EXPECT_EQ(e.NextDeadline(), At(absl::Seconds(11)));
  EXPECT_EQ(e.counters().resolutions_started, 2u);
}

TEST_F(EthernetInterfaceTest, LateAdvanceSendsOneRetryAndCountsFromThen) {
  EthernetInterface& e = Make();
  e.SendIp(kT0, IpPacket(kOurIp, kPeerIp));
  sink_.Take();
  e.Advance(At(absl::Milliseconds(2500)));  // both later retries were due
  EXPECT_EQ(sink_.Take().size(), 1u);
  EXPECT_EQ(e.NextDeadline(), At(absl::Milliseconds(3500)));
}

TEST_F(EthernetInterfaceTest, FailureNamesTheGatewayAndConfiguredTiming) {
  config_.arp_requests = 1;
  config_.arp_retry_interval = absl::Milliseconds(250);
  EthernetInterface& e = Make();
  e.SendIp(kT0, IpPacket(kOurIp, kRemoteIp));
  ASSERT_EQ(sink_.Take().size(), 1u);
  e.Advance(At(absl::Milliseconds(250)));
  EXPECT_EQ(e.last_error().message(),
            "no ARP reply from 10.0.0.254 (the gateway) on this link after 1 request over 250ms");
  EXPECT_EQ(e.counters().dropped_unresolved, 1u);
}

TEST_F(EthernetInterfaceTest, FullQueueDropsTheOldest) {
  config_.max_queued_per_neighbor = 2;
  EthernetInterface& e = Make();
  const Bytes p1 = IpPacket(kOurIp, kPeerIp, "1");
  const Bytes p2 = IpPacket(kOurIp, kPeerIp, "2");
  const Bytes p3 = IpPacket(kOurIp, kPeerIp, "3");
  e.SendIp(kT0, p1);
  e.SendIp(kT0, p2);
  e.SendIp(kT0, p3);
  sink_.Take();
  Receive(kT0, ReplyToUs(kPeerMac, kPeerIp));
  const std::vector<Bytes> sent = sink_.Take();
  ASSERT_EQ(sent.size(), 2u);
  ExpectIpFrame(sent[0], kPeerMac, p2);
  ExpectIpFrame(sent[1], kPeerMac, p3);
  EXPECT_EQ(e.counters().dropped_queue_overflow, 1u);
  EXPECT_EQ(e.counters().ip_queued, 3u);
  EXPECT_EQ(e.counters().ip_sent_after_resolution, 2u);
}

// ----------------------------------------------------------- cache timing

TEST_F(EthernetInterfaceTest, EntryExpiresAfterItsLifetime) {
  EthernetInterface& e = Make();
  Receive(kT0, PeerRequest(kOurIp));
  sink_.Take();
  EXPECT_EQ(e.NextDeadline(), At(absl::Seconds(60)));

  const Bytes p = IpPacket(kOurIp, kPeerIp);
  e.SendIp(At(absl::Seconds(59)), p);
  std::vector<Bytes> sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);
  ExpectIpFrame(sent[0], kPeerMac, p);

  e.Advance(At(absl::Seconds(60) - absl::Nanoseconds(1)));
  EXPECT_EQ(e.Neighbors().size(), 1u);
  e.Advance(At(absl::Seconds(60)));
  EXPECT_TRUE(e.Neighbors().empty());
  EXPECT_EQ(e.counters().neighbors_expired, 1u);
  EXPECT_EQ(e.NextDeadline(), Instant::Infinite());

  e.SendIp(At(absl::Seconds(61)), p);
  sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(ParseSentArp(sent[0]).target_ip, kPeerIp);
}

TEST_F(EthernetInterfaceTest, ExpiredEntryIsNotUsedEvenBeforeAdvance) {
  EthernetInterface& e = Make();
  Receive(kT0, PeerRequest(kOurIp));
  sink_.Take();
  EXPECT_EQ(e.LookupNeighbor(At(absl::Seconds(60)), kPeerIp), std::nullopt);
  e.SendIp(At(absl::Seconds(60)), IpPacket(kOurIp, kPeerIp));
  const std::vector<Bytes> sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(ParseSentArp(sent[0]).operation, ArpOperation::kRequest);
  EXPECT_EQ(e.counters().neighbors_expired, 1u);
}

TEST_F(EthernetInterfaceTest, TrafficFromTheNeighbourRefreshesItsEntry) {
  EthernetInterface& e = Make();
  Receive(kT0, PeerRequest(kOurIp));
  sink_.Take();
  const Bytes in = IpPacket(kPeerIp, kOurIp, "data");
  EXPECT_EQ(Receive(At(absl::Seconds(30)), Frame(kOurMac, kPeerMac, kEtherTypeIpv4, in)), in);
  EXPECT_EQ(e.Neighbors()[0].expires, At(absl::Seconds(90)));
  EXPECT_EQ(e.NextDeadline(), At(absl::Seconds(90)));

  // The same source IP from another MAC confirms nothing and changes nothing.
  Receive(At(absl::Seconds(40)), Frame(kOurMac, kOtherMac, kEtherTypeIpv4, in));
  EXPECT_EQ(e.Neighbors()[0].expires, At(absl::Seconds(90)));
  EXPECT_EQ(e.LookupNeighbor(At(absl::Seconds(40)), kPeerIp), kPeerMac);

  e.Advance(At(absl::Seconds(80)));
  const Bytes out = IpPacket(kOurIp, kPeerIp);
  e.SendIp(At(absl::Seconds(80)), out);
  const std::vector<Bytes> sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);
  ExpectIpFrame(sent[0], kPeerMac, out);
}

TEST_F(EthernetInterfaceTest, OffLinkTrafficRefreshesTheGateway) {
  EthernetInterface& e = Make();
  Receive(kT0, ReplyToUs(kGatewayMac, kGatewayIp));
  Receive(At(absl::Seconds(10)),
          Frame(kOurMac, kGatewayMac, kEtherTypeIpv4, IpPacket(kRemoteIp, kOurIp)));
  EXPECT_EQ(e.Neighbors()[0].expires, At(absl::Seconds(70)));
}

TEST_F(EthernetInterfaceTest, AnyArpFromAKnownNeighbourUpdatesIt) {
  EthernetInterface& e = Make();
  Receive(kT0, PeerRequest(kOurIp));
  sink_.Take();
  // The peer moved to a new NIC and asks for someone else: RFC 826's merge
  // still updates (and refreshes) the entry we have.
  Receive(At(absl::Seconds(20)), PeerRequest(Ipv4Address(10, 0, 0, 9), kOtherMac, kPeerIp));
  EXPECT_EQ(e.LookupNeighbor(At(absl::Seconds(20)), kPeerIp), kOtherMac);
  EXPECT_EQ(e.Neighbors()[0].expires, At(absl::Seconds(80)));
  EXPECT_TRUE(sink_.Take().empty());
  // And so does its gratuitous ARP.
  Receive(At(absl::Seconds(30)), PeerRequest(kPeerIp, kPeerMac, kPeerIp));
  EXPECT_EQ(e.LookupNeighbor(At(absl::Seconds(30)), kPeerIp), kPeerMac);
}

// --------------------------------------------------------------- next hop

TEST_F(EthernetInterfaceTest, OffLinkGoesThroughTheGatewayOnLinkDirect) {
  EthernetInterface& e = Make();
  EXPECT_EQ(e.NextHop(kRemoteIp), kGatewayIp);
  EXPECT_EQ(e.NextHop(Ipv4Address(10, 0, 0, 7)), Ipv4Address(10, 0, 0, 7));
  EXPECT_EQ(e.NextHop(Ipv4Address(10, 0, 1, 7)), kGatewayIp);  // outside the /24
  EXPECT_EQ(e.NextHop(kOurIp), std::nullopt);

  const Bytes remote = IpPacket(kOurIp, kRemoteIp, "far");
  e.SendIp(kT0, remote);
  std::vector<Bytes> sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(ParseSentArp(sent[0]).target_ip, kGatewayIp);
  Receive(kT0, ReplyToUs(kGatewayMac, kGatewayIp));
  sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);
  ExpectIpFrame(sent[0], kGatewayMac, remote);

  const Bytes near = IpPacket(kOurIp, Ipv4Address(10, 0, 0, 7), "near");
  e.SendIp(kT0, near);
  sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(ParseSentArp(sent[0]).target_ip, Ipv4Address(10, 0, 0, 7));
}

TEST_F(EthernetInterfaceTest, OffLinkWithoutGatewayIsNoRoute) {
  config_.gateway.reset();
  EthernetInterface& e = Make();
  e.SendIp(kT0, IpPacket(kOurIp, kRemoteIp));
  e.SendIp(kT0, IpPacket(kOurIp, kOurIp));          // ourselves
  e.SendIp(kT0, IpPacket(kOurIp, Ipv4Address()));   // 0.0.0.0
  EXPECT_TRUE(sink_.Take().empty());
  EXPECT_EQ(FormatCounters(e.counters()), "dropped_no_route=3");
  EXPECT_EQ(e.NextDeadline(), Instant::Infinite());
}

TEST_F(EthernetInterfaceTest, BroadcastAndMulticastNeedNoArp) {
  EthernetInterface& e = Make();
  const Bytes subnet = IpPacket(kOurIp, Ipv4Address(10, 0, 0, 255));
  const Bytes limited = IpPacket(kOurIp, Ipv4Address(255, 255, 255, 255));
  const Bytes mdns = IpPacket(kOurIp, Ipv4Address(224, 0, 0, 251));
  e.SendIp(kT0, subnet);
  e.SendIp(kT0, limited);
  e.SendIp(kT0, mdns);
  const std::vector<Bytes> sent = sink_.Take();
  ASSERT_EQ(sent.size(), 3u);
  ExpectIpFrame(sent[0], MacAddress::Broadcast(), subnet);
  ExpectIpFrame(sent[1], MacAddress::Broadcast(), limited);
  ExpectIpFrame(sent[2], MacAddress(0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb), mdns);
  EXPECT_TRUE(e.Neighbors().empty());
}

TEST_F(EthernetInterfaceTest, RejectsMalformedAndOversizedOutgoingPackets) {
  config_.mtu = 100;
  EthernetInterface& e = Make();
  ASSERT_TRUE(e.AddStaticNeighbor(kPeerIp, kPeerMac).ok());
  e.SendIp(kT0, Bytes(19, 0x45));
  Bytes v6 = IpPacket(kOurIp, kPeerIp);
  v6[0] = 0x65;
  e.SendIp(kT0, v6);
  e.SendIp(kT0, IpPacket(kOurIp, kPeerIp, std::string(61, 'x')));  // 101 bytes
  EXPECT_TRUE(sink_.Take().empty());
  const Bytes fits = IpPacket(kOurIp, kPeerIp, std::string(60, 'x'));  // 100 bytes
  e.SendIp(kT0, fits);
  const std::vector<Bytes> sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].size(), 114u);  // no padding above the minimum
  ExpectIpFrame(sent[0], kPeerMac, fits);
  EXPECT_EQ(FormatCounters(e.counters()),
            "frames_sent=1 ip_sent_now=1 dropped_malformed_outgoing=2 dropped_too_big=1");
}

TEST_F(EthernetInterfaceTest, FullTableDropsPacketsToNewNeighbours) {
  config_.max_neighbors = 1;
  EthernetInterface& e = Make();
  e.SendIp(kT0, IpPacket(kOurIp, kPeerIp));
  e.SendIp(kT0, IpPacket(kOurIp, Ipv4Address(10, 0, 0, 3)));
  EXPECT_EQ(sink_.Take().size(), 1u);
  EXPECT_EQ(e.counters().dropped_table_full, 1u);
  EXPECT_EQ(e.Neighbors().size(), 1u);
}

// ------------------------------------------------------------- static

TEST_F(EthernetInterfaceTest, StaticNeighbourIsUsedAtOnceAndNeverChanges) {
  EthernetInterface& e = Make();
  ASSERT_TRUE(e.AddStaticNeighbor(kPeerIp, kPeerMac).ok());
  EXPECT_EQ(e.NextDeadline(), Instant::Infinite());
  const Bytes p = IpPacket(kOurIp, kPeerIp);
  e.SendIp(kT0, p);
  std::vector<Bytes> sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);
  ExpectIpFrame(sent[0], kPeerMac, p);

  Receive(kT0, ReplyToUs(kOtherMac, kPeerIp));  // ARP does not override it
  e.Advance(At(absl::Hours(24)));               // nor does time
  EXPECT_EQ(e.LookupNeighbor(At(absl::Hours(24)), kPeerIp), kPeerMac);
  EXPECT_EQ(e.Neighbors()[0].state, NeighborInfo::State::kStatic);

  EXPECT_FALSE(e.AddStaticNeighbor(kOurIp, kPeerMac).ok());
  EXPECT_FALSE(e.AddStaticNeighbor(Ipv4Address(), kPeerMac).ok());
  EXPECT_EQ(e.AddStaticNeighbor(kPeerIp, MacAddress::Broadcast()).message(),
            "static neighbour MAC ff:ff:ff:ff:ff:ff is not a unicast address");
}

TEST_F(EthernetInterfaceTest, StaticNeighbourFlushesWaitingPackets) {
  EthernetInterface& e = Make();
  const Bytes p = IpPacket(kOurIp, kPeerIp);
  e.SendIp(kT0, p);
  sink_.Take();
  ASSERT_TRUE(e.AddStaticNeighbor(kPeerIp, kPeerMac).ok());
  const std::vector<Bytes> sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);
  ExpectIpFrame(sent[0], kPeerMac, p);
  EXPECT_EQ(e.NextDeadline(), Instant::Infinite());  // no retry left behind
}

// ------------------------------------------------- announcing, conflicts

TEST_F(EthernetInterfaceTest, AnnounceSendsGratuitousArp) {
  EthernetInterface& e = Make();
  e.AnnounceAt(kT0);
  const std::vector<Bytes> sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0], Hex("ff ff ff ff ff ff  02 00 00 00 00 01  08 06 "
                         "00 01  08 00  06  04  00 01 "
                         "02 00 00 00 00 01  0a 00 00 01 "
                         "00 00 00 00 00 00  0a 00 00 01 "
                         "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"));
  EXPECT_EQ(e.counters().gratuitous_arps_sent, 1u);
  // Our own announcement coming back (AF_PACKET sees outgoing frames) is not
  // a conflict.
  Receive(kT0, sent[0]);
  EXPECT_TRUE(e.address_conflict().ok());
  EXPECT_EQ(e.counters().ignored_looped_back, 1u);
}

TEST_F(EthernetInterfaceTest, DetectsAnotherOwnerOfOurAddress) {
  EthernetInterface& e = Make();
  const MacAddress kernel(0x52, 0x54, 0x00, 0x12, 0x34, 0x56);
  // The kernel answering someone's request for "its" 10.0.0.1 ...
  Receive(kT0, ArpFrame(kPeerMac, kernel, ArpOperation::kReply, kernel, kOurIp, kPeerMac,
                        kPeerIp));
  // ... and announcing it; both count, the first is the one recorded.
  Receive(kT0, ArpFrame(MacAddress::Broadcast(), kernel, ArpOperation::kRequest, kernel, kOurIp,
                        MacAddress(), kOurIp));
  Receive(kT0, ArpFrame(MacAddress::Broadcast(), kOtherMac, ArpOperation::kRequest, kOtherMac,
                        kOurIp, MacAddress(), kOurIp));
  EXPECT_EQ(e.address_conflict().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(e.address_conflict().message(),
            "address conflict: 10.0.0.1 is also used by MAC 52:54:00:12:34:56 (the kernel or "
            "another host owns it; expect RSTs)");
  EXPECT_EQ(e.counters().address_conflicts, 3u);
  EXPECT_TRUE(sink_.Take().empty());  // never answered
  EXPECT_TRUE(e.Neighbors().empty());
}

// ------------------------------------------------------- receive filter

TEST_F(EthernetInterfaceTest, PaddingIsTrimmedWithTheIpTotalLength) {
  EthernetInterface& e = Make();
  const Bytes ip = IpPacket(kPeerIp, kOurIp);
  ASSERT_EQ(ip.size(), 40u);
  Bytes frame = Frame(kOurMac, kPeerMac, kEtherTypeIpv4, ip);
  frame.resize(60, 0);  // the 802.3 minimum
  const absl::Span<const uint8_t> got = e.OnFrame(kT0, frame);
  EXPECT_EQ(got.data(), frame.data() + 14);  // a view, not a copy
  EXPECT_EQ(Bytes(got.begin(), got.end()), ip);
  EXPECT_EQ(e.counters().ip_padding_trimmed, 1u);

  // Unpadded: the same packet, nothing to trim.
  EXPECT_EQ(Receive(kT0, Frame(kOurMac, kPeerMac, kEtherTypeIpv4, ip)), ip);
  EXPECT_EQ(e.counters().ip_padding_trimmed, 1u);

  // A total length beyond the frame is left whole for the IP layer to reject.
  Bytes lying = ip;
  lying[3] = 200;
  EXPECT_EQ(Receive(kT0, Frame(kOurMac, kPeerMac, kEtherTypeIpv4, lying)), lying);
  EXPECT_EQ(e.counters().ip_delivered, 3u);
}

TEST_F(EthernetInterfaceTest, OutgoingShortPacketsArePaddedTo60Bytes) {
  EthernetInterface& e = Make();
  ASSERT_TRUE(e.AddStaticNeighbor(kPeerIp, kPeerMac).ok());
  const Bytes ip = IpPacket(kOurIp, kPeerIp);
  e.SendIp(kT0, ip);
  const std::vector<Bytes> sent = sink_.Take();
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_EQ(sent[0].size(), 60u);
  EXPECT_EQ(Bytes(sent[0].begin() + 14, sent[0].begin() + 54), ip);
  EXPECT_EQ(Bytes(sent[0].begin() + 54, sent[0].end()), Bytes(6, 0));
}

TEST_F(EthernetInterfaceTest, BroadcastIpv4ToOurAddressIsAccepted) {
  Make();
  const Bytes ip = IpPacket(kPeerIp, kOurIp);
  EXPECT_EQ(Receive(kT0, Frame(MacAddress::Broadcast(), kPeerMac, kEtherTypeIpv4, ip)), ip);
}

TEST_F(EthernetInterfaceTest, EverythingNotForUsIsIgnoredWithItsReason) {
  EthernetInterface& e = Make();
  const Bytes ip = IpPacket(kPeerIp, kOurIp);
  Bytes vlan = Frame(kOurMac, kPeerMac, kEtherTypeVlan, Hex("00 64 08 00"));
  vlan.insert(vlan.end(), ip.begin(), ip.end());
  Bytes llc = Frame(kOurMac, kPeerMac, 0x0026, Hex("42 42 03"));  // STP over LLC
  Bytes short_arp = Frame(MacAddress::Broadcast(), kPeerMac, kEtherTypeArp, Hex("00 01 08 00"));
  Bytes rarp = PeerRequest(kOurIp);
  rarp[14 + 7] = 3;

  const struct {
    const char* what;
    Bytes frame;
    const char* counter;
  } cases[] = {
      {"other unicast MAC", Frame(kOtherMac, kPeerMac, kEtherTypeIpv4, ip),
       "ignored_not_our_mac"},
      {"multicast MAC", Frame(MacAddress(0x01, 0x00, 0x5e, 0, 0, 0xfb), kPeerMac,
                              kEtherTypeIpv4, ip),
       "ignored_not_our_mac"},
      {"ARP to another MAC", ArpFrame(kOtherMac, kPeerMac, ArpOperation::kRequest, kPeerMac,
                                      kPeerIp, MacAddress(), kOurIp),
       "ignored_not_our_mac"},
      {"our MAC, other IP",
       Frame(kOurMac, kPeerMac, kEtherTypeIpv4, IpPacket(kPeerIp, Ipv4Address(10, 0, 0, 9))),
       "ignored_not_our_ip"},
      {"IPv6", Frame(kOurMac, kPeerMac, kEtherTypeIpv6, Bytes(40, 0x60)),
       "ignored_other_ethertype"},
      {"VLAN-tagged", vlan, "ignored_vlan_tagged"},
      {"802.3/LLC", llc, "ignored_not_ethernet_ii"},
      {"looped back", Frame(kOurMac, kOurMac, kEtherTypeIpv4, ip), "ignored_looped_back"},
      {"13 bytes", Bytes(13, 0xff), "dropped_truncated_frame"},
      {"empty", Bytes(), "dropped_truncated_frame"},
      {"short IPv4", Frame(kOurMac, kPeerMac, kEtherTypeIpv4, Bytes(19, 0x45)),
       "dropped_malformed_ip"},
      {"IPv4 ethertype, version 6", Frame(kOurMac, kPeerMac, kEtherTypeIpv4, Bytes(40, 0x65)),
       "dropped_malformed_ip"},
      {"short ARP", short_arp, "dropped_malformed_arp"},
      {"RARP operation", rarp, "dropped_malformed_arp"},
      {"ARP with group sender", ArpFrame(MacAddress::Broadcast(), kPeerMac,
                                         ArpOperation::kRequest, MacAddress::Broadcast(),
                                         kPeerIp, MacAddress(), kOurIp),
       "arp_ignored"},
  };
  for (const auto& c : cases) {
    const EthernetCounters before = e.counters();
    EXPECT_TRUE(e.OnFrame(kT0, c.frame).empty()) << c.what;
    const std::vector<std::pair<absl::string_view, uint64_t>> b = CounterList(before);
    const std::vector<std::pair<absl::string_view, uint64_t>> a = CounterList(e.counters());
    ASSERT_EQ(a.size(), b.size());
    std::vector<std::string> changed;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].second != b[i].second) {
        changed.push_back(absl::StrCat(a[i].first, "+", a[i].second - b[i].second));
      }
    }
    const std::string want =
        std::string(c.counter) == "arp_ignored"
            ? absl::StrCat("frames_received+1,arp_handled+1,", c.counter, "+1")
            : absl::StrCat("frames_received+1,", c.counter, "+1");
    EXPECT_EQ(absl::StrJoin(changed, ","), want) << c.what;
  }
  EXPECT_TRUE(sink_.Take().empty());
  EXPECT_TRUE(e.Neighbors().empty());
}

// ------------------------------------------------------------ config

TEST(EthernetInterfaceConfigTest, RejectsBadConfigurationsWithTheField) {
  EthernetInterfaceConfig good;
  good.mac = kOurMac;
  good.address = kOurIp;
  good.prefix_length = 24;
  good.gateway = kGatewayIp;
  EXPECT_TRUE(EthernetInterface::ValidateConfig(good).ok());
  RecordingSink sink;
  EXPECT_FALSE(EthernetInterface::Create(good, nullptr).ok());

  const struct {
    void (*mutate)(EthernetInterfaceConfig&);
    const char* message;
  } cases[] = {
      {[](EthernetInterfaceConfig& c) { c.mac = MacAddress(); },
       "interface MAC 00:00:00:00:00:00 is not a unicast address (it is all zeros)"},
      {[](EthernetInterfaceConfig& c) { c.mac = MacAddress(0x01, 0, 0x5e, 0, 0, 1); },
       "interface MAC 01:00:5e:00:00:01 is not a unicast address (it is a group address)"},
      {[](EthernetInterfaceConfig& c) { c.prefix_length = 33; },
       "prefix length 33 is outside 0..32"},
      {[](EthernetInterfaceConfig& c) { c.address = Ipv4Address(10, 0, 0, 0); },
       "interface address 10.0.0.0 is the network address of 10.0.0.0/24"},
      {[](EthernetInterfaceConfig& c) { c.address = Ipv4Address(10, 0, 0, 255); },
       "interface address 10.0.0.255 is the broadcast address of 10.0.0.0/24"},
      {[](EthernetInterfaceConfig& c) { c.gateway = Ipv4Address(10, 0, 1, 1); },
       "gateway 10.0.1.1 is not on the link 10.0.0.0/24"},
      {[](EthernetInterfaceConfig& c) { c.gateway = kOurIp; },
       "gateway 10.0.0.1 is the interface's own address"},
      {[](EthernetInterfaceConfig& c) { c.arp_requests = 0; },
       "arp_requests is 0; at least one request is needed"},
      {[](EthernetInterfaceConfig& c) { c.arp_retry_interval = absl::ZeroDuration(); },
       "arp_retry_interval 0 is not positive"},
      {[](EthernetInterfaceConfig& c) { c.mtu = 67; }, "MTU 67 is outside 68..65535"},
  };
  for (const auto& c : cases) {
    EthernetInterfaceConfig config = good;
    c.mutate(config);
    const absl::Status s = EthernetInterface::ValidateConfig(config);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_EQ(s.message(), c.message);
    EXPECT_EQ(EthernetInterface::Create(config, &sink).status(), s);
  }

  // /31 (RFC 3021) has no network or broadcast address to refuse.
  EthernetInterfaceConfig p2p = good;
  p2p.prefix_length = 31;
  p2p.address = Ipv4Address(10, 0, 0, 0);
  p2p.gateway = Ipv4Address(10, 0, 0, 1);
  EXPECT_TRUE(EthernetInterface::ValidateConfig(p2p).ok());
}

// Same inputs, same frames: the table's order, not a hash, decides the order
// of retries to several neighbours.
TEST_F(EthernetInterfaceTest, RetriesToSeveralNeighboursGoInAddressOrder) {
  EthernetInterface& e = Make();
  for (int host : {9, 3, 7}) {
    e.SendIp(kT0, IpPacket(kOurIp, Ipv4Address(10, 0, 0, static_cast<uint8_t>(host))));
  }
  sink_.Take();
  e.Advance(At(absl::Seconds(1)));
  const std::vector<Bytes> sent = sink_.Take();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(ParseSentArp(sent[0]).target_ip, Ipv4Address(10, 0, 0, 3));
  EXPECT_EQ(ParseSentArp(sent[1]).target_ip, Ipv4Address(10, 0, 0, 7));
  EXPECT_EQ(ParseSentArp(sent[2]).target_ip, Ipv4Address(10, 0, 0, 9));
}

}  // namespace
}  // namespace tcplab::live
