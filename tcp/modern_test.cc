// Packet-level tests of the modern extensions (issue 6): window scaling,
// timestamps and PAWS, SACK (receiver and sender), fast retransmit and
// NewReno, limited transmit, RFC 5961, delayed ACK, Nagle, keepalive and
// the initial window. Each test starts from TestConfig() (the RFC 9293
// core) and switches on only what it exercises; hand-made segments in,
// exact replies out.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tcp/stack.h"
#include "tcp/testing/harness.h"
#include "tcp/wire/packet.h"
#include "tcp/wire/tcp_options.h"

namespace tcplab::tcp {
namespace {

using testing::Bytes;
using testing::Ms;
using testing::Seg;
using testing::SegmentTester;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
namespace fl = wire::flags;
using S = ConnectionState;
using Span = std::pair<uint32_t, uint32_t>;  // (offset from our ISN + 1, length)

constexpr uint32_t kPeerIsn = 1000;
constexpr uint32_t kSmss = 1460;

Bytes Data(size_t n, uint8_t first = 0) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(first + i);
  return b;
}

// A segment from the peer 10.0.0.2:5000 to us at 10.0.0.1:80, with any
// options (SegSpec carries only MSS).
struct PeerSeg {
  uint8_t flags = fl::kAck;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint16_t window = 65535;
  wire::TcpOptions options;
  Bytes payload;
};

Bytes Build(const PeerSeg& s) {
  wire::Packet p;
  p.ip.src = wire::Ipv4Address(10, 0, 0, 2);
  p.ip.dst = wire::Ipv4Address(10, 0, 0, 1);
  p.tcp.src_port = 5000;
  p.tcp.dst_port = 80;
  p.tcp.seq = wire::Seq(s.seq);
  p.tcp.ack = wire::Seq(s.ack);
  p.tcp.flags = s.flags;
  p.tcp.window = s.window;
  p.tcp.options = s.options;
  p.payload = s.payload;
  Bytes out(wire::SerializedSize(p));
  EXPECT_EQ(wire::SerializePacket(p, absl::MakeSpan(out)), out.size());
  return out;
}

wire::TcpOptions SynOpts(std::optional<uint8_t> wscale = std::nullopt, bool sack = false,
                         std::optional<uint32_t> tsval = std::nullopt) {
  wire::TcpOptions o;
  o.mss = 1460;
  o.window_scale = wscale;
  o.sack_permitted = sack;
  if (tsval) o.timestamps = wire::Timestamps{*tsval, 0};
  return o;
}

wire::TcpOptions Ts(uint32_t val, uint32_t ecr) {
  wire::TcpOptions o;
  o.timestamps = wire::Timestamps{val, ecr};
  return o;
}

std::vector<wire::SackBlock> Blocks(const Seg& s) {
  const wire::TcpOptions& o = s.pkt.tcp.options;
  return std::vector<wire::SackBlock>(o.sack_blocks.begin(), o.sack_blocks.begin() + o.sack_count);
}

// One connection, passively opened by the peer (ISN kPeerIsn).
class Conn {
 public:
  explicit Conn(StackConfig config) : t(config) {}

  // LISTEN; the peer's SYN (with `options`) at 0 ms. Returns the SYN-ACK.
  Seg Syn(const wire::TcpOptions& options, uint16_t window = 65535) {
    listener = *t.stack().Listen(Ms(0), 80, 8);
    PeerSeg s;
    s.flags = fl::kSyn;
    s.seq = kPeerIsn;
    s.window = window;
    s.options = options;
    In(Ms(0), s);
    Seg synack = t.TakeOne();
    iss = synack.seq();
    return synack;
  }
  // The handshake's ACK at 10 ms; accepts the connection.
  void Complete(wire::TcpOptions options = {}, uint16_t window = 65535) {
    PeerSeg a = Ack(0);
    a.options = options;
    a.window = window;
    In(Ms(10), a);
    EXPECT_THAT(t.Take(), IsEmpty());
    id = *t.stack().Accept(Ms(10), listener);
    t.Events();
  }
  void Open(const wire::TcpOptions& syn = SynOpts()) {
    Syn(syn);
    Complete();
  }

  void In(Instant now, const PeerSeg& s) { t.stack().Input(now, Build(s)); }
  // A pure ACK of our byte offset `ack_off`.
  PeerSeg Ack(uint32_t ack_off) const {
    PeerSeg a;
    a.seq = P();
    a.ack = U(ack_off);
    return a;
  }
  // `n` bytes of peer data at peer offset `off`.
  PeerSeg DataAt(uint32_t off, size_t n) const {
    PeerSeg d;
    d.flags = fl::kAck | fl::kPsh;
    d.seq = P(off);
    d.ack = U();
    d.payload = Data(n, static_cast<uint8_t>(off));
    return d;
  }
  void Send(Instant now, size_t n) {
    absl::StatusOr<size_t> r = t.stack().Send(now, id, Data(n));
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(*r, n);
  }
  // What the stack emitted, as (offset, length) of each segment's data.
  std::vector<Span> Spans() {
    std::vector<Span> out;
    for (const Seg& s : t.Take()) {
      EXPECT_TRUE(s.flags() & fl::kAck) << s.ToString();
      out.emplace_back(s.seq() - U(), static_cast<uint32_t>(s.payload.size()));
    }
    return out;
  }
  ConnectionInfo Info() { return *t.stack().Info(id); }
  uint32_t P(uint32_t off = 0) const { return kPeerIsn + 1 + off; }
  uint32_t U(uint32_t off = 0) const { return iss + 1 + off; }

  SegmentTester t;
  SocketId listener = 0, id = 0;
  uint32_t iss = 0;
};

StackConfig Config() { return testing::TestConfig(wire::Ipv4Address(10, 0, 0, 1)); }

// ------------------------------------------------------------ window scale

TEST(WindowScaleTest, ActiveOpenOffersShiftAndBothDirectionsScaleAfterSyn) {
  StackConfig c = Config();
  c.window_scale = true;
  c.window_scale_shift = 7;
  c.recv_buffer_bytes = 1 << 20;
  Conn k(c);
  SocketId id = *k.t.stack().Connect(Ms(0), wire::Ipv4Address(10, 0, 0, 2), 5000, 80);
  k.id = id;
  Seg syn = k.t.TakeOne();
  k.iss = syn.seq();
  EXPECT_EQ(syn.flags(), fl::kSyn);
  EXPECT_EQ(syn.pkt.tcp.options.window_scale, 7);
  EXPECT_EQ(syn.window(), 65535);  // never scaled in a SYN (1 MiB >> 7 would be 8192)

  PeerSeg synack;
  synack.flags = fl::kSyn | fl::kAck;
  synack.seq = kPeerIsn;
  synack.ack = k.U();
  synack.window = 1000;  // not scaled: the SYN-ACK's own window
  synack.options = SynOpts(/*wscale=*/2);
  k.In(Ms(10), synack);
  Seg ack = k.t.TakeOne();
  EXPECT_EQ(ack.flags(), fl::kAck);
  EXPECT_EQ(ack.window(), (1 << 20) >> 7);
  ConnectionInfo i = k.Info();
  EXPECT_TRUE(i.window_scale_enabled);
  EXPECT_EQ(i.snd_wscale, 2);
  EXPECT_EQ(i.rcv_wscale, 7);
  EXPECT_EQ(i.snd_wnd, 1000u);
  EXPECT_EQ(i.rcv_wnd, 1u << 20);

  // The SYN-ACK's window (1000, unscaled) bounds the first segment.
  k.Send(Ms(20), 20000);
  EXPECT_THAT(k.Spans(), ElementsAre(Pair(0, 1000)));
  // 730 << 2 = 2920: exactly two segments, nothing past the right edge.
  PeerSeg a = k.Ack(1000);
  a.window = 730;
  k.In(Ms(30), a);
  EXPECT_THAT(k.Spans(), ElementsAre(Pair(1000, 1460), Pair(2460, 1460)));
  EXPECT_EQ(k.Info().snd_wnd, 2920u);
  a = k.Ack(3920);
  a.window = 1095;  // 4380
  k.In(Ms(40), a);
  EXPECT_THAT(k.Spans(), ElementsAre(Pair(3920, 1460), Pair(5380, 1460), Pair(6840, 1460)));
  EXPECT_EQ(k.Info().snd_nxt, wire::Seq(k.U(3920 + 4380)));

  // Our field is the window >> 7 (rounded up to the granule, never
  // shrinking the right edge).
  PeerSeg d = k.DataAt(0, 1000);
  d.ack = k.U(3920);
  d.window = 1095;
  k.In(Ms(50), d);
  Seg r = k.t.TakeOne();
  EXPECT_EQ(r.ack(), k.P(1000));
  EXPECT_TRUE(r.payload.empty());
  EXPECT_EQ(r.window(), 8185);  // ceil((2^20 - 1000) / 128)
  EXPECT_EQ(uint32_t{r.window()} << 7, k.Info().rcv_wnd);
}

TEST(WindowScaleTest, OffIfTheSynAckCarriesNoShift) {
  StackConfig c = Config();
  c.window_scale = true;
  c.window_scale_shift = 7;
  c.recv_buffer_bytes = 1 << 20;
  Conn k(c);
  k.id = *k.t.stack().Connect(Ms(0), wire::Ipv4Address(10, 0, 0, 2), 5000, 80);
  Seg syn = k.t.TakeOne();
  k.iss = syn.seq();
  EXPECT_EQ(syn.pkt.tcp.options.window_scale, 7);
  PeerSeg synack;
  synack.flags = fl::kSyn | fl::kAck;
  synack.seq = kPeerIsn;
  synack.ack = k.U();
  synack.window = 3000;
  synack.options = SynOpts();
  k.In(Ms(10), synack);
  Seg ack = k.t.TakeOne();
  EXPECT_EQ(ack.window(), 65535);  // our shift is not in use: bytes, capped
  ConnectionInfo i = k.Info();
  EXPECT_FALSE(i.window_scale_enabled);
  EXPECT_EQ(i.rcv_wscale, 0);
  EXPECT_EQ(i.snd_wscale, 0);
  EXPECT_EQ(i.rcv_wnd, 65535u);
  PeerSeg a = k.Ack(0);
  a.window = 2920;  // taken as bytes
  k.In(Ms(20), a);
  k.Send(Ms(21), 10000);
  EXPECT_THAT(k.Spans(), ElementsAre(Pair(0, 1460), Pair(1460, 1460)));
}

TEST(WindowScaleTest, SynAckAnswersOnlyWhenOffered) {
  StackConfig c = Config();
  c.window_scale = true;
  c.window_scale_shift = 7;
  Conn k(c);
  Seg synack = k.Syn(SynOpts(/*wscale=*/std::nullopt));
  EXPECT_FALSE(synack.pkt.tcp.options.window_scale.has_value());
  k.Complete({}, /*window=*/1000);
  ConnectionInfo i = k.Info();
  EXPECT_FALSE(i.window_scale_enabled);
  EXPECT_EQ(i.snd_wscale, 0);
  EXPECT_EQ(i.rcv_wscale, 0);
  EXPECT_EQ(i.snd_wnd, 1000u);  // unscaled
  k.Send(Ms(20), 5000);
  EXPECT_THAT(k.Spans(), ElementsAre(Pair(0, 1000)));
  PeerSeg d = k.DataAt(0, 100);
  d.window = 1000;
  k.In(Ms(30), d);
  Seg r = k.t.TakeOne();
  EXPECT_TRUE(r.payload.empty());
  EXPECT_EQ(r.window(), 65535 - 100);  // bytes, not >> 7
  EXPECT_EQ(k.Info().rcv_wnd, 65535u - 100);
}

TEST(WindowScaleTest, ShiftAbove14IsTakenAs14AndPeerWindowIsHonoured) {
  StackConfig c = Config();
  c.window_scale = true;
  c.window_scale_shift = 7;
  Conn k(c);
  Seg synack = k.Syn(SynOpts(/*wscale=*/15), /*window=*/100);
  EXPECT_EQ(synack.pkt.tcp.options.window_scale, 7);
  EXPECT_EQ(synack.window(), 65535);  // 64 KiB, unscaled in the SYN-ACK
  // Before Accept: the passive connection's id is the one after the
  // listener's (ids are handed out in order).
  ConnectionInfo i = *k.t.stack().Info(k.listener + 1);
  EXPECT_EQ(i.snd_wscale, 14);
  EXPECT_EQ(i.rcv_wscale, 7);
  k.Complete({}, /*window=*/1);  // 1 << 14
  EXPECT_EQ(k.Info().snd_wnd, 16384u);
  k.Send(Ms(20), 16384);
  std::vector<Span> spans = k.Spans();
  ASSERT_EQ(spans.size(), 12u);
  EXPECT_EQ(spans.back(), Span(11 * 1460, 16384 - 11 * 1460));
  k.Send(Ms(21), 1);  // the window is full
  EXPECT_THAT(k.Spans(), IsEmpty());
}

// ------------------------------------------------------------ timestamps

class TimestampsTest : public ::testing::Test {
 protected:
  explicit TimestampsTest(bool delayed_ack = false) : k(MakeConfig(delayed_ack)) {}
  static StackConfig MakeConfig(bool delayed_ack) {
    StackConfig c = Config();
    c.timestamps = true;
    c.delayed_ack = delayed_ack;
    return c;
  }
  void SetUp() override {
    Seg synack = k.Syn(SynOpts(std::nullopt, false, /*tsval=*/5000));
    ASSERT_TRUE(synack.pkt.tcp.options.timestamps.has_value());
    EXPECT_EQ(synack.pkt.tcp.options.timestamps->ecr, 5000u);
    off = synack.pkt.tcp.options.timestamps->val;  // our TSval at 0 ms
    k.Complete(Ts(5001, off));
  }
  // Our TSval at `ms`.
  uint32_t Our(uint32_t ms) const { return off + ms; }
  PeerSeg DataTs(uint32_t at, size_t n, uint32_t tsval) {
    PeerSeg d = k.DataAt(at, n);
    d.options = Ts(tsval, Our(10));
    return d;
  }

  Conn k;
  uint32_t off = 0;
};

TEST_F(TimestampsTest, NegotiatedEchoedAndMssLeavesRoom) {
  ConnectionInfo i = k.Info();
  EXPECT_TRUE(i.timestamps_enabled);
  EXPECT_EQ(i.eff_snd_mss, 1460 - 12);
  EXPECT_EQ(i.rtt_samples, 1u);  // the handshake's ACK, from TSecr
  k.In(Ms(20), DataTs(0, 100, 5002));
  Seg r = k.t.TakeOne();
  EXPECT_EQ(r.ack(), k.P(100));
  EXPECT_EQ(r.pkt.tcp.options.timestamps, (wire::Timestamps{Our(20), 5002}));
  // Data segments carry it too.
  k.Send(Ms(25), 10);
  r = k.t.TakeOne();
  EXPECT_EQ(r.payload.size(), 10u);
  EXPECT_EQ(r.pkt.tcp.options.timestamps, (wire::Timestamps{Our(25), 5002}));
}

TEST(TimestampsOffTest, NotAnsweredWhenPeerOffersNone) {
  StackConfig c = Config();
  c.timestamps = true;
  Conn k(c);
  Seg synack = k.Syn(SynOpts());
  EXPECT_FALSE(synack.pkt.tcp.options.timestamps.has_value());
  k.Complete();
  EXPECT_FALSE(k.Info().timestamps_enabled);
  EXPECT_EQ(k.Info().eff_snd_mss, 1460);
  k.In(Ms(20), k.DataAt(0, 100));
  EXPECT_FALSE(k.t.TakeOne().pkt.tcp.options.timestamps.has_value());
  // And our SYN offers them.
  Conn a(c);
  ASSERT_TRUE(a.t.stack().Connect(Ms(7), wire::Ipv4Address(10, 0, 0, 2), 5000, 80).ok());
  Seg syn = a.t.TakeOne();
  ASSERT_TRUE(syn.pkt.tcp.options.timestamps.has_value());
  EXPECT_EQ(syn.pkt.tcp.options.timestamps->ecr, 0u);
}

TEST(TimestampsActiveTest, SynAckEchoGivesFirstSampleAndTsRecent) {
  StackConfig c = Config();
  c.timestamps = true;
  Conn k(c);
  k.id = *k.t.stack().Connect(Ms(0), wire::Ipv4Address(10, 0, 0, 2), 5000, 80);
  Seg syn = k.t.TakeOne();
  k.iss = syn.seq();
  ASSERT_TRUE(syn.pkt.tcp.options.timestamps.has_value());
  const uint32_t off = syn.pkt.tcp.options.timestamps->val;
  PeerSeg synack;
  synack.flags = fl::kSyn | fl::kAck;
  synack.seq = kPeerIsn;
  synack.ack = k.U();
  synack.options = SynOpts(std::nullopt, false, /*tsval=*/777);
  synack.options.timestamps->ecr = off;
  k.In(Ms(30), synack);
  Seg ack = k.t.TakeOne();
  EXPECT_EQ(ack.pkt.tcp.options.timestamps, (wire::Timestamps{off + 30, 777}));
  ConnectionInfo i = k.Info();
  EXPECT_TRUE(i.timestamps_enabled);
  EXPECT_EQ(i.rtt_samples, 1u);
  EXPECT_EQ(i.srtt, absl::Milliseconds(30));
}

TEST_F(TimestampsTest, TsRecentOnlyFromSegmentsAtLastAckSent) {
  k.In(Ms(20), DataTs(0, 100, 5002));
  EXPECT_EQ(k.t.TakeOne().pkt.tcp.options.timestamps->ecr, 5002u);
  // Out of order (SEG.SEQ > Last.ACK.sent): TS.Recent stays.
  k.In(Ms(21), DataTs(200, 100, 6000));
  Seg r = k.t.TakeOne();
  EXPECT_EQ(r.ack(), k.P(100));
  EXPECT_EQ(r.pkt.tcp.options.timestamps->ecr, 5002u);
  // The segment that fills the hole is at Last.ACK.sent: its TSval counts,
  // even though it is older than the out-of-order one.
  k.In(Ms(22), DataTs(100, 100, 5990));
  r = k.t.TakeOne();
  EXPECT_EQ(r.ack(), k.P(300));
  EXPECT_EQ(r.pkt.tcp.options.timestamps->ecr, 5990u);
}

class TimestampsDelayedAckTest : public TimestampsTest {
 protected:
  TimestampsDelayedAckTest() : TimestampsTest(/*delayed_ack=*/true) {}
};

TEST_F(TimestampsDelayedAckTest, DelayedAckEchoesEarliestUnacknowledged) {
  k.In(Ms(20), DataTs(0, 100, 5002));
  k.In(Ms(21), DataTs(100, 100, 5003));
  EXPECT_THAT(k.t.Take(), IsEmpty());
  k.t.stack().Advance(Ms(60));
  Seg r = k.t.TakeOne();
  EXPECT_EQ(r.ack(), k.P(200));
  EXPECT_EQ(r.pkt.tcp.options.timestamps, (wire::Timestamps{Our(60), 5002}));
}

TEST_F(TimestampsTest, PawsDropsOldSegmentAndAcksButRstIsExempt) {
  k.In(Ms(20), DataTs(0, 100, 5002));
  k.t.TakeOne();
  k.t.Events();
  k.In(Ms(30), DataTs(100, 100, 4000));  // TSval older than TS.Recent
  Seg r = k.t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kAck);
  EXPECT_EQ(r.seq(), k.U());
  EXPECT_EQ(r.ack(), k.P(100));  // not delivered
  EXPECT_EQ(r.pkt.tcp.options.timestamps, (wire::Timestamps{Our(30), 5002}));
  EXPECT_EQ(k.t.stack().counters().paws_rejected, 1u);
  ConnectionInfo i = k.Info();
  EXPECT_EQ(i.bytes_received, 100u);
  EXPECT_EQ(i.recv_buffered, 100u);
  EXPECT_EQ(i.rcv_nxt, wire::Seq(k.P(100)));
  // The same TSval as TS.Recent passes (PAWS drops only older ones).
  k.In(Ms(31), DataTs(100, 100, 5002));
  EXPECT_EQ(k.t.TakeOne().ack(), k.P(200));
  EXPECT_EQ(k.t.stack().counters().paws_rejected, 1u);
  // A RST at RCV.NXT with an old TSval still resets.
  PeerSeg rst;
  rst.flags = fl::kRst;
  rst.seq = k.P(200);
  rst.options = Ts(4000, 0);
  k.In(Ms(40), rst);
  EXPECT_THAT(k.t.Take(), IsEmpty());
  EXPECT_EQ(k.t.stack().State(k.id), S::kClosed);
  EXPECT_THAT(k.t.Events(), ElementsAre(Event{k.id, EventKind::kReset}));
  EXPECT_EQ(k.t.stack().counters().paws_rejected, 1u);
  EXPECT_EQ(k.t.stack().counters().resets_received, 1u);
}

TEST_F(TimestampsTest, RttSamplesComeFromTsecrEvenForRetransmissions) {
  ConnectionInfo i = k.Info();
  EXPECT_EQ(i.rtt_samples, 1u);
  EXPECT_EQ(i.srtt, absl::Milliseconds(10));
  k.Send(Ms(100), 100);
  Seg d = k.t.TakeOne();
  EXPECT_EQ(d.pkt.tcp.options.timestamps, (wire::Timestamps{Our(100), 5001}));
  PeerSeg a = k.Ack(100);
  a.options = Ts(5002, Our(100));
  k.In(Ms(160), a);
  i = k.Info();
  EXPECT_EQ(i.rtt_samples, 2u);
  EXPECT_EQ(i.srtt, absl::Microseconds(16250));  // 7/8 * 10 + 1/8 * 60 ms
  EXPECT_EQ(i.rto, absl::Milliseconds(200));
  // A retransmission (Karn would give no sample): TSecr names it.
  k.Send(Ms(200), 100);
  k.t.TakeOne();
  EXPECT_EQ(k.t.stack().NextDeadline(), Ms(400));
  k.t.stack().Advance(Ms(400));
  Seg rtx = k.t.TakeOne();
  EXPECT_EQ(rtx.seq(), k.U(100));
  EXPECT_EQ(rtx.pkt.tcp.options.timestamps->val, Our(400));
  a = k.Ack(200);
  a.options = Ts(5003, Our(400));
  k.In(Ms(410), a);
  i = k.Info();
  EXPECT_EQ(i.rtt_samples, 3u);
  EXPECT_EQ(i.srtt, absl::Microseconds(16250) * 7 / 8 + absl::Milliseconds(10) / 8);
}

// ------------------------------------------------------------ SACK receiver

TEST(SackNegotiationTest, NegotiatedOnlyWhenBothOffer) {
  StackConfig c = Config();
  c.sack = true;
  Conn k(c);
  EXPECT_TRUE(k.Syn(SynOpts(std::nullopt, /*sack=*/true)).pkt.tcp.options.sack_permitted);
  k.Complete();
  EXPECT_TRUE(k.Info().sack_enabled);
  Conn n(c);
  EXPECT_FALSE(n.Syn(SynOpts()).pkt.tcp.options.sack_permitted);
  n.Complete();
  EXPECT_FALSE(n.Info().sack_enabled);
  n.In(Ms(20), n.DataAt(100, 100));  // out of order: a plain duplicate ACK
  Seg r = n.t.TakeOne();
  EXPECT_EQ(r.ack(), n.P());
  EXPECT_EQ(r.pkt.tcp.options.sack_count, 0);
  // Our own SYN offers it.
  Conn a(c);
  ASSERT_TRUE(a.t.stack().Connect(Ms(0), wire::Ipv4Address(10, 0, 0, 2), 5000, 80).ok());
  EXPECT_TRUE(a.t.TakeOne().pkt.tcp.options.sack_permitted);
}

class SackReceiverTest : public ::testing::TestWithParam<bool> {};

// Out-of-order segments at 100, 300, 500, 700 (100 bytes each), then the
// holes filled one by one.
TEST_P(SackReceiverTest, BlocksMostRecentFirstBoundedAndGoneWhenFilled) {
  const bool ts = GetParam();
  StackConfig c = Config();
  c.sack = true;
  c.timestamps = ts;
  Conn k(c);
  Seg synack = k.Syn(SynOpts(std::nullopt, true, ts ? std::optional<uint32_t>(1) : std::nullopt));
  const uint32_t off = ts ? synack.pkt.tcp.options.timestamps->val : 0;
  k.Complete(ts ? Ts(2, off) : wire::TcpOptions{});
  uint32_t tsval = 3;
  auto send = [&](uint32_t at) {
    PeerSeg d = k.DataAt(at, 100);
    if (ts) d.options = Ts(tsval++, off);
    k.In(Ms(20), d);
    Seg r = k.t.TakeOne();
    EXPECT_EQ(r.flags(), fl::kAck);
    EXPECT_EQ(r.pkt.tcp.options.timestamps.has_value(), ts);
    return r;
  };
  using B = wire::SackBlock;
  auto blk = [&](uint32_t l, uint32_t r) { return B{wire::Seq(k.P(l)), wire::Seq(k.P(r))}; };

  Seg r = send(100);
  EXPECT_EQ(r.ack(), k.P(0));
  EXPECT_THAT(Blocks(r), ElementsAre(blk(100, 200)));
  r = send(300);
  EXPECT_THAT(Blocks(r), ElementsAre(blk(300, 400), blk(100, 200)));
  r = send(500);
  EXPECT_THAT(Blocks(r), ElementsAre(blk(500, 600), blk(300, 400), blk(100, 200)));
  r = send(700);
  if (ts) {
    EXPECT_THAT(Blocks(r), ElementsAre(blk(700, 800), blk(500, 600), blk(300, 400)));
  } else {
    EXPECT_THAT(Blocks(r),
                ElementsAre(blk(700, 800), blk(500, 600), blk(300, 400), blk(100, 200)));
  }
  // A duplicate of a held segment: its block goes first.
  r = send(300);
  EXPECT_EQ(r.ack(), k.P(0));
  EXPECT_EQ(Blocks(r).front(), blk(300, 400));
  // 200..300 joins 100..400 into one block, reported first.
  r = send(200);
  EXPECT_EQ(r.ack(), k.P(0));
  EXPECT_THAT(Blocks(r), ElementsAre(blk(100, 400), blk(700, 800), blk(500, 600)));
  r = send(0);
  EXPECT_EQ(r.ack(), k.P(400));
  EXPECT_THAT(Blocks(r), ElementsAre(blk(700, 800), blk(500, 600)));
  r = send(400);
  EXPECT_EQ(r.ack(), k.P(600));
  EXPECT_THAT(Blocks(r), ElementsAre(blk(700, 800)));
  r = send(600);
  EXPECT_EQ(r.ack(), k.P(800));
  EXPECT_THAT(Blocks(r), IsEmpty());
  EXPECT_EQ(k.Info().bytes_received, 800u);
}

INSTANTIATE_TEST_SUITE_P(WithAndWithoutTimestamps, SackReceiverTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Timestamps" : "NoTimestamps"; });

// ------------------------------------------------------------ fast retransmit

// A connection with newreno, a 10-segment flight of 20 segments queued.
class FastRetransmitTest : public ::testing::Test {
 protected:
  static StackConfig MakeConfig(bool limited_transmit, bool sack) {
    StackConfig c = Config();
    c.congestion = CongestionAlgorithm::kNewReno;
    c.limited_transmit = limited_transmit;
    c.sack = sack;
    return c;
  }
  explicit FastRetransmitTest(bool limited_transmit = false, bool sack = false)
      : k(MakeConfig(limited_transmit, sack)), sack_(sack) {}
  void SetUp() override {
    k.Syn(SynOpts(std::nullopt, sack_));
    k.Complete();
    k.Send(Ms(20), 20 * kSmss);
    std::vector<Span> flight = k.Spans();
    ASSERT_EQ(flight.size(), 10u);
    for (uint32_t i = 0; i < 10; ++i) EXPECT_EQ(flight[i], Span(i * kSmss, kSmss));
  }
  static Span Sg(uint32_t n) { return Span(n * kSmss, kSmss); }

  Conn k;
  bool sack_;
};

TEST_F(FastRetransmitTest, ThreeDupAcksRetransmitTheHoleNewRenoRecovers) {
  // Segments 0 and 4 lost; 1, 2, 3, 5..9 arrive: eight duplicate ACKs.
  k.In(Ms(30), k.Ack(0));
  k.In(Ms(31), k.Ack(0));
  EXPECT_THAT(k.Spans(), IsEmpty());
  EXPECT_EQ(k.Info().congestion_state, CongestionState::kDisorder);
  EXPECT_EQ(k.Info().duplicate_acks, 2u);
  k.In(Ms(32), k.Ack(0));
  EXPECT_THAT(k.Spans(), ElementsAre(Sg(0)));
  ConnectionInfo i = k.Info();
  EXPECT_EQ(i.congestion_state, CongestionState::kRecovery);
  EXPECT_EQ(i.ssthresh, 5 * kSmss);      // FlightSize / 2
  EXPECT_EQ(i.cwnd, 5 * kSmss + 3 * kSmss);  // ssthresh + 3 SMSS
  EXPECT_EQ(i.fast_retransmissions, 1u);
  EXPECT_EQ(i.fast_recoveries, 1u);
  // Inflation: one SMSS per further duplicate; new data once it exceeds
  // the flight.
  k.In(Ms(33), k.Ack(0));
  k.In(Ms(34), k.Ack(0));
  EXPECT_THAT(k.Spans(), IsEmpty());
  EXPECT_EQ(k.Info().cwnd, 10 * kSmss);
  k.In(Ms(35), k.Ack(0));
  EXPECT_THAT(k.Spans(), ElementsAre(Sg(10)));
  k.In(Ms(36), k.Ack(0));
  EXPECT_THAT(k.Spans(), ElementsAre(Sg(11)));
  k.In(Ms(37), k.Ack(0));
  EXPECT_THAT(k.Spans(), ElementsAre(Sg(12)));
  EXPECT_EQ(k.Info().cwnd, 13 * kSmss);
  EXPECT_EQ(k.Info().duplicate_acks, 8u);
  // Partial ACK (0..3): segment 4 goes at once; cwnd deflates by the 4
  // SMSS acknowledged, plus one; one new segment fits.
  k.In(Ms(40), k.Ack(4 * kSmss));
  EXPECT_THAT(k.Spans(), ElementsAre(Sg(4), Sg(13)));
  i = k.Info();
  EXPECT_EQ(i.congestion_state, CongestionState::kRecovery);
  EXPECT_EQ(i.cwnd, 10 * kSmss);
  EXPECT_EQ(i.recovery_retransmissions, 1u);
  // Full ACK (0..12, past the recovery point 10): recovery ends,
  // cwnd = min(ssthresh, FlightSize + SMSS).
  k.In(Ms(50), k.Ack(13 * kSmss));
  EXPECT_THAT(k.Spans(), ElementsAre(Sg(14)));
  i = k.Info();
  EXPECT_EQ(i.congestion_state, CongestionState::kOpen);
  EXPECT_EQ(i.ssthresh, 5 * kSmss);
  EXPECT_EQ(i.cwnd, 2 * kSmss);
  EXPECT_EQ(i.timeouts, 0u);
  EXPECT_EQ(i.timeout_retransmissions, 0u);
  EXPECT_EQ(i.retransmissions, 2u);
  EXPECT_EQ(i.fast_recoveries, 1u);
}

class LimitedTransmitTest : public FastRetransmitTest {
 protected:
  LimitedTransmitTest() : FastRetransmitTest(/*limited_transmit=*/true) {}
};

TEST_F(LimitedTransmitTest, OneNewSegmentOnEachOfTheFirstTwoDupAcks) {
  k.In(Ms(30), k.Ack(0));
  EXPECT_THAT(k.Spans(), ElementsAre(Sg(10)));
  k.In(Ms(31), k.Ack(0));
  EXPECT_THAT(k.Spans(), ElementsAre(Sg(11)));
  EXPECT_EQ(k.Info().congestion_state, CongestionState::kDisorder);
  EXPECT_EQ(k.Info().cwnd, 10 * kSmss);  // limited transmit leaves cwnd alone
  k.In(Ms(32), k.Ack(0));
  EXPECT_THAT(k.Spans(), ElementsAre(Sg(0)));
  ConnectionInfo i = k.Info();
  EXPECT_EQ(i.congestion_state, CongestionState::kRecovery);
  // RFC 5681 §3.2 (2): the data sent by limited transmit is not part of
  // the FlightSize that sets ssthresh.
  EXPECT_EQ(i.ssthresh, 5 * kSmss);
  EXPECT_EQ(i.cwnd, 8 * kSmss);
  EXPECT_EQ(i.fast_retransmissions, 1u);
}

TEST(LimitedTransmitOffTest, NothingNewOnDupAcksWithoutIt) {
  StackConfig c = Config();
  c.congestion = CongestionAlgorithm::kNewReno;
  c.limited_transmit = false;
  Conn k(c);
  k.Open();
  k.Send(Ms(20), 12 * kSmss);
  EXPECT_EQ(k.Spans().size(), 10u);
  k.In(Ms(30), k.Ack(0));
  k.In(Ms(31), k.Ack(0));
  EXPECT_THAT(k.Spans(), IsEmpty());
}

// ------------------------------------------------------------ SACK recovery

class SackRecoveryTest : public FastRetransmitTest {
 protected:
  SackRecoveryTest() : FastRetransmitTest(/*limited_transmit=*/false, /*sack=*/true) {}
  // An ACK of segment offset `ack` carrying blocks of segment numbers
  // [l, r), remembered as SACKed.
  PeerSeg SackAck(uint32_t ack_seg, std::vector<std::pair<uint32_t, uint32_t>> blocks) {
    PeerSeg a = k.Ack(ack_seg * kSmss);
    for (auto [l, r] : blocks) {
      a.options.AddSackBlock({wire::Seq(k.U(l * kSmss)), wire::Seq(k.U(r * kSmss))});
      sacked.emplace_back(l * kSmss, r * kSmss);
    }
    return a;
  }
  // Takes what was emitted, checking that none of it was SACKed.
  std::vector<Span> Emitted() {
    std::vector<Span> out = k.Spans();
    for (const Span& s : out) {
      for (auto [l, r] : sacked) {
        EXPECT_FALSE(s.first < r && l < s.first + s.second)
            << "resent SACKed data: " << s.first << "+" << s.second;
      }
      all.push_back(s);
    }
    return out;
  }
  std::vector<std::pair<uint32_t, uint32_t>> sacked;
  std::vector<Span> all;
};

TEST_F(SackRecoveryTest, ThreeHolesRepairedWithoutTimeoutOrResendingSackedData) {
  // Segments 0, 3 and 6 lost.
  k.In(Ms(30), SackAck(0, {{1, 2}}));
  EXPECT_THAT(Emitted(), IsEmpty());
  EXPECT_EQ(k.Info().congestion_state, CongestionState::kDisorder);
  k.In(Ms(31), SackAck(0, {{1, 3}}));
  EXPECT_THAT(Emitted(), IsEmpty());
  k.In(Ms(32), SackAck(0, {{4, 5}, {1, 3}}));  // third duplicate
  EXPECT_THAT(Emitted(), ElementsAre(Sg(0)));
  ConnectionInfo i = k.Info();
  EXPECT_EQ(i.congestion_state, CongestionState::kRecovery);
  EXPECT_EQ(i.ssthresh, 5 * kSmss);
  EXPECT_EQ(i.cwnd, 5 * kSmss);
  EXPECT_EQ(i.fast_retransmissions, 1u);
  k.In(Ms(33), SackAck(0, {{4, 6}, {1, 3}}));
  EXPECT_THAT(Emitted(), IsEmpty());  // pipe 6 segments > cwnd 5
  k.In(Ms(34), SackAck(0, {{7, 8}, {4, 6}, {1, 3}}));
  EXPECT_THAT(Emitted(), ElementsAre(Sg(3)));  // now lost: 4, 5, 7 above it
  k.In(Ms(35), SackAck(0, {{7, 9}, {4, 6}, {1, 3}}));
  EXPECT_THAT(Emitted(), ElementsAre(Sg(10)));  // 6 not yet lost: new data
  k.In(Ms(36), SackAck(0, {{7, 10}, {4, 6}, {1, 3}}));
  EXPECT_THAT(Emitted(), ElementsAre(Sg(6), Sg(11)));
  // The retransmissions arrive.
  k.In(Ms(40), SackAck(3, {{4, 6}, {7, 10}}));
  EXPECT_THAT(Emitted(), ElementsAre(Sg(12)));
  k.In(Ms(41), SackAck(6, {{7, 10}}));
  EXPECT_THAT(Emitted(), ElementsAre(Sg(13)));
  k.In(Ms(42), SackAck(10, {}));
  EXPECT_THAT(Emitted(), ElementsAre(Sg(14)));
  i = k.Info();
  EXPECT_EQ(i.congestion_state, CongestionState::kOpen);
  EXPECT_EQ(i.fast_retransmissions, 1u);
  EXPECT_EQ(i.sack_retransmissions, 2u);
  EXPECT_EQ(i.retransmissions, 3u);
  EXPECT_EQ(i.timeouts, 0u);
  EXPECT_EQ(i.fast_recoveries, 1u);
  EXPECT_GT(i.sack_blocks_received, 0u);
  // Each hole went exactly once.
  for (uint32_t hole : {0u, 3u, 6u}) {
    EXPECT_EQ(std::count(all.begin(), all.end(), Sg(hole)), 1) << hole;
  }
  EXPECT_EQ(k.t.stack().NextDeadline(), Ms(42) + i.rto);
}

// ------------------------------------------------------------ RFC 5961

class Rfc5961Test : public ::testing::Test {
 protected:
  explicit Rfc5961Test(uint32_t limit = 1000) : k(MakeConfig(limit)) {}
  static StackConfig MakeConfig(uint32_t limit) {
    StackConfig c = Config();
    c.challenge_ack_limit = limit;
    c.challenge_ack_jitter = false;
    return c;
  }
  void SetUp() override { k.Open(); }
  PeerSeg Rst(uint32_t off) const {
    PeerSeg r;
    r.flags = fl::kRst;
    r.seq = k.P(off);
    return r;
  }
  void ExpectChallengeAck(uint32_t snd_nxt = 0) {
    Seg r = k.t.TakeOne();
    EXPECT_EQ(r.flags(), fl::kAck);
    EXPECT_EQ(r.seq(), k.U(snd_nxt));
    EXPECT_EQ(r.ack(), k.P());
    EXPECT_TRUE(r.payload.empty());
  }
  Conn k;
};

TEST_F(Rfc5961Test, BlindInWindowRstDrawsChallengeAckExactRstResets) {
  k.In(Ms(20), Rst(100));
  ExpectChallengeAck();
  EXPECT_EQ(k.t.stack().State(k.id), S::kEstablished);
  EXPECT_EQ(k.t.stack().counters().challenge_acks, 1u);
  EXPECT_EQ(k.Info().challenge_acks, 1u);
  EXPECT_EQ(k.t.stack().counters().resets_received, 0u);
  k.In(Ms(21), Rst(70000));  // outside the window: silently dropped
  EXPECT_THAT(k.t.Take(), IsEmpty());
  EXPECT_EQ(k.t.stack().counters().challenge_acks, 1u);
  k.In(Ms(22), Rst(0));
  EXPECT_THAT(k.t.Take(), IsEmpty());
  EXPECT_EQ(k.t.stack().State(k.id), S::kClosed);
  EXPECT_EQ(k.t.stack().counters().resets_received, 1u);
  EXPECT_THAT(k.t.Events(), ElementsAre(Event{k.id, EventKind::kReset}));
}

TEST_F(Rfc5961Test, InWindowSynDrawsChallengeAck) {
  PeerSeg syn;
  syn.flags = fl::kSyn;
  syn.seq = k.P(5);
  syn.options = SynOpts();
  k.In(Ms(20), syn);
  ExpectChallengeAck();
  syn.seq = k.P(0);
  k.In(Ms(21), syn);
  ExpectChallengeAck();
  EXPECT_EQ(k.t.stack().State(k.id), S::kEstablished);
  EXPECT_EQ(k.t.stack().counters().challenge_acks, 2u);
  EXPECT_THAT(k.t.Events(), IsEmpty());
}

TEST_F(Rfc5961Test, AckOutsideWhatWasSentIsDroppedWithAnAck) {
  k.Send(Ms(15), 100);
  k.t.TakeOne();
  PeerSeg d = k.DataAt(0, 50);
  d.ack = k.U(101);  // beyond SND.MAX
  k.In(Ms(20), d);
  ExpectChallengeAck(100);  // ack P(0): the data was not taken
  ConnectionInfo i = k.Info();
  EXPECT_EQ(i.snd_una, wire::Seq(k.U()));
  EXPECT_EQ(i.recv_buffered, 0u);
  EXPECT_EQ(k.t.stack().counters().unacceptable_ack, 1u);
  // Too old: below SND.UNA - MAX.SND.WND.
  d.ack = k.U() - 65536;
  k.In(Ms(21), d);
  ExpectChallengeAck(100);
  EXPECT_EQ(k.t.stack().counters().unacceptable_ack, 2u);
  // Old but within MAX.SND.WND: acceptable, the data is taken.
  d.ack = k.U() - 65535;
  k.In(Ms(22), d);
  Seg r = k.t.TakeOne();
  EXPECT_EQ(r.ack(), k.P(50));
  EXPECT_EQ(k.Info().recv_buffered, 50u);
  EXPECT_EQ(k.t.stack().counters().unacceptable_ack, 2u);
}

class ChallengeAckLimitTest : public Rfc5961Test {
 protected:
  ChallengeAckLimitTest() : Rfc5961Test(/*limit=*/2) {}
};

TEST_F(ChallengeAckLimitTest, ThirdWithinASecondSuppressedThenFlowsAgain) {
  k.In(Ms(100), Rst(100));
  ExpectChallengeAck();
  k.In(Ms(200), Rst(100));
  ExpectChallengeAck();
  k.In(Ms(300), Rst(100));
  EXPECT_THAT(k.t.Take(), IsEmpty());
  EXPECT_EQ(k.t.stack().counters().challenge_acks_suppressed, 1u);
  k.In(Ms(1099), Rst(100));
  EXPECT_THAT(k.t.Take(), IsEmpty());
  EXPECT_EQ(k.t.stack().counters().challenge_acks_suppressed, 2u);
  k.In(Ms(1100), Rst(100));  // a second after the window opened
  ExpectChallengeAck();
  PeerSeg syn;
  syn.flags = fl::kSyn;
  syn.seq = k.P(5);
  k.In(Ms(1101), syn);
  ExpectChallengeAck();
  k.In(Ms(1102), syn);
  EXPECT_THAT(k.t.Take(), IsEmpty());
  EXPECT_EQ(k.t.stack().counters().challenge_acks, 4u);
  EXPECT_EQ(k.t.stack().counters().challenge_acks_suppressed, 3u);
  EXPECT_EQ(k.t.stack().State(k.id), S::kEstablished);
}

// With jitter (the default) each second's budget is drawn from
// [limit/2, limit*3/2): an attacker cannot count on a fixed one.
TEST(ChallengeAckJitterTest, EachSecondsBudgetIsDrawnAroundTheLimit) {
  StackConfig c = Config();
  c.challenge_ack_limit = 10;
  Conn k(c);
  k.Open();
  std::set<uint64_t> budgets;
  uint64_t before = 0;
  for (int second = 1; second <= 8; ++second) {
    for (int i = 0; i < 30; ++i) {
      PeerSeg r;
      r.flags = fl::kRst;
      r.seq = k.P(100);
      k.In(Ms(1000 * second + i), r);
    }
    k.t.Take();
    const uint64_t sent = k.t.stack().counters().challenge_acks - before;
    before = k.t.stack().counters().challenge_acks;
    EXPECT_GE(sent, 5u) << second;
    EXPECT_LT(sent, 15u) << second;
    budgets.insert(sent);
  }
  EXPECT_GT(budgets.size(), 1u);  // not one fixed number
  EXPECT_EQ(k.t.stack().State(k.id), S::kEstablished);
}

// ------------------------------------------------------------ delayed ACK

class DelayedAckTest : public ::testing::Test {
 public:
  DelayedAckTest() : k(MakeConfig()) {}
  static StackConfig MakeConfig() {
    StackConfig c = Config();
    c.delayed_ack = true;
    c.delayed_ack_timeout = absl::Milliseconds(40);
    c.ack_arrival_bursts_once = true;
    return c;
  }
  void SetUp() override { k.Open(); }
  Conn k;
};

TEST_F(DelayedAckTest, OneSegmentAckedExactlyAtTheTimeout) {
  k.In(Ms(20), k.DataAt(0, 100));
  EXPECT_THAT(k.t.Take(), IsEmpty());
  EXPECT_EQ(k.t.stack().NextDeadline(), Ms(60));
  k.t.stack().Advance(Ms(60) - absl::Nanoseconds(1));
  EXPECT_THAT(k.t.Take(), IsEmpty());
  k.t.stack().Advance(Ms(60));
  Seg r = k.t.TakeOne();
  EXPECT_EQ(r.flags(), fl::kAck);
  EXPECT_EQ(r.ack(), k.P(100));
  EXPECT_EQ(k.Info().delayed_acks, 1u);
  EXPECT_EQ(k.t.stack().NextDeadline(), Instant::Infinite());
  // A second segment within the timeout waits on the same timer.
  k.In(Ms(100), k.DataAt(100, 100));
  k.In(Ms(110), k.DataAt(200, 100));
  EXPECT_THAT(k.t.Take(), IsEmpty());
  EXPECT_EQ(k.t.stack().NextDeadline(), Ms(140));
}

TEST(DelayedAckRuleTest, SecondFullSizeSegmentAckedAtOnce) {
  StackConfig c = DelayedAckTest::MakeConfig();
  c.ack_arrival_bursts_once = false;  // the default: RFC 5681's rule alone
  Conn k(c);
  k.Open();
  k.In(Ms(20), k.DataAt(0, kSmss));
  EXPECT_THAT(k.t.Take(), IsEmpty());
  k.In(Ms(21), k.DataAt(kSmss, kSmss));
  Seg r = k.t.TakeOne();
  EXPECT_EQ(r.ack(), k.P(2 * kSmss));
  EXPECT_EQ(k.Info().delayed_acks, 0u);
  EXPECT_EQ(k.t.stack().NextDeadline(), Instant::Infinite());
}

// ack_arrival_bursts_once (on here; live hosts turn it on): the ACK owed for a second
// full-size segment goes out at the end of the instant it arrived in, once
// for everything that arrived then, as Linux acknowledges a GRO aggregate.
TEST_F(DelayedAckTest, SecondFullSizeSegmentAckedAtTheEndOfItsInstant) {
  k.In(Ms(20), k.DataAt(0, kSmss));
  k.In(Ms(21), k.DataAt(kSmss, kSmss));
  EXPECT_THAT(k.t.Take(), IsEmpty());
  EXPECT_EQ(k.t.stack().NextDeadline(), Ms(21));  // not the 40 ms timer
  k.t.stack().Advance(Ms(21));
  Seg r = k.t.TakeOne();
  EXPECT_EQ(r.ack(), k.P(2 * kSmss));
  EXPECT_EQ(k.Info().delayed_acks, 0u);
  EXPECT_EQ(k.Info().burst_acks, 1u);
  EXPECT_EQ(k.t.stack().NextDeadline(), Instant::Infinite());
}

TEST(BurstAckTest, SegmentsArrivingTogetherGetOneAck) {
  StackConfig c = DelayedAckTest::MakeConfig();
  c.recv_buffer_bytes = 1 << 20;
  c.window_scale = true;
  Conn k(c);
  k.Open(SynOpts(/*wscale=*/0));
  // One segment, so that the delayed ACK opens the window beyond the
  // SYN-ACK's unscaled 65535.
  k.In(Ms(20), k.DataAt(0, kSmss));
  k.t.stack().Advance(Ms(60));
  EXPECT_EQ(k.t.TakeOne().ack(), k.P(kSmss));
  // 50 full-size segments in one instant (73 KB, more than one GRO
  // aggregate): one ACK, when the instant ends.
  auto at = [&](uint32_t i) { return (i + 1) * kSmss; };
  for (uint32_t i = 0; i < 50; ++i) {
    k.In(Ms(70), k.DataAt(at(i), kSmss));
    EXPECT_THAT(k.t.Take(), IsEmpty()) << i;
  }
  EXPECT_EQ(k.t.stack().NextDeadline(), Ms(70));
  k.t.stack().Advance(Ms(70));
  EXPECT_EQ(k.t.TakeOne().ack(), k.P(at(50)));
  EXPECT_EQ(k.Info().burst_acks, 1u);
  // Out of order in a burst: acknowledged segment by segment.
  k.In(Ms(80), k.DataAt(at(52), kSmss));
  EXPECT_EQ(k.t.TakeOne().ack(), k.P(at(50)));
  k.In(Ms(80), k.DataAt(at(53), kSmss));
  EXPECT_EQ(k.t.TakeOne().ack(), k.P(at(50)));
}

TEST_F(DelayedAckTest, OutOfOrderAndHoleFillingSegmentsAckedAtOnce) {
  k.In(Ms(20), k.DataAt(100, 100));  // out of order
  Seg r = k.t.TakeOne();
  EXPECT_EQ(r.ack(), k.P(0));
  k.In(Ms(21), k.DataAt(0, 100));  // fills the hole
  r = k.t.TakeOne();
  EXPECT_EQ(r.ack(), k.P(200));
  EXPECT_EQ(k.Info().delayed_acks, 0u);
  EXPECT_EQ(k.t.stack().NextDeadline(), Instant::Infinite());
  // Back in order: delayed again.
  k.In(Ms(22), k.DataAt(200, 100));
  EXPECT_THAT(k.t.Take(), IsEmpty());
  EXPECT_EQ(k.t.stack().NextDeadline(), Ms(62));
}

TEST_F(DelayedAckTest, DataWeSendCarriesTheDelayedAck) {
  k.In(Ms(20), k.DataAt(0, 100));
  EXPECT_THAT(k.t.Take(), IsEmpty());
  k.Send(Ms(30), 10);
  Seg d = k.t.TakeOne();
  EXPECT_EQ(d.payload.size(), 10u);
  EXPECT_EQ(d.ack(), k.P(100));
  k.t.stack().Advance(Ms(60));
  EXPECT_THAT(k.t.Take(), IsEmpty());
  EXPECT_EQ(k.Info().delayed_acks, 0u);
}

// ------------------------------------------------------------ Nagle

TEST(NagleTest, SmallSendsCoalesceUntilTheAckFullSizeNeverHeldNoDelaySendsAtOnce) {
  StackConfig c = Config();
  c.nagle = true;
  Conn k(c);
  k.Open();
  k.Send(Ms(20), 100);  // nothing in flight: goes
  EXPECT_THAT(k.Spans(), ElementsAre(Pair(0, 100)));
  k.Send(Ms(21), 50);
  k.Send(Ms(22), 50);
  k.Send(Ms(23), 50);
  EXPECT_THAT(k.Spans(), IsEmpty());
  k.In(Ms(30), k.Ack(100));
  EXPECT_THAT(k.Spans(), ElementsAre(Pair(100, 150)));
  // Full-size segments go with data in flight; the short tail waits.
  k.Send(Ms(31), 3000);
  EXPECT_THAT(k.Spans(), ElementsAre(Pair(250, 1460), Pair(1710, 1460)));
  EXPECT_FALSE(k.Info().nodelay);
  // TCP_NODELAY pushes what waits, and each later Send goes at once.
  ASSERT_TRUE(k.t.stack().SetNoDelay(Ms(32), k.id, true).ok());
  EXPECT_THAT(k.Spans(), ElementsAre(Pair(3170, 80)));
  EXPECT_TRUE(k.Info().nodelay);
  k.Send(Ms(33), 10);
  EXPECT_THAT(k.Spans(), ElementsAre(Pair(3250, 10)));
  k.Send(Ms(34), 10);
  EXPECT_THAT(k.Spans(), ElementsAre(Pair(3260, 10)));
}

// ------------------------------------------------------------ keepalive

TEST(KeepaliveTest, ProbesAtIdleThenIntervalAnsweredResetsUnansweredKill) {
  StackConfig c = Config();
  c.keepalive = true;
  c.keepalive_idle = absl::Seconds(10);
  c.keepalive_interval = absl::Seconds(1);
  c.keepalive_count = 3;
  Conn k(c);
  k.Open();  // last segment received at 10 ms
  auto probe_at = [&](Instant at, int n) {
    SCOPED_TRACE(n);
    EXPECT_EQ(k.t.stack().NextDeadline(), at);
    k.t.stack().Advance(at - absl::Nanoseconds(1));
    EXPECT_THAT(k.t.Take(), IsEmpty());
    k.t.stack().Advance(at);
    Seg p = k.t.TakeOne();
    EXPECT_EQ(p.flags(), fl::kAck);
    EXPECT_EQ(p.seq(), k.U() - 1);  // SND.NXT - 1
    EXPECT_EQ(p.ack(), k.P());
    EXPECT_TRUE(p.payload.empty());
    EXPECT_EQ(k.Info().keepalive_probes, static_cast<uint64_t>(n));
  };
  const Instant idle = Ms(10) + absl::Seconds(10);
  probe_at(idle, 1);
  // The peer answers: the idle period starts over.
  k.In(idle + absl::Milliseconds(5), k.Ack(0));
  EXPECT_THAT(k.t.Take(), IsEmpty());
  const Instant idle2 = idle + absl::Milliseconds(5) + absl::Seconds(10);
  probe_at(idle2, 2);
  probe_at(idle2 + absl::Seconds(1), 3);
  probe_at(idle2 + absl::Seconds(2), 4);
  EXPECT_EQ(k.t.stack().State(k.id), S::kEstablished);
  EXPECT_THAT(k.t.Events(), IsEmpty());
  // The third unanswered probe's interval runs out: dead.
  const Instant death = idle2 + absl::Seconds(3);
  EXPECT_EQ(k.t.stack().NextDeadline(), death);
  k.t.stack().Advance(death);
  EXPECT_THAT(k.t.Take(), IsEmpty());
  EXPECT_EQ(k.t.stack().State(k.id), S::kClosed);
  EXPECT_THAT(k.t.Events(), ElementsAre(Event{k.id, EventKind::kTimedOut}));
  absl::Status e = k.t.stack().Error(k.id);
  EXPECT_EQ(e.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(e.message(), HasSubstr("3 keepalive probes unanswered"));
}

TEST(KeepaliveTest, OffByDefaultInTestConfig) {
  Conn k(Config());
  k.Open();
  EXPECT_EQ(k.t.stack().NextDeadline(), Instant::Infinite());
}

// ------------------------------------------------------------ initial window

class InitialWindowTest : public ::testing::TestWithParam<CongestionAlgorithm> {};

TEST_P(InitialWindowTest, TenSegmentsThenSlowStart) {
  StackConfig c = Config();
  c.congestion = GetParam();
  Conn k(c);
  k.Open();
  EXPECT_EQ(k.Info().cwnd, 10 * kSmss);
  k.Send(Ms(20), 100000);
  std::vector<Span> flight = k.Spans();
  ASSERT_EQ(flight.size(), 10u);
  for (uint32_t i = 0; i < 10; ++i) EXPECT_EQ(flight[i], Span(i * kSmss, kSmss));
  // Each ACK of one segment: cwnd + 1 SMSS, two new segments.
  uint32_t next = 10;
  for (uint32_t n = 1; n <= 10; ++n) {
    k.In(Ms(30 + n), k.Ack(n * kSmss));
    EXPECT_THAT(k.Spans(), ElementsAre(Span(next * kSmss, kSmss), Span((next + 1) * kSmss, kSmss)))
        << n;
    next += 2;
    EXPECT_EQ(k.Info().cwnd, (10 + n) * kSmss);
  }
  EXPECT_EQ(k.Info().bytes_in_flight, 20 * kSmss);
}

// RFC 5681 §4.1: after more than an RTO without sending, cwnd restarts
// from the initial window; the grown window does not go out as a burst.
TEST(IdleRestartTest, CwndFallsBackToTheInitialWindowAfterAnIdleRto) {
  StackConfig c = Config();
  c.congestion = CongestionAlgorithm::kNewReno;
  Conn k(c);
  k.Open();
  k.Send(Ms(20), 20 * kSmss);
  ASSERT_EQ(k.Spans().size(), 10u);
  for (uint32_t n = 1; n <= 20; ++n) {
    k.In(Ms(30 + n), k.Ack(n * kSmss));
    k.Spans();
  }
  // Slow start grew the window while the flight used it (RFC 7661 stops
  // growth once the application runs dry).
  ASSERT_GT(k.Info().cwnd, 15 * kSmss);
  ASSERT_EQ(k.Info().bytes_in_flight, 0u);
  // Idle for far more than the RTO: the next write goes out under a
  // window of 10 again.
  k.Send(Ms(3000), 30 * kSmss);
  EXPECT_EQ(k.Spans().size(), 10u);
  EXPECT_EQ(k.Info().cwnd, 10 * kSmss);
}

TEST(IdleRestartTest, OffKeepsTheWindow) {
  StackConfig c = Config();
  c.congestion = CongestionAlgorithm::kNewReno;
  c.restart_after_idle = false;
  Conn k(c);
  k.Open();
  k.Send(Ms(20), 20 * kSmss);
  k.Spans();
  for (uint32_t n = 1; n <= 20; ++n) {
    k.In(Ms(30 + n), k.Ack(n * kSmss));
    k.Spans();
  }
  const uint32_t cwnd = k.Info().cwnd;
  ASSERT_GT(cwnd, 15 * kSmss);
  k.Send(Ms(3000), 30 * kSmss);
  EXPECT_EQ(k.Spans().size(), cwnd / kSmss);
}

// TCP_CONGESTION: one connection's algorithm changes; the host's others
// keep theirs.
TEST(PerConnectionCongestionTest, SetCongestionSwitchesOneConnection) {
  StackConfig c = Config();
  c.congestion = CongestionAlgorithm::kCubic;
  Conn k(c);
  k.Open();
  EXPECT_EQ(k.Info().congestion, CongestionAlgorithm::kCubic);
  ASSERT_TRUE(k.t.stack().SetCongestion(k.id, CongestionAlgorithm::kNewReno).ok());
  EXPECT_EQ(k.Info().congestion, CongestionAlgorithm::kNewReno);
  EXPECT_EQ(k.Info().cwnd, 10 * kSmss);
  ASSERT_TRUE(k.t.stack().SetCongestion(k.id, CongestionAlgorithm::kNone).ok());
  EXPECT_EQ(k.Info().congestion, CongestionAlgorithm::kNone);
  // Without a controller only the peer's window limits: 44 full segments
  // fit in its 65535 (the 1295 bytes left would be a silly window).
  k.Send(Ms(20), 60 * kSmss);
  EXPECT_EQ(k.Spans().size(), 44u);
  EXPECT_FALSE(k.t.stack().SetCongestion(12345, CongestionAlgorithm::kNewReno).ok());
}

INSTANTIATE_TEST_SUITE_P(Algorithms, InitialWindowTest,
                         ::testing::Values(CongestionAlgorithm::kNewReno,
                                           CongestionAlgorithm::kCubic),
                         [](const auto& info) { return CongestionAlgorithmName(info.param); });

// Found in review: a zero window during SACK recovery, then a window
// update, once left data outstanding with no timer armed.
TEST_F(SackRecoveryTest, ZeroWindowDuringRecoveryKeepsTheTimer) {
  k.In(Ms(30), SackAck(0, {{1, 2}}));
  k.In(Ms(31), SackAck(0, {{1, 3}}));
  k.In(Ms(32), SackAck(0, {{4, 5}, {1, 3}}));
  EXPECT_THAT(Emitted(), ElementsAre(Sg(0)));
  ASSERT_EQ(k.Info().congestion_state, CongestionState::kRecovery);
  PeerSeg z = SackAck(0, {{4, 6}, {1, 3}});
  z.window = 0;
  k.In(Ms(33), z);
  EXPECT_THAT(Emitted(), IsEmpty());
  // Window opens (pure window update, same ACK, no new SACK info).
  PeerSeg w = SackAck(0, {{4, 6}, {1, 3}});
  k.In(Ms(34), w);
  std::vector<Span> e = Emitted();
  ConnectionInfo i = k.Info();
  EXPECT_NE(i.snd_una.raw(), i.snd_max.raw());
  EXPECT_NE(k.t.stack().NextDeadline(), Instant::Infinite())
      << "data outstanding, no timer armed; emitted " << e.size();
  k.t.stack().Advance(Ms(600000));
  EXPECT_THAT(Emitted(), ::testing::Not(IsEmpty())) << "stalled forever";
}

// Found in review: a delayed ACK pending when a RST closed the connection
// left a deadline in the past (a simulator would spin on it).
TEST(ClosedTimersTest, NoDelayedAckOrDeadlineAfterReset) {
  StackConfig c = Config();
  c.delayed_ack = true;
  Conn k(c);
  k.Open();
  k.In(Ms(20), k.DataAt(0, 100));
  EXPECT_THAT(k.t.Take(), IsEmpty());
  PeerSeg r;
  r.flags = fl::kRst;
  r.seq = k.P(100);
  k.In(Ms(21), r);
  EXPECT_EQ(k.t.stack().State(k.id), S::kClosed);
  EXPECT_EQ(k.t.stack().NextDeadline(), Instant::Infinite());
  k.t.stack().Advance(Ms(100));
  for (const Seg& s : k.t.Take()) ADD_FAILURE() << "emitted from CLOSED: " << s.ToString();
  EXPECT_EQ(k.t.stack().NextDeadline(), Instant::Infinite()) << "deadline stuck in the past";
  k.t.stack().Advance(Ms(200));
  EXPECT_EQ(k.t.stack().NextDeadline(), Instant::Infinite()) << "deadline stuck in the past (2)";
}

// Found in review: keepalive firing in FIN-WAIT-1 was never re-armed.
TEST(KeepaliveTest, ReArmedAfterFiringInFinWait1) {
  StackConfig c = Config();
  c.keepalive = true;
  c.keepalive_idle = absl::Seconds(10);
  c.keepalive_interval = absl::Seconds(1);
  c.probe_retries = 1000;
  Conn k(c);
  k.Syn(SynOpts());
  k.Complete({}, /*window=*/0);
  k.Send(Ms(20), 100);
  ASSERT_TRUE(k.t.stack().Shutdown(Ms(21), k.id).ok());
  k.t.Take();
  k.t.stack().Advance(Ms(11000));
  k.t.Take();
  EXPECT_EQ(k.t.stack().State(k.id), S::kFinWait1);
  k.In(Ms(11500), k.Ack(0));  // window opens: data + FIN go
  k.t.Take();
  PeerSeg a = k.Ack(101);  // data + FIN
  k.In(Ms(11600), a);
  k.t.Take();
  EXPECT_EQ(k.t.stack().State(k.id), S::kFinWait2);
  EXPECT_NE(k.t.stack().NextDeadline(), Instant::Infinite()) << "no keepalive in FIN-WAIT-2";
}

// Found in review: NewReno's `recover` fell 2^31 behind SND.UNA after a
// long loss-free transfer, and three duplicate ACKs did nothing.
TEST(FastRetransmitWrapTest, FastRetransmitAfterTwoGiB) {
  StackConfig c = Config();
  c.congestion = CongestionAlgorithm::kNewReno;
  c.window_scale = true;
  c.send_buffer_bytes = 4 << 20;
  c.limited_transmit = false;
  Conn k(c);
  k.Syn(SynOpts(/*wscale=*/8));
  k.Complete();
  int64_t t = 20;
  uint64_t acked = 0;
  uint32_t last = 0;
  const uint64_t target = (uint64_t{1} << 31) + (uint64_t{1} << 26);
  Bytes chunk(4 << 20, 7);
  while (acked < target) {
    absl::StatusOr<size_t> n = k.t.stack().Send(Ms(t), k.id, chunk);
    ASSERT_TRUE(n.ok());
    k.t.sink().packets.clear();
    ConnectionInfo i = k.Info();
    uint32_t off = i.snd_max.raw() - k.U();
    // Leave the last 5 segments unacknowledged at the end.
    if (acked + (off - last) >= target) off -= 5 * kSmss;
    acked += off - last;
    last = off;
    k.In(Ms(++t), k.Ack(off));
  }
  k.t.sink().packets.clear();
  ConnectionInfo i = k.Info();
  ASSERT_GT(i.snd_max.raw() - i.snd_una.raw(), 4 * kSmss);
  uint32_t una = i.snd_una.raw() - k.U();
  for (int d = 0; d < 3; ++d) k.In(Ms(++t), k.Ack(una));
  i = k.Info();
  EXPECT_EQ(i.fast_retransmissions, 1u) << "no fast retransmit; state "
                                         << static_cast<int>(i.congestion_state);
}

// Data past a FIN already received out of order is not the peer's to
// send: it must not carry RCV.NXT past the FIN.
TEST(FinTest, DataBeyondAnOutOfOrderFinIsDropped) {
  Conn k(Config());
  k.Open();
  PeerSeg fin = k.DataAt(50, 50);
  fin.flags |= fl::kFin;
  k.In(Ms(20), fin);        // [50,100) + FIN at 100, out of order
  k.In(Ms(21), k.DataAt(100, 100));  // beyond the FIN
  k.In(Ms(22), k.DataAt(0, 50));     // fills the hole
  k.t.Take();
  EXPECT_EQ(k.t.stack().State(k.id), S::kCloseWait);
  Bytes buf(1000);
  absl::StatusOr<size_t> n = k.t.stack().Receive(Ms(23), k.id, absl::MakeSpan(buf));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 100u);
  EXPECT_TRUE(k.t.stack().GetReadiness(k.id).eof);
  EXPECT_EQ(k.Info().rcv_nxt.raw(), k.P(101));
}

}  // namespace
}  // namespace tcplab::tcp
