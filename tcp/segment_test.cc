// Packet-level tests: hand-made segments in, exact replies out.

#include <cstdint>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tcp/stack.h"
#include "tcp/testing/harness.h"

namespace tcplab::tcp {
namespace {

using testing::Bytes;
using testing::Ms;
using testing::Seg;
using testing::SegmentTester;
using testing::SegSpec;
using ::testing::ElementsAre;
namespace fl = wire::flags;
using S = ConnectionState;

constexpr uint32_t kPeerIsn = 1000;

SegSpec Spec(uint8_t flags, uint32_t seq, uint32_t ack, Bytes payload = {}) {
  SegSpec s;
  s.flags = flags;
  s.seq = seq;
  s.ack = ack;
  s.payload = std::move(payload);
  return s;
}

Bytes Data(size_t n, uint8_t first = 0) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(first + i);
  return b;
}

// A fixture holding one passively opened, established connection:
// peer 10.0.0.2:5000 (ISN 1000) <-> us 10.0.0.1:80 (ISN iss).
class Established : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    listener = *t.stack().Listen(Ms(0), 80, 8);
    SegSpec syn = Spec(fl::kSyn, kPeerIsn, 0);
    syn.mss = 1460;
    t.Inject(Ms(0), syn);
    Seg synack = t.TakeOne();
    iss = synack.seq();
    t.Inject(Ms(10), Spec(fl::kAck, kPeerIsn + 1, iss + 1));
    EXPECT_TRUE(t.Take().empty());
    id = *t.stack().Accept(Ms(10), listener);
    t.Events();
  }
  // Peer's next sequence number and our next, for building segments.
  uint32_t P(uint32_t off = 0) const { return kPeerIsn + 1 + off; }
  uint32_t U(uint32_t off = 0) const { return iss + 1 + off; }
  Bytes ReadAll() {
    Bytes out(200000);
    size_t n = *t.stack().Receive(Ms(20), id, absl::MakeSpan(out));
    out.resize(n);
    return out;
  }

  SegmentTester t;
  SocketId listener = 0, id = 0;
  uint32_t iss = 0;
};

// ------------------------------------------------------------ LISTEN

TEST(ListenTest, SynGetsSynAckWithMssAndWindow) {
  SegmentTester t;
  SocketId l = *t.stack().Listen(Ms(0), 80, 8);
  SegSpec syn = Spec(fl::kSyn, kPeerIsn, 0);
  syn.mss = 1200;
  t.Inject(Ms(0), syn);
  Seg r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kSyn | fl::kAck);
  EXPECT_EQ(r.ack(), kPeerIsn + 1);
  EXPECT_EQ(r.window(), 65535);
  EXPECT_EQ(r.pkt.tcp.options.mss, 1460);
  EXPECT_EQ(r.pkt.ip.src, wire::Ipv4Address(10, 0, 0, 1));
  EXPECT_EQ(r.pkt.tcp.src_port, 80);
  EXPECT_EQ(r.pkt.tcp.dst_port, 5000);
  EXPECT_FALSE(t.stack().Accept(Ms(0), l).ok());  // not established yet
  t.Inject(Ms(5), Spec(fl::kAck, kPeerIsn + 1, r.seq() + 1));
  EXPECT_TRUE(t.Take().empty());
  EXPECT_THAT(t.Events(), ::testing::Contains(Event{l, EventKind::kAcceptable}));
  EXPECT_TRUE(t.stack().GetReadiness(l).acceptable);
  SocketId c = *t.stack().Accept(Ms(5), l);
  EXPECT_EQ(t.stack().State(c), S::kEstablished);
  EXPECT_EQ(t.stack().Info(c)->eff_snd_mss, 1200);
}

TEST(ListenTest, IsnFollowsRfc6528) {
  SegmentTester t1, t2;
  t1.stack().Listen(Ms(0), 80, 8).IgnoreError();
  t2.stack().Listen(Ms(0), 80, 8).IgnoreError();
  t1.Inject(Ms(0), Spec(fl::kSyn, kPeerIsn, 0));
  t2.Inject(Ms(4), Spec(fl::kSyn, kPeerIsn, 0));  // 4 ms = 1000 ticks later
  EXPECT_EQ(t2.TakeOne().seq() - t1.TakeOne().seq(), 1000u);
  StackConfig other = testing::TestConfig(wire::Ipv4Address(10, 0, 0, 1));
  other.isn_secret = {1, 2};
  SegmentTester t3(other);
  t3.stack().Listen(Ms(0), 80, 8).IgnoreError();
  t3.Inject(Ms(0), Spec(fl::kSyn, kPeerIsn, 0));
  SegmentTester t4;
  t4.stack().Listen(Ms(0), 80, 8).IgnoreError();
  t4.Inject(Ms(0), Spec(fl::kSyn, kPeerIsn, 0));
  EXPECT_NE(t3.TakeOne().seq(), t4.TakeOne().seq());
}

TEST(ListenTest, AckToListenerGetsRstRstIgnoredOtherDropped) {
  SegmentTester t;
  t.stack().Listen(Ms(0), 80, 8).IgnoreError();
  t.Inject(Ms(0), Spec(fl::kAck, 5, 777));
  Seg r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kRst);
  EXPECT_EQ(r.seq(), 777u);
  t.Inject(Ms(0), Spec(fl::kRst, 5, 0));
  t.Inject(Ms(0), Spec(fl::kFin, 5, 0));
  t.Inject(Ms(0), Spec(0, 5, 0, Data(10)));
  EXPECT_TRUE(t.Take().empty());
  EXPECT_EQ(t.stack().connection_count(), 0u);
}

TEST(ListenTest, BacklogBoundsHalfOpenConnections) {
  SegmentTester t;
  t.stack().Listen(Ms(0), 80, 2).IgnoreError();
  for (uint16_t p = 1; p <= 3; ++p) {
    SegSpec s = Spec(fl::kSyn, 100, 0);
    s.sport = p;
    t.Inject(Ms(0), s);
  }
  EXPECT_EQ(t.Take().size(), 2u);
  EXPECT_EQ(t.stack().counters().listen_overflow, 1u);
}

TEST(ListenTest, ListenErrors) {
  SegmentTester t;
  EXPECT_TRUE(t.stack().Listen(Ms(0), 80, 8).ok());
  EXPECT_EQ(t.stack().Listen(Ms(0), 80, 8).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_FALSE(t.stack().Listen(Ms(0), 81, 0).ok());
  EXPECT_FALSE(t.stack().Listen(Ms(0), 0, 1).ok());
}

TEST(ListenTest, ClosingListenerResetsUnacceptedConnections) {
  SegmentTester t;
  SocketId l = *t.stack().Listen(Ms(0), 80, 8);
  t.Inject(Ms(0), Spec(fl::kSyn, kPeerIsn, 0));
  uint32_t iss = t.TakeOne().seq();
  ASSERT_TRUE(t.stack().Close(Ms(1), l).ok());
  Seg r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kRst);
  EXPECT_EQ(r.seq(), iss + 1);
  EXPECT_EQ(t.stack().connection_count(), 0u);
  t.Inject(Ms(2), Spec(fl::kSyn, kPeerIsn, 0));
  EXPECT_EQ(t.TakeOne().flags(), fl::kRst | fl::kAck);  // nobody listens now
}

// ------------------------------------------------------------ no connection

TEST(NoConnectionTest, RstRulesOf3_10_7_1) {
  SegmentTester t;
  t.Inject(Ms(0), Spec(fl::kSyn, 500, 0));
  Seg r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kRst | fl::kAck);
  EXPECT_EQ(r.seq(), 0u);
  EXPECT_EQ(r.ack(), 501u);
  t.Inject(Ms(0), Spec(fl::kFin, 500, 0, Data(10)));
  r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kRst | fl::kAck);
  EXPECT_EQ(r.ack(), 511u);
  t.Inject(Ms(0), Spec(fl::kAck | fl::kPsh, 500, 4242, Data(10)));
  r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kRst);
  EXPECT_EQ(r.seq(), 4242u);
  t.Inject(Ms(0), Spec(fl::kRst | fl::kAck, 500, 4242));
  EXPECT_TRUE(t.Take().empty());
  EXPECT_EQ(t.stack().counters().no_connection, 4u);
  EXPECT_EQ(t.stack().counters().resets_sent, 3u);
}

TEST(NoConnectionTest, WrongAddressAndMalformedPacketsAreCountedDrops) {
  SegmentTester t;
  SegSpec s = Spec(fl::kSyn, 1, 0);
  s.dst = wire::Ipv4Address(10, 0, 0, 9);
  t.Inject(Ms(0), s);
  EXPECT_EQ(t.stack().counters().wrong_address, 1u);
  Bytes junk = {0x45, 0, 0, 5};
  t.stack().Input(Ms(0), junk);
  Bytes bad = testing::BuildSegment(Spec(fl::kSyn, 1, 0));
  bad.back() ^= 0x40;  // corrupt the last header byte
  t.stack().Input(Ms(0), bad);
  EXPECT_EQ(t.stack().counters().parse_errors[static_cast<int>(
                wire::ParseError::kTruncatedIpHeader)], 1u);
  EXPECT_EQ(t.stack().counters().parse_errors[static_cast<int>(
                wire::ParseError::kBadTcpChecksum)], 1u);
  EXPECT_TRUE(t.Take().empty());
}

// ------------------------------------------------------------ ESTABLISHED

TEST_F(Established, InOrderDataIsAckedWithShrunkWindow) {
  t.Inject(Ms(20), Spec(fl::kAck | fl::kPsh, P(), U(), Data(100)));
  Seg r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kAck);
  EXPECT_EQ(r.seq(), U());
  EXPECT_EQ(r.ack(), P(100));
  EXPECT_EQ(r.window(), 65535 - 100);
  EXPECT_THAT(t.Events(), ElementsAre(Event{id, EventKind::kReadable}));
  EXPECT_EQ(ReadAll(), Data(100));
}

TEST_F(Established, OutOfOrderIsHeldAndReassembled) {
  t.Inject(Ms(20), Spec(fl::kAck, P(200), U(), Data(100, 200)));
  Seg r = t.TakeOne();
  EXPECT_EQ(r.ack(), P());  // duplicate ACK
  t.Inject(Ms(20), Spec(fl::kAck, P(100), U(), Data(100, 100)));
  EXPECT_EQ(t.TakeOne().ack(), P());
  EXPECT_TRUE(ReadAll().empty());
  t.Inject(Ms(20), Spec(fl::kAck, P(0), U(), Data(100, 0)));
  r = t.TakeOne();
  EXPECT_EQ(r.ack(), P(300));
  EXPECT_EQ(ReadAll(), Data(300));
  EXPECT_EQ(t.stack().Info(id)->out_of_order_segments, 2u);
}

TEST_F(Established, DuplicatesAndOverlapsAreTrimmed) {
  t.Inject(Ms(20), Spec(fl::kAck, P(), U(), Data(100)));
  t.Inject(Ms(20), Spec(fl::kAck, P(), U(), Data(100)));          // duplicate
  t.Inject(Ms(20), Spec(fl::kAck, P(50), U(), Data(100, 50)));    // overlaps 50
  t.Inject(Ms(20), Spec(fl::kAck, P(180), U(), Data(40, 180)));   // ahead
  t.Inject(Ms(20), Spec(fl::kAck, P(170), U(), Data(30, 170)));   // overlaps both
  std::vector<Seg> r = t.Take();
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[0].ack(), P(100));
  EXPECT_EQ(r[1].ack(), P(100));
  EXPECT_EQ(r[2].ack(), P(150));
  EXPECT_EQ(r[3].ack(), P(150));
  EXPECT_EQ(r[4].ack(), P(150));
  t.Inject(Ms(20), Spec(fl::kAck, P(140), U(), Data(40, 140)));
  EXPECT_EQ(t.TakeOne().ack(), P(220));
  EXPECT_EQ(ReadAll(), Data(220));
}

TEST_F(Established, SegmentsOutsideTheWindowDrawAnAckAndDeliverNothing) {
  t.Inject(Ms(20), Spec(fl::kAck, P(70000), U(), Data(10)));
  Seg r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kAck);
  EXPECT_EQ(r.ack(), P());
  t.Inject(Ms(20), Spec(fl::kAck, P() - 5000, U(), Data(10)));
  EXPECT_EQ(t.TakeOne().ack(), P());
  EXPECT_TRUE(ReadAll().empty());
  EXPECT_EQ(t.stack().counters().unacceptable_segment, 2u);
  // A segment straddling the right edge keeps only what fits.
  t.Inject(Ms(20), Spec(fl::kAck | fl::kFin, P(65530), U(), Data(10)));
  EXPECT_EQ(t.TakeOne().ack(), P());
  EXPECT_EQ(t.stack().State(id), S::kEstablished);
}

TEST_F(Established, RstExactResetsInWindowChallengesOutsideIgnored) {
  t.Inject(Ms(20), Spec(fl::kRst, P(100), 0));
  Seg r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kAck);  // challenge ACK
  EXPECT_EQ(r.seq(), U());
  EXPECT_EQ(r.ack(), P());
  t.Inject(Ms(20), Spec(fl::kRst, P(100000), 0));
  EXPECT_TRUE(t.Take().empty());
  EXPECT_EQ(t.stack().State(id), S::kEstablished);
  t.Inject(Ms(20), Spec(fl::kRst, P(), 0));
  EXPECT_TRUE(t.Take().empty());
  EXPECT_EQ(t.stack().State(id), S::kClosed);
  EXPECT_EQ(t.stack().Error(id).message(), "connection reset by peer in ESTABLISHED");
  EXPECT_THAT(t.Events(), ElementsAre(Event{id, EventKind::kReset}));
  // The 4-tuple is free: a further segment draws a RST.
  t.Inject(Ms(20), Spec(fl::kAck, P(), U()));
  EXPECT_EQ(t.TakeOne().flags(), fl::kRst);
}

TEST_F(Established, SynInWindowOrNotDrawsChallengeAck) {
  for (uint32_t seq : {P(), P(10), kPeerIsn, 12345u}) {
    t.Inject(Ms(20), Spec(fl::kSyn, seq, 0));
    Seg r = t.TakeOne();
    EXPECT_EQ(r.flags(), fl::kAck);
    EXPECT_EQ(r.ack(), P());
  }
  EXPECT_EQ(t.stack().State(id), S::kEstablished);
}

TEST_F(Established, AckOfUnsentDataIsRejected) {
  t.Inject(Ms(20), Spec(fl::kAck, P(), U(500), Data(10)));
  Seg r = t.TakeOne();
  EXPECT_EQ(r.ack(), P());  // the data was not taken
  EXPECT_TRUE(ReadAll().empty());
  EXPECT_EQ(t.stack().counters().unacceptable_ack, 1u);
  // No ACK bit: dropped silently.
  t.Inject(Ms(20), Spec(0, P(), 0, Data(10)));
  EXPECT_TRUE(t.Take().empty());
  EXPECT_TRUE(ReadAll().empty());
}

TEST_F(Established, AckTooFarBehindIsRejected) {
  // MAX.SND.WND is 65535: an ACK older than SND.UNA - 65535 is blind.
  t.Inject(Ms(20), Spec(fl::kAck, P(), U() - 65536, Data(10)));
  Seg r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kAck);
  EXPECT_EQ(r.ack(), P());
  EXPECT_TRUE(ReadAll().empty());
  // Within MAX.SND.WND behind: an old duplicate, the data is taken.
  t.Inject(Ms(20), Spec(fl::kAck, P(), U() - 65535, Data(10)));
  EXPECT_EQ(t.TakeOne().ack(), P(10));
  EXPECT_EQ(ReadAll(), Data(10));
  EXPECT_EQ(t.stack().counters().unacceptable_ack, 1u);
}

TEST_F(Established, SendRespectsPeerWindowAndMss) {
  // Peer window 3000: two segments (1460 + 1460), then 80 bytes wait.
  t.Inject(Ms(20), [&] { SegSpec s = Spec(fl::kAck, P(), U()); s.window = 3000; return s; }());
  ASSERT_EQ(*t.stack().Send(Ms(30), id, Data(5000)), 5000u);
  std::vector<Seg> r = t.Take();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].seq(), U());
  EXPECT_EQ(r[0].payload.size(), 1460u);
  EXPECT_EQ(r[1].payload.size(), 1460u);
  // 80 usable bytes with 2080 queued and data in flight: sender-side SWS
  // avoidance holds them back. The ACK of the first segment opens 1460 more.
  t.Inject(Ms(40), [&] { SegSpec s = Spec(fl::kAck, P(), U(1460)); s.window = 3000; return s; }());
  r = t.Take();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].seq(), U(2920));
  EXPECT_EQ(r[0].payload.size(), 1460u);
}

TEST_F(Established, RetransmissionTimerExactSchedule) {
  ASSERT_EQ(*t.stack().Send(Ms(100), id, Data(100)), 100u);
  EXPECT_EQ(t.TakeOne().seq(), U());
  // SRTT sample from the handshake: 10 ms -> RTO = max(200ms, 10+4*5) = 200 ms.
  EXPECT_EQ(t.stack().NextDeadline(), Ms(300));
  std::vector<int64_t> at;
  for (int i = 0; i < 5; ++i) {
    Instant d = t.stack().NextDeadline();
    t.stack().Advance(d);
    Seg r = t.TakeOne();
    EXPECT_EQ(r.seq(), U());
    EXPECT_EQ(r.payload, Data(100));
    at.push_back(d.nanos() / 1000000);
  }
  EXPECT_THAT(at, ElementsAre(300, 700, 1500, 3100, 6300));
  // An ACK ends it; no sample from the retransmitted segment (Karn).
  t.Inject(Ms(6400), Spec(fl::kAck, P(), U(100)));
  EXPECT_EQ(t.stack().NextDeadline(), Instant::Infinite());
  auto info = t.stack().Info(id);
  EXPECT_EQ(info->rtt_samples, 1u);
  EXPECT_EQ(info->retransmissions, 5u);
  EXPECT_EQ(info->bytes_sent, 100u);
}

TEST_F(Established, ZeroWindowProbeIsAnsweredWithZeroWindow) {
  // Fill our receive buffer (64 KiB; window 65535).
  for (uint32_t off = 0; off < 65535; off += 1460) {
    uint32_t n = std::min<uint32_t>(1460, 65535 - off);
    t.Inject(Ms(20), Spec(fl::kAck, P(off), U(), Data(n)));
  }
  std::vector<Seg> acks = t.Take();
  EXPECT_EQ(acks.back().window(), 0);
  EXPECT_EQ(acks.back().ack(), P(65535));
  // A probe: one byte beyond the window. Answered, not taken.
  t.Inject(Ms(30), Spec(fl::kAck, P(65535), U(), Data(1)));
  Seg r = t.TakeOne();
  EXPECT_EQ(r.ack(), P(65535));
  EXPECT_EQ(r.window(), 0);
  // Reading 100 bytes: window stays shut (receiver SWS avoidance).
  Bytes small(100);
  EXPECT_EQ(*t.stack().Receive(Ms(40), id, absl::MakeSpan(small)), 100u);
  EXPECT_TRUE(t.Take().empty());
  t.Inject(Ms(41), Spec(fl::kAck, P(65535), U(), Data(1)));
  EXPECT_EQ(t.TakeOne().window(), 0);
  // Reading another MSS opens it, and a window update goes out at once.
  Bytes more(1460);
  EXPECT_EQ(*t.stack().Receive(Ms(50), id, absl::MakeSpan(more)), 1460u);
  r = t.TakeOne();
  EXPECT_EQ(r.window(), 1561);  // 65536-byte buffer
  EXPECT_EQ(r.ack(), P(65535));
}

TEST_F(Established, PeerZeroWindowStartsPersistTimerWithBackoff) {
  t.Inject(Ms(20), [&] { SegSpec s = Spec(fl::kAck, P(), U()); s.window = 0; return s; }());
  ASSERT_EQ(*t.stack().Send(Ms(100), id, Data(10)), 10u);
  EXPECT_TRUE(t.Take().empty());  // nothing may go
  // First probe after clamp(RTO=200ms, 200ms, 60s).
  EXPECT_EQ(t.stack().NextDeadline(), Ms(300));
  std::vector<int64_t> at;
  for (int i = 0; i < 4; ++i) {
    Instant d = t.stack().NextDeadline();
    t.stack().Advance(d);
    Seg r = t.TakeOne();
    EXPECT_EQ(r.seq(), U());
    EXPECT_EQ(r.payload.size(), 1u);
    at.push_back(d.nanos() / 1000000);
    SegSpec zero = Spec(fl::kAck, P(), U());
    zero.window = 0;
    t.Inject(d, zero);  // answered: still zero
  }
  EXPECT_THAT(at, ElementsAre(300, 700, 1500, 3100));
  EXPECT_EQ(t.stack().State(id), S::kEstablished);
  EXPECT_EQ(t.stack().Info(id)->zero_window_probes, 4u);
  // Window opens: everything goes.
  t.Inject(Ms(3200), Spec(fl::kAck, P(), U()));
  Seg r = t.TakeOne();
  EXPECT_EQ(r.seq(), U());
  EXPECT_EQ(r.payload, Data(10));
}

TEST_F(Established, PassiveCloseThroughLastAck) {
  t.Inject(Ms(20), Spec(fl::kAck | fl::kFin, P(), U()));
  Seg r = t.TakeOne();
  EXPECT_EQ(r.ack(), P(1));
  EXPECT_EQ(t.stack().State(id), S::kCloseWait);
  EXPECT_THAT(t.Events(), ElementsAre(Event{id, EventKind::kPeerClosed}));
  EXPECT_TRUE(t.stack().GetReadiness(id).eof);
  // Data still flows our way to the peer in CLOSE-WAIT.
  ASSERT_EQ(*t.stack().Send(Ms(21), id, Data(10)), 10u);
  EXPECT_EQ(t.TakeOne().payload, Data(10));
  ASSERT_TRUE(t.stack().Shutdown(Ms(22), id).ok());
  EXPECT_EQ(t.stack().State(id), S::kLastAck);
  r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kFin | fl::kAck);
  EXPECT_EQ(r.seq(), U(10));
  t.Inject(Ms(30), Spec(fl::kAck, P(1), U(11)));
  EXPECT_EQ(t.stack().State(id), S::kClosed);
  EXPECT_TRUE(t.stack().Error(id).ok());
}

TEST_F(Established, ActiveCloseFinWait1ClosingTimeWait) {
  ASSERT_TRUE(t.stack().Shutdown(Ms(20), id).ok());
  Seg fin = t.TakeOne();
  EXPECT_EQ(fin.flags(), fl::kFin | fl::kAck);
  EXPECT_EQ(t.stack().State(id), S::kFinWait1);
  // Peer's FIN crosses ours: CLOSING.
  t.Inject(Ms(25), Spec(fl::kAck | fl::kFin, P(), U()));
  EXPECT_EQ(t.TakeOne().ack(), P(1));
  EXPECT_EQ(t.stack().State(id), S::kClosing);
  t.Inject(Ms(30), Spec(fl::kAck, P(1), U(1)));
  EXPECT_EQ(t.stack().State(id), S::kTimeWait);
  EXPECT_EQ(t.stack().NextDeadline(), Ms(30) + absl::Seconds(60));
  // A retransmitted FIN in TIME-WAIT is acked and restarts the timer.
  t.Inject(Ms(1000), Spec(fl::kAck | fl::kFin, P(), U(1)));
  Seg r = t.TakeOne();
  EXPECT_EQ(r.ack(), P(1));
  EXPECT_EQ(t.stack().NextDeadline(), Ms(1000) + absl::Seconds(60));
  t.stack().Advance(Ms(61000));
  EXPECT_EQ(t.stack().State(id), S::kClosed);
}

TEST_F(Established, FinWait1ToTimeWaitOnFinAck) {
  ASSERT_TRUE(t.stack().Shutdown(Ms(20), id).ok());
  t.Take();
  t.Inject(Ms(25), Spec(fl::kAck | fl::kFin, P(), U(1)));  // ACKs our FIN, with FIN
  EXPECT_EQ(t.stack().State(id), S::kTimeWait);
}

TEST_F(Established, FinWait2KeepsReceivingThenTimeWait) {
  ASSERT_TRUE(t.stack().Shutdown(Ms(20), id).ok());
  t.Take();
  t.Inject(Ms(25), Spec(fl::kAck, P(), U(1)));
  EXPECT_EQ(t.stack().State(id), S::kFinWait2);
  t.Inject(Ms(26), Spec(fl::kAck, P(), U(1), Data(50)));
  EXPECT_EQ(t.TakeOne().ack(), P(50));
  t.Inject(Ms(27), Spec(fl::kAck | fl::kFin, P(50), U(1)));
  EXPECT_EQ(t.TakeOne().ack(), P(51));
  EXPECT_EQ(t.stack().State(id), S::kTimeWait);
  EXPECT_EQ(ReadAll(), Data(50));
}

TEST_F(Established, OutOfOrderFinWaitsForTheHole) {
  t.Inject(Ms(20), Spec(fl::kAck | fl::kFin, P(10), U(), Data(10, 10)));
  EXPECT_EQ(t.TakeOne().ack(), P());
  EXPECT_EQ(t.stack().State(id), S::kEstablished);
  t.Inject(Ms(21), Spec(fl::kAck, P(), U(), Data(10)));
  EXPECT_EQ(t.TakeOne().ack(), P(21));
  EXPECT_EQ(t.stack().State(id), S::kCloseWait);
  EXPECT_EQ(ReadAll(), Data(20));
}

TEST_F(Established, FinRetransmissionLimitKills) {
  ASSERT_TRUE(t.stack().Shutdown(Ms(20), id).ok());
  t.Take();
  while (t.stack().State(id) != S::kClosed) {
    t.stack().Advance(t.stack().NextDeadline());
  }
  EXPECT_EQ(t.Take().size(), 8u);  // fin_retries
  EXPECT_THAT(std::string(t.stack().Error(id).message()),
              ::testing::StartsWith("connection timed out: 8 retransmissions of FIN seq 1 "));
}

TEST_F(Established, DataAfterCloseDrawsRst) {
  ASSERT_TRUE(t.stack().Close(Ms(20), id).ok());
  t.Take();
  t.Inject(Ms(25), Spec(fl::kAck, P(), U(1)));
  EXPECT_EQ(t.stack().connection_count(), 1u);  // orphaned FIN-WAIT-2
  t.Inject(Ms(26), Spec(fl::kAck, P(), U(1), Data(5)));
  Seg r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kRst);
  EXPECT_EQ(r.seq(), U(1));
  EXPECT_EQ(t.stack().connection_count(), 0u);
}

TEST_F(Established, OrphanInFinWait2GivesUpAfterTimeout) {
  ASSERT_TRUE(t.stack().Close(Ms(20), id).ok());
  t.Take();
  t.Inject(Ms(30), Spec(fl::kAck, P(), U(1)));
  EXPECT_EQ(t.stack().connection_count(), 1u);
  EXPECT_EQ(t.stack().NextDeadline(), Ms(30) + absl::Seconds(60));
  t.stack().Advance(Ms(30) + absl::Seconds(60));
  EXPECT_EQ(t.stack().connection_count(), 0u);
  EXPECT_TRUE(t.Take().empty());
}

TEST_F(Established, HeldConnectionWaitsInFinWait2) {
  ASSERT_TRUE(t.stack().Shutdown(Ms(20), id).ok());
  t.Take();
  t.Inject(Ms(30), Spec(fl::kAck, P(), U(1)));
  EXPECT_EQ(t.stack().State(id), S::kFinWait2);
  EXPECT_EQ(t.stack().NextDeadline(), Instant::Infinite());
}

TEST_F(Established, AbortSendsRstAtSndNxt) {
  ASSERT_EQ(*t.stack().Send(Ms(20), id, Data(30)), 30u);
  t.Take();
  ASSERT_TRUE(t.stack().Abort(Ms(21), id).ok());
  Seg r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kRst);
  EXPECT_EQ(r.seq(), U(30));
  EXPECT_EQ(t.stack().connection_count(), 0u);
  EXPECT_EQ(t.stack().State(id), S::kClosed);
}

TEST(MssTest, NoSegmentExceedsPeerMss) {
  SegmentTester t;
  t.stack().Listen(Ms(0), 80, 8).IgnoreError();
  SegSpec syn = Spec(fl::kSyn, kPeerIsn, 0);
  syn.mss = 500;
  t.Inject(Ms(0), syn);
  uint32_t iss = t.TakeOne().seq();
  t.Inject(Ms(1), Spec(fl::kAck, kPeerIsn + 1, iss + 1));
  SocketId id = *t.stack().Accept(Ms(1), 1);
  ASSERT_EQ(*t.stack().Send(Ms(2), id, Data(2000)), 2000u);
  std::vector<Seg> r = t.Take();
  ASSERT_EQ(r.size(), 4u);
  for (const Seg& s : r) EXPECT_LE(s.payload.size(), 500u);
}

TEST(MssTest, NoMssOptionMeans536) {
  SegmentTester t;
  t.stack().Listen(Ms(0), 80, 8).IgnoreError();
  t.Inject(Ms(0), Spec(fl::kSyn, kPeerIsn, 0));
  uint32_t iss = t.TakeOne().seq();
  t.Inject(Ms(1), Spec(fl::kAck, kPeerIsn + 1, iss + 1));
  SocketId id = *t.stack().Accept(Ms(1), 1);
  EXPECT_EQ(t.stack().Info(id)->eff_snd_mss, 536);
}


TEST_F(Established, UnansweredZeroWindowProbesKill) {
  t.Inject(Ms(20), [&] { SegSpec s = Spec(fl::kAck, P(), U()); s.window = 0; return s; }());
  ASSERT_EQ(*t.stack().Send(Ms(100), id, Data(10)), 10u);
  int probes = 0;
  while (t.stack().State(id) != S::kClosed) {
    t.stack().Advance(t.stack().NextDeadline());
    probes += static_cast<int>(t.Take().size());
  }
  EXPECT_EQ(probes, 15);
  EXPECT_EQ(t.stack().Error(id).code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(t.stack().Error(id).message()),
              ::testing::StartsWith("connection timed out: 15 zero-window probes unanswered over"));
}

TEST(BufferTest, ShortSendThenWritableEvent) {
  StackConfig c = testing::TestConfig(wire::Ipv4Address(10, 0, 0, 1));
  c.send_buffer_bytes = 4000;
  SegmentTester t(c);
  SocketId l = *t.stack().Listen(Ms(0), 80, 8);
  t.Inject(Ms(0), Spec(fl::kSyn, kPeerIsn, 0));
  uint32_t iss = t.TakeOne().seq();
  t.Inject(Ms(1), Spec(fl::kAck, kPeerIsn + 1, iss + 1));
  SocketId id = *t.stack().Accept(Ms(1), l);
  t.Events();
  EXPECT_EQ(*t.stack().Send(Ms(2), id, Data(10000)), 4000u);
  EXPECT_EQ(*t.stack().Send(Ms(2), id, Data(10)), 0u);
  EXPECT_FALSE(t.stack().GetReadiness(id).writable);
  EXPECT_EQ(t.Take().size(), 8u);  // 536-byte MSS (no option): 7 full + 1 of 248
  t.Inject(Ms(3), Spec(fl::kAck, kPeerIsn + 1, iss + 1 + 536));
  EXPECT_THAT(t.Events(), ElementsAre(Event{id, EventKind::kWritable}));
  EXPECT_TRUE(t.stack().GetReadiness(id).writable);
  EXPECT_EQ(*t.stack().Send(Ms(4), id, Data(1000)), 536u);
}

TEST(BufferTest, OutOfOrderBytesAreBounded) {
  StackConfig c = testing::TestConfig(wire::Ipv4Address(10, 0, 0, 1));
  c.out_of_order_limit_bytes = 150;
  SegmentTester t(c);
  SocketId l = *t.stack().Listen(Ms(0), 80, 8);
  t.Inject(Ms(0), Spec(fl::kSyn, kPeerIsn, 0));
  uint32_t iss = t.TakeOne().seq();
  t.Inject(Ms(1), Spec(fl::kAck, kPeerIsn + 1, iss + 1));
  SocketId id = *t.stack().Accept(Ms(1), l);
  const uint32_t p = kPeerIsn + 1;
  t.Inject(Ms(2), Spec(fl::kAck, p + 200, iss + 1, Data(100, 200)));
  t.Inject(Ms(2), Spec(fl::kAck, p + 400, iss + 1, Data(100, 144)));  // over the limit
  EXPECT_EQ(t.stack().counters().out_of_order_dropped, 1u);
  EXPECT_EQ(t.stack().Info(id)->out_of_order_bytes, 100u);
  t.Inject(Ms(3), Spec(fl::kAck, p, iss + 1, Data(200)));
  t.Take();
  EXPECT_EQ(t.stack().Info(id)->rcv_nxt.raw(), p + 300);
  Bytes out(1000);
  EXPECT_EQ(*t.stack().Receive(Ms(4), id, absl::MakeSpan(out)), 300u);
  out.resize(300);
  EXPECT_EQ(out, Data(300));
}

TEST(ConnectTest, ErrorsAndEphemeralPorts) {
  SegmentTester t;
  auto a = t.stack().Connect(Ms(0), wire::Ipv4Address(10, 0, 0, 2), 5000, 80);
  ASSERT_TRUE(a.ok());
  auto dup = t.stack().Connect(Ms(0), wire::Ipv4Address(10, 0, 0, 2), 5000, 80);
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_FALSE(t.stack().Connect(Ms(0), wire::Ipv4Address(10, 0, 0, 2), 0).ok());
  auto e = t.stack().Connect(Ms(0), wire::Ipv4Address(10, 0, 0, 2), 5000);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(t.stack().Info(*e)->local_port, 49152);
  StackConfig c = testing::TestConfig(wire::Ipv4Address(10, 0, 0, 1));
  c.ephemeral_port_min = 40000;
  c.ephemeral_port_max = 40001;
  SegmentTester u(c);
  EXPECT_TRUE(u.stack().Connect(Ms(0), wire::Ipv4Address(10, 0, 0, 2), 1).ok());
  EXPECT_TRUE(u.stack().Connect(Ms(0), wire::Ipv4Address(10, 0, 0, 2), 1).ok());
  EXPECT_EQ(u.stack().Connect(Ms(0), wire::Ipv4Address(10, 0, 0, 2), 1).status().code(),
            absl::StatusCode::kResourceExhausted);
  // Unknown ids.
  EXPECT_EQ(t.stack().Send(Ms(0), 999, Data(1)).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(t.stack().State(999), S::kClosed);
  EXPECT_FALSE(t.stack().Accept(Ms(0), 999).ok());
}

// ------------------------------------------------------------ SYN-SENT

class SynSent : public ::testing::Test {
 protected:
  void SetUp() override {
    id = *t.stack().Connect(Ms(0), wire::Ipv4Address(10, 0, 0, 2), 5000, 80);
    Seg syn = t.TakeOne();
    EXPECT_EQ(syn.flags(), fl::kSyn);
    EXPECT_EQ(syn.pkt.tcp.options.mss, 1460);
    iss = syn.seq();
  }
  SegmentTester t;
  SocketId id = 0;
  uint32_t iss = 0;
};

TEST_F(SynSent, SynAckCompletesWithAck) {
  SegSpec s = Spec(fl::kSyn | fl::kAck, kPeerIsn, iss + 1);
  s.mss = 1000;
  t.Inject(Ms(50), s);
  Seg r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kAck);
  EXPECT_EQ(r.seq(), iss + 1);
  EXPECT_EQ(r.ack(), kPeerIsn + 1);
  EXPECT_EQ(t.stack().State(id), S::kEstablished);
  EXPECT_EQ(t.stack().Info(id)->srtt, absl::Milliseconds(50));
  EXPECT_EQ(t.stack().Info(id)->eff_snd_mss, 1000);
  EXPECT_EQ(t.stack().NextDeadline(), Instant::Infinite());
}

TEST_F(SynSent, RtoIsThreeSecondsAfterASynTimeout) {
  t.stack().Advance(Ms(1000));
  EXPECT_EQ(t.TakeOne().flags(), fl::kSyn);  // retransmitted: no RTT sample
  t.Inject(Ms(1050), Spec(fl::kSyn | fl::kAck, kPeerIsn, iss + 1));
  t.Take();
  EXPECT_EQ(t.stack().Info(id)->rto, absl::Seconds(3));  // RFC 6298 §5.7
  EXPECT_EQ(t.stack().Info(id)->rtt_samples, 0u);
  ASSERT_EQ(*t.stack().Send(Ms(1100), id, Data(10)), 10u);
  t.Take();
  EXPECT_EQ(t.stack().NextDeadline(), Ms(4100));
}

TEST_F(SynSent, RtoFromSynAckSampleWithoutTimeout) {
  t.Inject(Ms(100), Spec(fl::kSyn | fl::kAck, kPeerIsn, iss + 1));
  t.Take();
  // srtt 100 ms, rttvar 50 ms: 300 ms.
  EXPECT_EQ(t.stack().Info(id)->rto, absl::Milliseconds(300));
}

TEST_F(SynSent, BadAckDrawsRstAndStays) {
  t.Inject(Ms(5), Spec(fl::kSyn | fl::kAck, kPeerIsn, iss + 7));
  Seg r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kRst);
  EXPECT_EQ(r.seq(), iss + 7);
  t.Inject(Ms(5), Spec(fl::kAck, kPeerIsn, iss));  // acks nothing
  EXPECT_EQ(t.TakeOne().seq(), iss);
  EXPECT_EQ(t.stack().State(id), S::kSynSent);
}

TEST_F(SynSent, RstWithoutAckIgnoredWithAckResets) {
  t.Inject(Ms(5), Spec(fl::kRst, 0, 0));
  t.Inject(Ms(5), Spec(fl::kRst | fl::kAck, 0, iss + 5));  // bad ack: dropped
  EXPECT_TRUE(t.Take().empty());
  EXPECT_EQ(t.stack().State(id), S::kSynSent);
  t.Inject(Ms(5), Spec(fl::kRst | fl::kAck, 0, iss + 1));
  EXPECT_EQ(t.stack().State(id), S::kClosed);
  EXPECT_EQ(t.stack().Error(id).message(), "connection refused: reset by peer in SYN-SENT");
  EXPECT_THAT(t.Events(), ElementsAre(Event{id, EventKind::kReset}));
}

TEST_F(SynSent, SegmentWithoutSynOrRstIsDropped) {
  t.Inject(Ms(5), Spec(fl::kFin, 10, 0));
  t.Inject(Ms(5), Spec(0, 10, 0, Data(10)));
  EXPECT_TRUE(t.Take().empty());
  EXPECT_EQ(t.stack().State(id), S::kSynSent);
}

TEST_F(SynSent, SimultaneousOpenViaSynThenSynAck) {
  t.Inject(Ms(5), Spec(fl::kSyn, kPeerIsn, 0));
  Seg r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kSyn | fl::kAck);
  EXPECT_EQ(r.seq(), iss);
  EXPECT_EQ(r.ack(), kPeerIsn + 1);
  EXPECT_EQ(t.stack().State(id), S::kSynReceived);
  t.Inject(Ms(6), Spec(fl::kSyn | fl::kAck, kPeerIsn, iss + 1));
  EXPECT_TRUE(t.Take().empty());
  EXPECT_EQ(t.stack().State(id), S::kEstablished);
}

TEST_F(SynSent, RstInSimultaneousSynReceivedIsRefused) {
  t.Inject(Ms(5), Spec(fl::kSyn, kPeerIsn, 0));
  t.Take();
  t.Inject(Ms(6), Spec(fl::kRst, kPeerIsn + 1, 0));
  EXPECT_EQ(t.stack().State(id), S::kClosed);
  EXPECT_EQ(t.stack().Error(id).code(), absl::StatusCode::kUnavailable);
}

TEST_F(SynSent, CloseInSynSentJustForgets) {
  ASSERT_TRUE(t.stack().Close(Ms(1), id).ok());
  EXPECT_TRUE(t.Take().empty());
  EXPECT_EQ(t.stack().connection_count(), 0u);
  EXPECT_EQ(t.stack().NextDeadline(), Instant::Infinite());
}

TEST_F(SynSent, SendBeforeEstablishedIsQueued) {
  ASSERT_EQ(*t.stack().Send(Ms(1), id, Data(20)), 20u);
  EXPECT_TRUE(t.Take().empty());
  t.Inject(Ms(5), Spec(fl::kSyn | fl::kAck, kPeerIsn, iss + 1));
  Seg r = t.TakeOne();  // the data carries the ACK
  EXPECT_EQ(r.payload, Data(20));
  EXPECT_EQ(r.ack(), kPeerIsn + 1);
}

// ------------------------------------------------------------ SYN-RECEIVED

class SynReceived : public ::testing::Test {
 protected:
  void SetUp() override {
    listener = *t.stack().Listen(Ms(0), 80, 8);
    t.Inject(Ms(0), Spec(fl::kSyn, kPeerIsn, 0));
    iss = t.TakeOne().seq();
  }
  SegmentTester t;
  SocketId listener = 0;
  uint32_t iss = 0;
};

TEST_F(SynReceived, BadAckDrawsRst) {
  t.Inject(Ms(5), Spec(fl::kAck, kPeerIsn + 1, iss + 9));
  Seg r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kRst);
  EXPECT_EQ(r.seq(), iss + 9);
  EXPECT_EQ(t.stack().connection_count(), 1u);
}

TEST_F(SynReceived, RstReturnsToListen) {
  t.Inject(Ms(5), Spec(fl::kRst, kPeerIsn + 1, 0));
  EXPECT_TRUE(t.Take().empty());
  EXPECT_EQ(t.stack().connection_count(), 0u);
  EXPECT_EQ(t.stack().State(listener), S::kListen);
  t.Inject(Ms(6), Spec(fl::kSyn, kPeerIsn + 50, 0));
  EXPECT_EQ(t.TakeOne().flags(), fl::kSyn | fl::kAck);
}

TEST_F(SynReceived, DuplicateSynResendsSynAck) {
  t.Inject(Ms(5), Spec(fl::kSyn, kPeerIsn, 0));
  Seg r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kSyn | fl::kAck);
  EXPECT_EQ(r.seq(), iss);
}

TEST_F(SynReceived, SynAckRetransmissionScheduleAndDeath) {
  std::vector<int64_t> at;
  while (t.stack().connection_count() > 0) {
    Instant d = t.stack().NextDeadline();
    t.stack().Advance(d);
    for (const Seg& s : t.Take()) {
      EXPECT_EQ(s.flags(), fl::kSyn | fl::kAck);
      at.push_back(d.nanos() / 1000000);
    }
  }
  EXPECT_THAT(at, ElementsAre(1000, 3000, 7000, 15000, 31000, 63000));
}

TEST_F(SynReceived, DataWithHandshakeAckIsDelivered) {
  t.Inject(Ms(5), Spec(fl::kAck, kPeerIsn + 1, iss + 1, Data(10)));
  EXPECT_EQ(t.TakeOne().ack(), kPeerIsn + 11);
  SocketId id = *t.stack().Accept(Ms(5), listener);
  Bytes out(20);
  EXPECT_EQ(*t.stack().Receive(Ms(5), id, absl::MakeSpan(out)), 10u);
}

// ------------------------------------------------------------ hostile input

// Deterministic pseudo-random segments thrown at a connection in each state:
// never a crash, never a byte that was not sent in order.
uint32_t Next(uint32_t& x) {
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return x;
}

TEST(HostileTest, RandomSegmentsInEveryStateNeverCorrupt) {
  const S expected[] = {S::kSynReceived, S::kEstablished, S::kFinWait1, S::kFinWait2,
                        S::kTimeWait,    S::kCloseWait,   S::kLastAck,  S::kClosing};
  for (int scenario = 0; scenario < 8; ++scenario) {
    for (uint32_t seed = 1; seed <= 40; ++seed) {
      SegmentTester t;
      SocketId l = *t.stack().Listen(Ms(0), 80, 8);
      SocketId id = kInvalidSocket;
      uint32_t iss = 0;
      t.Inject(Ms(0), Spec(fl::kSyn, kPeerIsn, 0));
      iss = t.TakeOne().seq();
      if (scenario >= 1) {
        t.Inject(Ms(1), Spec(fl::kAck, kPeerIsn + 1, iss + 1));
        id = *t.stack().Accept(Ms(1), l);
        // 10 good bytes in.
        t.Inject(Ms(1), Spec(fl::kAck, kPeerIsn + 1, iss + 1, Data(10)));
      }
      uint32_t our_fin = 0;
      if (scenario == 2 || scenario == 3 || scenario == 4 || scenario == 7) {
        t.stack().Shutdown(Ms(2), id).IgnoreError();  // FIN-WAIT-1
        our_fin = 1;
      }
      if (scenario == 3) t.Inject(Ms(3), Spec(fl::kAck, kPeerIsn + 11, iss + 2));  // FIN-WAIT-2
      if (scenario == 4) {
        t.Inject(Ms(3), Spec(fl::kAck | fl::kFin, kPeerIsn + 11, iss + 2));  // TIME-WAIT
      }
      if (scenario == 5) t.Inject(Ms(3), Spec(fl::kAck | fl::kFin, kPeerIsn + 11, iss + 1));
      if (scenario == 6) {
        t.Inject(Ms(3), Spec(fl::kAck | fl::kFin, kPeerIsn + 11, iss + 1));
        t.stack().Shutdown(Ms(3), id).IgnoreError();  // LAST-ACK
        our_fin = 1;
      }
      if (scenario == 7) t.Inject(Ms(3), Spec(fl::kAck | fl::kFin, kPeerIsn + 11, iss + 1));
      (void)our_fin;
      if (id != kInvalidSocket) {
        ASSERT_EQ(t.stack().State(id), expected[scenario]);
      } else {
        ASSERT_EQ(t.stack().connection_count(), 1u);
      }
      t.Take();
      uint32_t x = seed * 2654435761u;
      for (int i = 0; i < 200; ++i) {
        SegSpec s;
        uint32_t r = Next(x);
        s.flags = static_cast<uint8_t>(Next(x));
        switch (r % 4) {
          case 0: s.seq = kPeerIsn + 1 + Next(x) % 200 - 100; break;
          case 1: s.seq = Next(x); break;
          default: s.seq = kPeerIsn + 11 + Next(x) % 70000; break;
        }
        s.ack = (r >> 8) % 2 ? iss + Next(x) % 4 : Next(x);
        s.window = static_cast<uint16_t>(Next(x));
        // Payload consistent with the sequence space: byte k of the
        // stream is (k - 10) + 10... i.e. we send Data(...) from offset.
        uint32_t len = Next(x) % 300;
        int32_t off = static_cast<int32_t>(s.seq - (kPeerIsn + 1));
        s.payload.resize(len);
        for (uint32_t k = 0; k < len; ++k) s.payload[k] = static_cast<uint8_t>(off + k);
        if (s.flags & fl::kSyn) s.payload.clear();
        t.Inject(Ms(4 + i), s);
        if (i % 20 == 0) t.stack().Advance(Ms(4 + i));
      }
      t.Take();
      if (id != kInvalidSocket) {
        Bytes out(200000);
        auto n = t.stack().Receive(Ms(500), id, absl::MakeSpan(out));
        if (n.ok()) {
          for (size_t k = 0; k < *n; ++k) {
            ASSERT_EQ(out[k], static_cast<uint8_t>(k)) << scenario << " " << seed << " " << k;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace tcplab::tcp

namespace tcplab::tcp {
namespace {

TEST(HostileTest, RandomSegmentsInSynSentNeverCrash) {
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    SegmentTester t;
    SocketId id = *t.stack().Connect(Ms(0), wire::Ipv4Address(10, 0, 0, 2), 5000, 80);
    uint32_t iss = t.TakeOne().seq();
    uint32_t x = seed * 2654435761u;
    for (int i = 0; i < 100 && t.stack().State(id) == S::kSynSent; ++i) {
      SegSpec s;
      s.flags = static_cast<uint8_t>(Next(x)) & ~fl::kSyn;  // keep it from completing
      s.seq = Next(x);
      s.ack = Next(x) % 2 ? iss + Next(x) % 3 : Next(x);
      s.payload.resize(Next(x) % 100);
      t.Inject(Ms(1 + i), s);
      if (s.flags & fl::kRst) continue;
      EXPECT_EQ(t.stack().State(id), S::kSynSent);
    }
    Bytes out(100);
    auto n = t.stack().Receive(Ms(200), id, absl::MakeSpan(out));
    EXPECT_TRUE(!n.ok() || *n == 0);
  }
}

}  // namespace
}  // namespace tcplab::tcp

namespace tcplab::tcp {
namespace {

// An exact RST (seq = RCV.NXT) in each synchronized state.
struct RstCase {
  const char* name;
  S state;
  bool error;  // the application sees a reset error
};

class RstEveryState : public ::testing::TestWithParam<RstCase> {};

TEST_P(RstEveryState, ExactRstCloses) {
  const RstCase& c = GetParam();
  SegmentTester t;
  SocketId l = *t.stack().Listen(Ms(0), 80, 8);
  t.Inject(Ms(0), Spec(fl::kSyn, kPeerIsn, 0));
  uint32_t iss = t.TakeOne().seq();
  t.Inject(Ms(1), Spec(fl::kAck, kPeerIsn + 1, iss + 1));
  SocketId id = *t.stack().Accept(Ms(1), l);
  uint32_t p = kPeerIsn + 1;
  switch (c.state) {
    case S::kFinWait1:
      t.stack().Shutdown(Ms(2), id).IgnoreError();
      break;
    case S::kFinWait2:
      t.stack().Shutdown(Ms(2), id).IgnoreError();
      t.Inject(Ms(3), Spec(fl::kAck, p, iss + 2));
      break;
    case S::kCloseWait:
      t.Inject(Ms(3), Spec(fl::kAck | fl::kFin, p, iss + 1));
      p += 1;
      break;
    case S::kClosing:
      t.stack().Shutdown(Ms(2), id).IgnoreError();
      t.Inject(Ms(3), Spec(fl::kAck | fl::kFin, p, iss + 1));
      p += 1;
      break;
    case S::kLastAck:
      t.Inject(Ms(3), Spec(fl::kAck | fl::kFin, p, iss + 1));
      p += 1;
      t.stack().Shutdown(Ms(4), id).IgnoreError();
      break;
    case S::kTimeWait:
      t.stack().Shutdown(Ms(2), id).IgnoreError();
      t.Inject(Ms(3), Spec(fl::kAck | fl::kFin, p, iss + 2));
      p += 1;
      break;
    default:
      break;
  }
  ASSERT_EQ(t.stack().State(id), c.state);
  t.Take();
  t.Events();
  t.Inject(Ms(10), Spec(fl::kRst, p + 1, 0));  // in window, not exact: challenge
  if (c.state != S::kTimeWait) {
    Seg r = t.TakeOne();
    EXPECT_EQ(r.flags(), fl::kAck);
    EXPECT_EQ(r.ack(), p);
  } else {
    t.Take();
  }
  ASSERT_EQ(t.stack().State(id), c.state);
  t.Inject(Ms(10), Spec(fl::kRst, p, 0));
  EXPECT_TRUE(t.Take().empty());
  EXPECT_EQ(t.stack().State(id), S::kClosed);
  EXPECT_EQ(t.stack().Error(id).ok(), !c.error);
  if (c.error) {
    EXPECT_EQ(t.stack().Error(id).message(),
              absl::StrCat("connection reset by peer in ", StateName(c.state)));
  }
  EXPECT_EQ(t.stack().NextDeadline(), Instant::Infinite());
}

// In every synchronized state: a SYN with any sequence number draws a
// challenge ACK and changes nothing (RFC 9293 §3.10.7.4 fourth, RFC 5961
// §4); a RST outside the window is dropped without a reply; data with an
// ACK of something never sent is dropped with an ACK.
TEST_P(RstEveryState, SynAnySeqChallengedRstOutsideIgnored) {
  const RstCase& c = GetParam();
  SegmentTester t;
  SocketId l = *t.stack().Listen(Ms(0), 80, 8);
  t.Inject(Ms(0), Spec(fl::kSyn, kPeerIsn, 0));
  uint32_t iss = t.TakeOne().seq();
  t.Inject(Ms(1), Spec(fl::kAck, kPeerIsn + 1, iss + 1));
  SocketId id = *t.stack().Accept(Ms(1), l);
  uint32_t p = kPeerIsn + 1;
  uint32_t u = iss + 1;
  switch (c.state) {
    case S::kFinWait1:
      t.stack().Shutdown(Ms(2), id).IgnoreError();
      break;
    case S::kFinWait2:
      t.stack().Shutdown(Ms(2), id).IgnoreError();
      t.Inject(Ms(3), Spec(fl::kAck, p, u + 1));
      break;
    case S::kCloseWait:
      t.Inject(Ms(3), Spec(fl::kAck | fl::kFin, p, u));
      p += 1;
      break;
    case S::kClosing:
      t.stack().Shutdown(Ms(2), id).IgnoreError();
      t.Inject(Ms(3), Spec(fl::kAck | fl::kFin, p, u));
      p += 1;
      break;
    case S::kLastAck:
      t.Inject(Ms(3), Spec(fl::kAck | fl::kFin, p, u));
      p += 1;
      t.stack().Shutdown(Ms(4), id).IgnoreError();
      break;
    case S::kTimeWait:
      t.stack().Shutdown(Ms(2), id).IgnoreError();
      t.Inject(Ms(3), Spec(fl::kAck | fl::kFin, p, u + 1));
      p += 1;
      break;
    default:
      break;
  }
  ASSERT_EQ(t.stack().State(id), c.state);
  t.Take();
  Instant deadline = t.stack().NextDeadline();
  for (uint32_t seq : {p, p + 100, kPeerIsn, p + 0x80000000u}) {
    t.Inject(Ms(10), Spec(fl::kSyn, seq, 0));
    Seg r = t.TakeOne();
    EXPECT_EQ(r.flags(), fl::kAck) << seq;
    EXPECT_EQ(r.ack(), p) << seq;
    ASSERT_EQ(t.stack().State(id), c.state) << seq;
  }
  t.Inject(Ms(10), Spec(fl::kRst, p + 0x80000000u, 0));
  t.Inject(Ms(10), Spec(fl::kRst | fl::kAck, p - 1, u));
  EXPECT_TRUE(t.Take().empty());
  t.Inject(Ms(10), Spec(fl::kAck, p, u + 5000, Data(10)));
  EXPECT_EQ(t.TakeOne().ack(), p);
  EXPECT_EQ(t.stack().State(id), c.state);
  EXPECT_EQ(t.stack().NextDeadline(), deadline);
  Bytes out(100);
  auto n = t.stack().Receive(Ms(11), id, absl::MakeSpan(out));
  EXPECT_TRUE(n.ok() && *n == 0);
}

INSTANTIATE_TEST_SUITE_P(
    States, RstEveryState,
    ::testing::Values(RstCase{"Established", S::kEstablished, true},
                      RstCase{"FinWait1", S::kFinWait1, true},
                      RstCase{"FinWait2", S::kFinWait2, true},
                      RstCase{"CloseWait", S::kCloseWait, true},
                      RstCase{"Closing", S::kClosing, true},
                      RstCase{"LastAck", S::kLastAck, true},
                      RstCase{"TimeWait", S::kTimeWait, false}),
    [](const ::testing::TestParamInfo<RstCase>& i) { return std::string(i.param.name); });

}  // namespace
}  // namespace tcplab::tcp

namespace tcplab::tcp {
namespace {

TEST(TimerTest, ManyConnectionsFireInDeadlineOrder) {
  SegmentTester t;
  std::vector<SocketId> ids;
  for (int i = 0; i < 30; ++i) {
    ids.push_back(*t.stack().Connect(Ms(i), wire::Ipv4Address(10, 0, 0, 2),
                                     static_cast<uint16_t>(1000 + i)));
  }
  for (int i = 0; i < 30; i += 3) ASSERT_TRUE(t.stack().Abort(Ms(40), ids[i]).ok());
  t.Take();
  std::vector<std::pair<int64_t, int>> fired;  // (ms, port)
  for (int round = 0; round < 40; ++round) {
    Instant d = t.stack().NextDeadline();
    t.stack().Advance(d);
    for (const Seg& s : t.Take()) {
      fired.emplace_back(d.nanos() / 1000000, s.pkt.tcp.dst_port - 1000);
    }
  }
  ASSERT_EQ(fired.size(), 40u);
  // First round: 1000 + i ms for every i not aborted, in order; then 3000 + i.
  std::vector<std::pair<int64_t, int>> want;
  for (int base : {1000, 3000}) {
    for (int i = 0; i < 30; ++i) {
      if (i % 3 != 0) want.emplace_back(base + i, i);
    }
  }
  EXPECT_EQ(fired, want);
}

}  // namespace
}  // namespace tcplab::tcp

namespace tcplab::tcp {
namespace {

// ------------------------------------------------------------ review additions

// A retransmission is bounded by the peer's window like any other segment
// (RFC 9293 §3.8.6.2.1: the sender never exceeds the offered window).
TEST_F(Established, RetransmissionStaysInsidePeerWindow) {
  t.Inject(Ms(20), [&] { SegSpec s = Spec(fl::kAck, P(), U()); s.window = 300; return s; }());
  ASSERT_EQ(*t.stack().Send(Ms(30), id, Data(5000)), 5000u);
  Seg first = t.TakeOne();
  EXPECT_EQ(first.seq(), U());
  EXPECT_EQ(first.payload.size(), 300u);
  for (int i = 0; i < 3; ++i) {
    t.stack().Advance(t.stack().NextDeadline());
    Seg r = t.TakeOne();
    EXPECT_EQ(r.seq(), U());
    EXPECT_EQ(r.payload, Data(300));  // not 1460: the window is 300
  }
  // The ACK moves the window on; sending resumes inside it.
  t.Inject(Ms(5000), [&] { SegSpec s = Spec(fl::kAck, P(), U(300)); s.window = 300; return s; }());
  Seg r = t.TakeOne();
  EXPECT_EQ(r.seq(), U(300));
  EXPECT_EQ(r.payload, Data(300, 44));  // bytes 300..599 (uint8 wrap of 300 = 44)
}

// The timeout message names the unanswered range relative to the ISN (as a
// packet trace would show it), with the length that was actually resent.
TEST_F(Established, DataTimeoutMessageIsRelativeToIsn) {
  StackConfig c = t.stack().config();
  ASSERT_EQ(c.data_retries, 15);
  t.Inject(Ms(20), [&] { SegSpec s = Spec(fl::kAck, P(), U()); s.window = 1000; return s; }());
  ASSERT_EQ(*t.stack().Send(Ms(30), id, Data(3000)), 3000u);
  while (t.stack().State(id) != S::kClosed) t.stack().Advance(t.stack().NextDeadline());
  EXPECT_THAT(std::string(t.stack().Error(id).message()),
              ::testing::StartsWith("connection timed out: 15 retransmissions of seq 1:1001 "
                                    "unanswered over "));
}

TEST_F(Established, FinTimeoutMessageIsRelativeToIsn) {
  ASSERT_EQ(*t.stack().Send(Ms(20), id, Data(10)), 10u);
  t.Inject(Ms(25), Spec(fl::kAck, P(), U(10)));
  ASSERT_TRUE(t.stack().Shutdown(Ms(30), id).ok());
  while (t.stack().State(id) != S::kClosed) t.stack().Advance(t.stack().NextDeadline());
  EXPECT_THAT(std::string(t.stack().Error(id).message()),
              ::testing::StartsWith("connection timed out: 8 retransmissions of FIN seq 11 "
                                    "unanswered over "));
}

// Simultaneous open, then a close while still in SYN-RECEIVED: the ACK of
// our SYN arrives in FIN-WAIT-1. The application must still learn that the
// connection was established (kConnected), and RFC 6298 §5.7 still applies.
TEST_F(SynSent, HandshakeCompletingInFinWait1PostsConnected) {
  t.stack().Advance(Ms(1000));  // one SYN timeout: §5.7 must apply later
  EXPECT_EQ(t.TakeOne().flags(), fl::kSyn);
  t.Inject(Ms(1005), Spec(fl::kSyn, kPeerIsn, 0));
  EXPECT_EQ(t.TakeOne().flags(), fl::kSyn | fl::kAck);
  ASSERT_EQ(t.stack().State(id), S::kSynReceived);
  ASSERT_TRUE(t.stack().Shutdown(Ms(1006), id).ok());
  ASSERT_EQ(t.stack().State(id), S::kFinWait1);
  EXPECT_EQ(t.TakeOne().flags(), fl::kFin | fl::kAck);
  t.Events();
  // The peer's SYN-ACK acknowledges our SYN (not yet our FIN).
  t.Inject(Ms(1010), Spec(fl::kSyn | fl::kAck, kPeerIsn, iss + 1));
  EXPECT_EQ(t.stack().State(id), S::kFinWait1);
  EXPECT_THAT(t.Events(), ElementsAre(Event{id, EventKind::kConnected}));
  EXPECT_EQ(t.stack().Info(id)->rto, absl::Seconds(3));
  t.Inject(Ms(1011), Spec(fl::kAck, kPeerIsn + 1, iss + 2));
  EXPECT_EQ(t.stack().State(id), S::kFinWait2);
  EXPECT_TRUE(t.Events().empty());
}

// Bad input in TIME-WAIT: data, an out-of-window segment and an old ACK are
// answered with an ACK and change nothing; no byte is delivered.
TEST_F(Established, TimeWaitIgnoresDataAndAnswersWithAck) {
  ASSERT_TRUE(t.stack().Shutdown(Ms(20), id).ok());
  t.Take();
  t.Inject(Ms(25), Spec(fl::kAck | fl::kFin, P(), U(1)));
  ASSERT_EQ(t.stack().State(id), S::kTimeWait);
  t.Take();
  Instant deadline = t.stack().NextDeadline();
  t.Inject(Ms(30), Spec(fl::kAck, P(1), U(1), Data(10)));
  Seg r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kAck);
  EXPECT_EQ(r.ack(), P(1));
  t.Inject(Ms(31), Spec(fl::kAck, P(90000), U(1)));
  EXPECT_EQ(t.TakeOne().ack(), P(1));
  EXPECT_EQ(t.stack().State(id), S::kTimeWait);
  EXPECT_EQ(t.stack().NextDeadline(), deadline);  // only a FIN restarts it
  EXPECT_TRUE(ReadAll().empty());
}

// An acceptable RST ends TIME-WAIT (RFC 9293 §3.10.7.4; RFC 1337's
// protection is not implemented). An application that only shut down its
// side still holds the socket and must hear that it closed: found by the
// netsim jitter tests, where a late ACK drew a RST from the closed peer.
TEST_F(Established, RstInTimeWaitClosesAndTellsTheApplication) {
  ASSERT_TRUE(t.stack().Shutdown(Ms(20), id).ok());
  t.Take();
  t.Inject(Ms(25), Spec(fl::kAck | fl::kFin, P(), U(1)));
  ASSERT_EQ(t.stack().State(id), S::kTimeWait);
  t.Take();
  while (t.stack().PollEvent()) {
  }
  t.Inject(Ms(30), Spec(fl::kRst, P(1), 0));
  EXPECT_EQ(t.stack().State(id), S::kClosed);
  bool closed_event = false;
  while (std::optional<Event> e = t.stack().PollEvent()) {
    if (e->socket == id && e->kind == EventKind::kClosed) closed_event = true;
  }
  EXPECT_TRUE(closed_event);
  EXPECT_EQ(t.stack().NextDeadline(), Instant::Infinite());
}

// A new SYN to a TIME-WAIT connection is not a reopening (documented gap,
// RFC 9293 §3.10.7.4 / RFC 6191 allow it): it draws a challenge ACK and the
// TIME-WAIT goes on. Pinned so a change is deliberate.
TEST_F(Established, SynInTimeWaitDrawsChallengeAck) {
  ASSERT_TRUE(t.stack().Shutdown(Ms(20), id).ok());
  t.Take();
  t.Inject(Ms(25), Spec(fl::kAck | fl::kFin, P(), U(1)));
  ASSERT_EQ(t.stack().State(id), S::kTimeWait);
  t.Take();
  t.Inject(Ms(30), Spec(fl::kSyn, P(100000), 0));
  Seg r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kAck);
  EXPECT_EQ(r.ack(), P(1));
  EXPECT_EQ(t.stack().State(id), S::kTimeWait);
}

// User calls in the wrong state fail with a status and change nothing.
TEST_F(Established, UserCallsAfterShutdownResetAndClose) {
  ASSERT_TRUE(t.stack().Shutdown(Ms(20), id).ok());
  EXPECT_EQ(t.stack().Send(Ms(21), id, Data(5)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(t.stack().Shutdown(Ms(21), id).code(), absl::StatusCode::kFailedPrecondition);
  t.Take();
  t.Inject(Ms(22), Spec(fl::kRst, P(), 0));
  ASSERT_EQ(t.stack().State(id), S::kClosed);
  Bytes out(10);
  EXPECT_EQ(t.stack().Receive(Ms(23), id, absl::MakeSpan(out)).status().message(),
            "connection reset by peer in FIN-WAIT-1");
  EXPECT_EQ(t.stack().Shutdown(Ms(23), id).code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(t.stack().Close(Ms(24), id).ok());
  EXPECT_EQ(t.stack().Close(Ms(24), id).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(t.stack().Send(Ms(24), listener, Data(1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(t.stack().Receive(Ms(24), listener, absl::MakeSpan(out)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(t.Take().empty());
}

// Demultiplexing: two connections on one listening port, told apart by the
// remote port; each segment reaches its own connection only.
TEST(DemuxTest, FourTupleSelectsTheConnection) {
  SegmentTester t;
  SocketId l = *t.stack().Listen(Ms(0), 80, 8);
  uint32_t iss[2];
  SocketId ids[2];
  for (int i = 0; i < 2; ++i) {
    SegSpec syn = Spec(fl::kSyn, kPeerIsn, 0);
    syn.sport = static_cast<uint16_t>(5000 + i);
    t.Inject(Ms(0), syn);
    iss[i] = t.TakeOne().seq();
    SegSpec ack = Spec(fl::kAck, kPeerIsn + 1, iss[i] + 1);
    ack.sport = syn.sport;
    t.Inject(Ms(1), ack);
    ids[i] = *t.stack().Accept(Ms(1), l);
  }
  EXPECT_NE(iss[0], iss[1]);  // RFC 6528: the 4-tuple feeds the ISN
  for (int i = 0; i < 2; ++i) {
    SegSpec d = Spec(fl::kAck, kPeerIsn + 1, iss[i] + 1, Data(10 + i, static_cast<uint8_t>(i * 50)));
    d.sport = static_cast<uint16_t>(5000 + i);
    t.Inject(Ms(2), d);
    Seg r = t.TakeOne();
    EXPECT_EQ(r.pkt.tcp.dst_port, 5000 + i);
    EXPECT_EQ(r.ack(), kPeerIsn + 11 + i);
  }
  for (int i = 0; i < 2; ++i) {
    Bytes out(100);
    size_t n = *t.stack().Receive(Ms(3), ids[i], absl::MakeSpan(out));
    out.resize(n);
    EXPECT_EQ(out, Data(10 + i, static_cast<uint8_t>(i * 50)));
  }
  // Another remote address, same ports: no connection; an ACK draws a RST.
  SegSpec stray = Spec(fl::kAck, kPeerIsn + 1, iss[0] + 1, Data(5));
  stray.src = wire::Ipv4Address(10, 0, 0, 3);
  t.Inject(Ms(4), stray);
  Seg r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kRst);
  EXPECT_EQ(r.seq(), iss[0] + 1);
  EXPECT_EQ(r.pkt.ip.dst, wire::Ipv4Address(10, 0, 0, 3));
  EXPECT_EQ(t.stack().State(ids[0]), S::kEstablished);
}

}  // namespace
}  // namespace tcplab::tcp

namespace tcplab::tcp {
namespace {

// TIME-WAIT lasts 2 * config.msl, whatever msl is.
TEST(ConfigTest, TimeWaitIsTwiceConfiguredMsl) {
  StackConfig c = testing::TestConfig(wire::Ipv4Address(10, 0, 0, 1));
  c.msl = absl::Seconds(5);
  SegmentTester t(c);
  SocketId id = *t.stack().Connect(Ms(0), wire::Ipv4Address(10, 0, 0, 2), 5000, 80);
  uint32_t iss = t.TakeOne().seq();
  t.Inject(Ms(10), Spec(fl::kSyn | fl::kAck, kPeerIsn, iss + 1));
  ASSERT_TRUE(t.stack().Shutdown(Ms(20), id).ok());
  t.Inject(Ms(30), Spec(fl::kAck | fl::kFin, kPeerIsn + 1, iss + 2));
  ASSERT_EQ(t.stack().State(id), S::kTimeWait);
  EXPECT_EQ(t.stack().NextDeadline(), Ms(30) + absl::Seconds(10));
  t.stack().Advance(Ms(30) + absl::Seconds(10) - absl::Nanoseconds(1));
  EXPECT_EQ(t.stack().State(id), S::kTimeWait);
  t.stack().Advance(Ms(30) + absl::Seconds(10));
  EXPECT_EQ(t.stack().State(id), S::kClosed);
}

// The initial RTO, its ceiling and the SYN retry limit come from the config.
TEST(ConfigTest, SynScheduleFollowsConfiguredRtoBoundsAndLimit) {
  StackConfig c = testing::TestConfig(wire::Ipv4Address(10, 0, 0, 1));
  c.rto_initial = absl::Milliseconds(500);
  c.rto_max = absl::Seconds(2);
  c.syn_retries = 4;
  SegmentTester t(c);
  SocketId id = *t.stack().Connect(Ms(0), wire::Ipv4Address(10, 0, 0, 2), 5000, 80);
  t.Take();
  std::vector<int64_t> at;
  while (t.stack().State(id) != S::kClosed) {
    Instant d = t.stack().NextDeadline();
    t.stack().Advance(d);
    for (const Seg& s : t.Take()) {
      EXPECT_EQ(s.flags(), fl::kSyn);
      at.push_back(d.nanos() / 1000000);
    }
    if (t.stack().State(id) == S::kClosed) at.push_back(-(d.nanos() / 1000000));
  }
  // 500 ms, doubled to the 2 s ceiling; the fifth timeout kills.
  EXPECT_THAT(at, ElementsAre(500, 1500, 3500, 5500, -7500));
  EXPECT_EQ(t.stack().Error(id).message(),
            "connection timed out: 4 retransmissions of SYN unanswered over 7.5 s");
}

// rto_min is a floor under the computed RTO.
TEST(ConfigTest, RtoMinIsAFloor) {
  StackConfig c = testing::TestConfig(wire::Ipv4Address(10, 0, 0, 1));
  c.rto_min = absl::Milliseconds(700);
  SegmentTester t(c);
  SocketId id = *t.stack().Connect(Ms(0), wire::Ipv4Address(10, 0, 0, 2), 5000, 80);
  uint32_t iss = t.TakeOne().seq();
  t.Inject(Ms(10), Spec(fl::kSyn | fl::kAck, kPeerIsn, iss + 1));  // RTT 10 ms
  t.Take();
  EXPECT_EQ(t.stack().Info(id)->rto, absl::Milliseconds(700));
  ASSERT_EQ(*t.stack().Send(Ms(20), id, Data(10)), 10u);
  t.Take();
  EXPECT_EQ(t.stack().NextDeadline(), Ms(720));
}

}  // namespace
}  // namespace tcplab::tcp

namespace tcplab::tcp {
namespace {

// Text and FIN carried on a SYN or SYN-ACK are not kept (as Linux does
// without TCP Fast Open): only the SYN is acknowledged, so the peer sends
// them again; nothing is delivered from them. Pinned so a change is
// deliberate.
TEST(SynDataTest, DataOnSynIsNotAcknowledged) {
  SegmentTester t;
  SocketId l = *t.stack().Listen(Ms(0), 80, 8);
  t.Inject(Ms(0), Spec(fl::kSyn | fl::kFin, kPeerIsn, 0, Data(20)));
  Seg synack = t.TakeOne();
  EXPECT_EQ(synack.ack(), kPeerIsn + 1);
  t.Inject(Ms(1), Spec(fl::kAck, kPeerIsn + 1, synack.seq() + 1));
  SocketId id = *t.stack().Accept(Ms(1), l);
  EXPECT_EQ(t.stack().State(id), S::kEstablished);
  EXPECT_FALSE(t.stack().GetReadiness(id).readable);
  // The retransmission is taken normally.
  t.Inject(Ms(2), Spec(fl::kAck | fl::kFin, kPeerIsn + 1, synack.seq() + 1, Data(20)));
  EXPECT_EQ(t.TakeOne().ack(), kPeerIsn + 22);
  Bytes out(100);
  EXPECT_EQ(*t.stack().Receive(Ms(3), id, absl::MakeSpan(out)), 20u);
  EXPECT_EQ(t.stack().State(id), S::kCloseWait);
}

TEST(SynDataTest, DataOnSynAckIsNotAcknowledged) {
  SegmentTester t;
  SocketId id = *t.stack().Connect(Ms(0), wire::Ipv4Address(10, 0, 0, 2), 5000, 80);
  uint32_t iss = t.TakeOne().seq();
  t.Inject(Ms(5), Spec(fl::kSyn | fl::kAck | fl::kFin, kPeerIsn, iss + 1, Data(20)));
  Seg r = t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kAck);
  EXPECT_EQ(r.ack(), kPeerIsn + 1);
  EXPECT_EQ(t.stack().State(id), S::kEstablished);
  EXPECT_FALSE(t.stack().GetReadiness(id).readable);
  EXPECT_FALSE(t.stack().GetReadiness(id).peer_closed);
}

}  // namespace
}  // namespace tcplab::tcp

namespace tcplab::tcp {
namespace {

// The send window is updated from SEG.SEQ as sent (§3.10.7.4 fifth, SND.WL1),
// not from the sequence number left after trimming old bytes: a late copy
// of an older segment that straddles RCV.NXT carries an old ACK and window
// and must not move our idea of the peer's right edge past what it offered.
TEST_F(Established, StraddlingOldSegmentDoesNotUpdateTheWindow) {
  ASSERT_EQ(*t.stack().Send(Ms(20), id, Data(1000)), 1000u);
  t.Take();
  auto seg = [&](uint32_t off, size_t n, uint32_t ack_off, uint16_t win) {
    SegSpec s = Spec(fl::kAck, P(off), U(ack_off), Data(n, static_cast<uint8_t>(off)));
    s.window = win;
    return s;
  };
  t.Inject(Ms(30), seg(0, 100, 0, 2000));     // right edge U(2000)
  t.Inject(Ms(31), seg(100, 100, 1000, 1000));  // all acked; edge still U(2000)
  t.Take();
  t.Inject(Ms(32), seg(150, 100, 0, 2000));   // late copy: old ACK, old window
  EXPECT_EQ(t.TakeOne().ack(), P(250));          // its new bytes are taken
  EXPECT_EQ(t.stack().Info(id)->snd_wnd, 1000u);
  ASSERT_EQ(*t.stack().Send(Ms(40), id, Data(5000)), 5000u);
  uint32_t end = U(1000);
  for (const Seg& r : t.Take()) end = std::max(end, r.seq() + static_cast<uint32_t>(r.payload.size()));
  EXPECT_EQ(end, U(2000));
  EXPECT_EQ(ReadAll(), Data(250));
}

}  // namespace
}  // namespace tcplab::tcp

namespace tcplab::tcp {
namespace {

// A retransmission that fills a hole has a lower SEG.SEQ than the
// out-of-order segment that last updated the window (SND.WL1), but carries
// a newer ACK and the window measured from it. Advancing SND.UNA while
// keeping the older window would move the right edge we compute
// (SND.UNA + SND.WND) past what the peer ever offered; found by
// FlowControlTest.RandomizedBidirectionalTransfersAreExact.
TEST_F(Established, HoleFillingRetransmissionCarriesTheWindow) {
  ASSERT_EQ(*t.stack().Send(Ms(20), id, Data(1000)), 1000u);
  t.Take();
  auto seg = [&](uint32_t off, size_t n, uint32_t ack_off, uint16_t win) {
    SegSpec s = Spec(fl::kAck, P(off), U(ack_off), Data(n, static_cast<uint8_t>(off)));
    s.window = win;
    return s;
  };
  t.Inject(Ms(30), seg(100, 100, 0, 2000));   // out of order; right edge U(2000)
  t.Inject(Ms(31), seg(0, 100, 1000, 1000));  // fills the hole; edge still U(2000)
  t.Take();
  EXPECT_EQ(t.stack().Info(id)->snd_una.raw(), U(1000));
  EXPECT_EQ(t.stack().Info(id)->snd_wnd, 1000u);
  ASSERT_EQ(*t.stack().Send(Ms(40), id, Data(5000)), 5000u);
  uint32_t end = U(1000);
  for (const Seg& r : t.Take()) end = std::max(end, r.seq() + static_cast<uint32_t>(r.payload.size()));
  EXPECT_EQ(end, U(2000));
  EXPECT_EQ(ReadAll(), Data(200));
}

}  // namespace
}  // namespace tcplab::tcp
