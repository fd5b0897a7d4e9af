// Engine against engine through TinyNet: handshakes, transfers with loss,
// duplication and reordering, flow control, closes, retransmission schedule.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tcp/stack.h"
#include "tcp/isn.h"
#include "tcp/testing/harness.h"

namespace tcplab::tcp {
namespace {

using testing::Bytes;
using testing::At;
using testing::Ms;
using testing::TinyNet;
using ::testing::HasSubstr;
namespace fl = wire::flags;
using S = ConnectionState;

Bytes Pattern(size_t n, uint32_t seed = 1) {
  Bytes b(n);
  uint32_t x = seed;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    b[i] = static_cast<uint8_t>(x >> 24);
  }
  return b;
}

// Pushes `data` from (src, sid) to (dst, did), reading at dst as it comes,
// until everything arrived or `limit`. Returns the bytes received.
Bytes Transfer(TinyNet& net, Stack& src, SocketId sid, Stack& dst, SocketId did,
               const Bytes& data, Instant limit, bool shutdown_after = false) {
  size_t sent = 0;
  Bytes got;
  uint8_t buf[4096];
  bool shut = false;
  net.RunUntilTrue(
      [&] {
        Instant now = net.now();
        while (sent < data.size()) {
          auto n = src.Send(now, sid, absl::MakeConstSpan(data).subspan(sent));
          if (!n.ok() || *n == 0) break;
          sent += *n;
        }
        if (sent == data.size() && shutdown_after && !shut) {
          EXPECT_TRUE(src.Shutdown(now, sid).ok());
          shut = true;
        }
        for (;;) {
          auto n = dst.Receive(now, did, absl::MakeSpan(buf));
          if (!n.ok() || *n == 0) break;
          got.insert(got.end(), buf, buf + *n);
        }
        return got.size() >= data.size();
      },
      limit);
  return got;
}

TEST(PairTest, HandshakeEstablishesBothSides) {
  TinyNet net;
  auto l = net.b().Listen(net.now(), 80, 4);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(net.b().State(*l), S::kListen);
  auto c = net.a().Connect(net.now(), TinyNet::AddrB(), 80);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(net.a().State(*c), S::kSynSent);
  net.RunFor(absl::Milliseconds(15));
  EXPECT_EQ(net.a().State(*c), S::kSynSent);
  net.RunFor(absl::Milliseconds(6));
  EXPECT_EQ(net.a().State(*c), S::kEstablished);
  net.RunFor(absl::Milliseconds(10));
  auto s = net.b().Accept(net.now(), *l);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(net.b().State(*s), S::kEstablished);
  ASSERT_EQ(net.log().size(), 3u);
  EXPECT_EQ(net.log()[0].seg.flags(), fl::kSyn);
  EXPECT_EQ(net.log()[1].seg.flags(), fl::kSyn | fl::kAck);
  EXPECT_EQ(net.log()[2].seg.flags(), fl::kAck);
  EXPECT_EQ(net.log()[0].seg.pkt.tcp.options.mss, 1460);
  auto ia = net.a().Info(*c);
  auto ib = net.b().Info(*s);
  EXPECT_EQ(ia->eff_snd_mss, 1460);
  EXPECT_EQ(ia->snd_nxt, ib->rcv_nxt);
  EXPECT_EQ(ib->snd_nxt, ia->rcv_nxt);
  EXPECT_EQ(ia->rtt_samples, 1u);
  EXPECT_EQ(ia->srtt, absl::Milliseconds(20));
  std::vector<EventKind> ev;
  while (auto e = net.a().PollEvent()) ev.push_back(e->kind);
  EXPECT_THAT(ev, ::testing::ElementsAre(EventKind::kConnected));
  // The out-parameter form hands out the same queue: the server's events.
  Event e;
  ASSERT_TRUE(net.b().PollEvent(&e));
  EXPECT_EQ(e.kind, EventKind::kAcceptable);
  while (net.b().PollEvent(&e)) {}
  EXPECT_FALSE(net.b().PollEvent(&e));
  EXPECT_FALSE(net.b().PollEvent().has_value());
}

TEST(PairTest, OneMegabyteEachWayExact) {
  TinyNet net;
  auto [a, b] = net.Connect();
  Bytes data = Pattern(1 << 20, 7);
  Bytes got = Transfer(net, net.a(), a, net.b(), b, data, Ms(600000));
  EXPECT_TRUE(got == data);
  Bytes back = Pattern(1 << 20, 9);
  Bytes got2 = Transfer(net, net.b(), b, net.a(), a, back, Ms(1200000));
  EXPECT_TRUE(got2 == back);
  auto ia = net.a().Info(a);
  EXPECT_EQ(ia->retransmissions, 0u);
  EXPECT_EQ(ia->bytes_received, 1u << 20);
  // No segment exceeds the MSS.
  for (const auto& s : net.log()) EXPECT_LE(s.seg.payload.size(), 1460u);
}

TEST(PairTest, MegabyteWithLossDuplicationAndReorderingIsExact) {
  TinyNet net;
  auto [a, b] = net.Connect();
  int data_segs = 0;
  net.set_filter([&](const TinyNet::Sent& s, absl::Duration* extra) {
    if (s.seg.payload.empty()) {
      return s.index % 13 == 0 ? TinyNet::Verdict::kDrop : TinyNet::Verdict::kDeliver;
    }
    ++data_segs;
    if (data_segs % 17 == 0) return TinyNet::Verdict::kDrop;
    if (data_segs % 11 == 0) return TinyNet::Verdict::kDuplicate;
    if (data_segs % 7 == 0) *extra = absl::Milliseconds(3);  // reorder
    return TinyNet::Verdict::kDeliver;
  });
  Bytes data = Pattern(1 << 20, 3);
  Bytes got = Transfer(net, net.a(), a, net.b(), b, data, At(absl::Seconds(3600)));
  ASSERT_EQ(got.size(), data.size());
  size_t first_diff = 0;
  while (first_diff < got.size() && got[first_diff] == data[first_diff]) ++first_diff;
  EXPECT_EQ(first_diff, data.size());
  auto ia = net.a().Info(a);
  auto ib = net.b().Info(b);
  EXPECT_GT(ia->retransmissions, 0u);
  EXPECT_GT(ib->out_of_order_segments, 0u);
  EXPECT_GT(ib->duplicate_segments, 0u);
  EXPECT_EQ(ib->bytes_received, 1u << 20);
}

TEST(PairTest, OrderlyCloseActiveAndPassive) {
  TinyNet net;
  auto [a, b] = net.Connect();
  ASSERT_TRUE(net.a().Shutdown(net.now(), a).ok());
  EXPECT_EQ(net.a().State(a), S::kFinWait1);
  net.RunFor(absl::Milliseconds(25));
  EXPECT_EQ(net.a().State(a), S::kFinWait2);
  EXPECT_EQ(net.b().State(b), S::kCloseWait);
  EXPECT_TRUE(net.b().GetReadiness(b).eof);
  ASSERT_TRUE(net.b().Close(net.now(), b).ok());
  net.RunFor(absl::Milliseconds(25));
  EXPECT_EQ(net.a().State(a), S::kTimeWait);
  EXPECT_EQ(net.b().connection_count(), 0u);  // LAST-ACK -> CLOSED, released
  // TIME-WAIT lasts 2*MSL = 60 s.
  net.RunUntil(net.now() + absl::Seconds(59));
  EXPECT_EQ(net.a().State(a), S::kTimeWait);
  net.RunFor(absl::Seconds(2));
  EXPECT_EQ(net.a().State(a), S::kClosed);
  bool closed_event = false;
  while (auto e = net.a().PollEvent()) closed_event |= e->kind == EventKind::kClosed;
  EXPECT_TRUE(closed_event);
  EXPECT_TRUE(net.a().Close(net.now(), a).ok());
  EXPECT_EQ(net.a().connection_count(), 0u);
}

TEST(PairTest, SimultaneousOpen) {
  TinyNet net;
  auto a = net.a().Connect(net.now(), TinyNet::AddrB(), 7000, 6000);
  auto b = net.b().Connect(net.now(), TinyNet::AddrA(), 6000, 7000);
  ASSERT_TRUE(a.ok() && b.ok());
  net.RunFor(absl::Milliseconds(11));
  EXPECT_EQ(net.a().State(*a), S::kSynReceived);
  EXPECT_EQ(net.b().State(*b), S::kSynReceived);
  net.RunFor(absl::Milliseconds(10));
  EXPECT_EQ(net.a().State(*a), S::kEstablished);
  EXPECT_EQ(net.b().State(*b), S::kEstablished);
  Bytes data = Pattern(100000);
  EXPECT_TRUE(Transfer(net, net.a(), *a, net.b(), *b, data, Ms(60000)) == data);
}

TEST(PairTest, SimultaneousClose) {
  TinyNet net;
  auto [a, b] = net.Connect();
  ASSERT_TRUE(net.a().Shutdown(net.now(), a).ok());
  ASSERT_TRUE(net.b().Shutdown(net.now(), b).ok());
  net.RunFor(absl::Milliseconds(11));
  EXPECT_EQ(net.a().State(a), S::kClosing);
  EXPECT_EQ(net.b().State(b), S::kClosing);
  net.RunFor(absl::Milliseconds(10));
  EXPECT_EQ(net.a().State(a), S::kTimeWait);
  EXPECT_EQ(net.b().State(b), S::kTimeWait);
  net.RunFor(absl::Seconds(61));
  EXPECT_EQ(net.a().State(a), S::kClosed);
  EXPECT_EQ(net.b().State(b), S::kClosed);
}

TEST(PairTest, HalfCloseDataKeepsFlowingTowardFinSender) {
  TinyNet net;
  auto [a, b] = net.Connect();
  ASSERT_TRUE(net.a().Shutdown(net.now(), a).ok());
  net.RunFor(absl::Milliseconds(50));
  EXPECT_EQ(net.a().State(a), S::kFinWait2);
  EXPECT_FALSE(net.a().Send(net.now(), a, Pattern(10)).ok());
  Bytes data = Pattern(300000, 5);
  Bytes got = Transfer(net, net.b(), b, net.a(), a, data, Ms(600000), /*shutdown_after=*/true);
  EXPECT_TRUE(got == data);
  net.RunFor(absl::Milliseconds(50));
  EXPECT_EQ(net.a().State(a), S::kTimeWait);
  EXPECT_TRUE(net.a().GetReadiness(a).eof);
}

TEST(PairTest, ZeroWindowPersistAndRecovery) {
  StackConfig cb = testing::TestConfig(TinyNet::AddrB());
  cb.recv_buffer_bytes = 8192;
  TinyNet net(absl::Milliseconds(10), testing::TestConfig(TinyNet::AddrA()), cb);
  const std::pair<SocketId, SocketId> ends = net.Connect();  // lambdas capture a, b
  const SocketId a = ends.first, b = ends.second;
  Bytes data = Pattern(100000, 11);
  size_t sent = 0;
  // The server does not read for 5 minutes: the window closes.
  for (int i = 0; i < 10 && sent < data.size(); ++i) {
    sent += *net.a().Send(net.now(), a, absl::MakeConstSpan(data).subspan(sent));
  }
  net.RunFor(absl::Seconds(300));
  auto ia = net.a().Info(a);
  EXPECT_EQ(net.a().State(a), S::kEstablished);
  EXPECT_EQ(ia->snd_wnd, 0u);
  EXPECT_GT(ia->zero_window_probes, 3u);
  EXPECT_LT(ia->zero_window_probes, 20u);  // backoff
  EXPECT_EQ(net.b().Info(b)->recv_buffered, 8192u);
  // Probe schedule: persist timer backs off exponentially up to 60 s.
  std::vector<Instant> probes;
  for (const auto& s : net.log()) {
    if (s.from_a && s.seg.payload.size() == 1) probes.push_back(s.time);
  }
  ASSERT_GE(probes.size(), 4u);
  for (size_t i = 2; i < probes.size(); ++i) {
    absl::Duration d1 = probes[i - 1] - probes[i - 2], d2 = probes[i] - probes[i - 1];
    EXPECT_TRUE(d2 == 2 * d1 || d2 == absl::Seconds(60)) << i;
  }
  // The server reads again: transfer resumes and completes exactly.
  Bytes got;
  uint8_t buf[4096];
  net.RunUntilTrue(
      [&] {
        while (sent < data.size()) {
          auto n = net.a().Send(net.now(), a, absl::MakeConstSpan(data).subspan(sent));
          if (!n.ok() || *n == 0) break;
          sent += *n;
        }
        for (;;) {
          auto n = net.b().Receive(net.now(), b, absl::MakeSpan(buf));
          if (!n.ok() || *n == 0) break;
          got.insert(got.end(), buf, buf + *n);
        }
        return got.size() == data.size();
      },
      net.now() + absl::Seconds(120));
  EXPECT_TRUE(got == data);
  EXPECT_EQ(net.a().State(a), S::kEstablished);
}

// ReceiveInPlace hands over the bytes where they lie: in two spans when
// they wrap around the receive buffer, stopping at a span not taken whole,
// and the window it frees is announced as Receive's would be.
TEST(PairTest, ReceiveInPlaceTakesBytesWhereTheyLie) {
  StackConfig cb = testing::TestConfig(TinyNet::AddrB());
  cb.recv_buffer_bytes = 8192;
  TinyNet net(absl::Milliseconds(10), testing::TestConfig(TinyNet::AddrA()), cb);
  const std::pair<SocketId, SocketId> ends = net.Connect();  // lambdas capture a, b
  const SocketId a = ends.first, b = ends.second;
  const Bytes data = Pattern(8192 + 5000, 5);
  size_t sent = 0;
  auto push = [&] {
    while (sent < data.size()) {
      auto n = net.a().Send(net.now(), a, absl::MakeConstSpan(data).subspan(sent));
      if (!n.ok() || *n == 0) break;
      sent += *n;
    }
  };
  push();
  net.RunFor(absl::Seconds(1));
  ASSERT_EQ(net.b().Info(b)->recv_buffered, 8192u);  // full: the window is closed
  EXPECT_EQ(net.a().Info(a)->snd_wnd, 0u);

  Bytes got;
  std::vector<size_t> spans;
  const size_t log_before = net.log().size();
  // Take 3000 of the 8192 bytes: the call stops there.
  auto n = net.b().ReceiveInPlace(net.now(), b, [&](absl::Span<const uint8_t> run) {
    spans.push_back(run.size());
    const size_t take = std::min<size_t>(run.size(), 3000);
    got.insert(got.end(), run.begin(), run.begin() + take);
    return take;
  });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3000u);
  EXPECT_EQ(spans, std::vector<size_t>({8192}));
  EXPECT_EQ(net.b().Info(b)->recv_buffered, 8192u - 3000u);
  // The window opened from zero: a window update went out in the call,
  // and the sender refills the buffer, which now wraps around its storage.
  ASSERT_EQ(net.log().size(), log_before + 1);
  EXPECT_FALSE(net.log()[log_before].from_a);
  EXPECT_GT(net.log()[log_before].seg.window(), 0u);
  net.RunFor(absl::Seconds(1));
  EXPECT_EQ(net.b().Info(b)->recv_buffered, 8192u);
  spans.clear();
  n = net.b().ReceiveInPlace(net.now(), b, [&](absl::Span<const uint8_t> run) {
    spans.push_back(run.size());
    got.insert(got.end(), run.begin(), run.end());
    return run.size();
  });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 8192u);
  // Up to the end of the storage (a little more than 8192 bytes), then the rest.
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_GT(spans[0], 8192u - 3000u);
  EXPECT_EQ(spans[0] + spans[1], 8192u);
  push();
  net.RunFor(absl::Seconds(1));
  uint8_t buf[4096];
  for (;;) {
    auto r = net.b().Receive(net.now(), b, absl::MakeSpan(buf));
    if (!r.ok() || *r == 0) break;
    got.insert(got.end(), buf, buf + *r);
  }
  EXPECT_TRUE(got == data);
  // Nothing ready: 0, and `take` is not called.
  bool called = false;
  n = net.b().ReceiveInPlace(net.now(), b, [&](absl::Span<const uint8_t>) {
    called = true;
    return size_t{0};
  });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
  EXPECT_FALSE(called);
  // After a reset, the terminal error, as Receive gives it.
  ASSERT_TRUE(net.a().Abort(net.now(), a).ok());
  net.RunFor(absl::Seconds(1));
  n = net.b().ReceiveInPlace(net.now(), b, [&](absl::Span<const uint8_t> run) { return run.size(); });
  EXPECT_FALSE(n.ok());
  EXPECT_FALSE(net.b().ReceiveInPlace(net.now(), 12345, [&](absl::Span<const uint8_t> run) {
                        return run.size();
                      }).ok());
}

TEST(PairTest, SynRetransmissionScheduleAndDeath) {
  TinyNet net;
  net.set_filter([](const TinyNet::Sent&, absl::Duration*) { return TinyNet::Verdict::kDrop; });
  auto c = net.a().Connect(net.now(), TinyNet::AddrB(), 80);
  ASSERT_TRUE(c.ok());
  net.RunUntil(Instant::Infinite());
  std::vector<int64_t> times;
  for (const auto& s : net.log()) times.push_back(s.time.nanos() / 1000000);
  EXPECT_THAT(times, ::testing::ElementsAre(0, 1000, 3000, 7000, 15000, 31000, 63000));
  EXPECT_EQ(net.a().State(*c), S::kClosed);
  absl::Status e = net.a().Error(*c);
  EXPECT_EQ(e.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(e.message(), "connection timed out: 6 retransmissions of SYN unanswered over 127.0 s");
  EXPECT_EQ(net.now(), Ms(127000));
}

TEST(PairTest, DataRetransmissionScheduleDeathMessage) {
  StackConfig ca = testing::TestConfig(TinyNet::AddrA());
  ca.data_retries = 6;
  TinyNet net(absl::Milliseconds(100), ca);
  auto [a, b] = net.Connect();
  Instant t0 = net.now();
  bool cut = true;
  net.set_filter([&](const TinyNet::Sent&, absl::Duration*) {
    return cut ? TinyNet::Verdict::kDrop : TinyNet::Verdict::kDeliver;
  });
  ASSERT_EQ(*net.a().Send(net.now(), a, Pattern(1000)), 1000u);
  net.RunUntil(Instant::Infinite());
  auto ia = net.a().Info(a);
  std::vector<int64_t> rel;
  for (const auto& s : net.log()) {
    if (s.time >= t0 && s.from_a) rel.push_back((s.time - t0) / absl::Milliseconds(1));
  }
  // srtt 200 ms, rttvar 100 ms: RTO = 600 ms, then doubling.
  EXPECT_THAT(rel, ::testing::ElementsAre(0, 600, 1800, 4200, 9000, 18600, 37800));
  absl::Status e = net.a().Error(a);
  EXPECT_EQ(e.code(), absl::StatusCode::kDeadlineExceeded);
  // Sequence numbers relative to the ISN, as a packet trace shows them.
  EXPECT_EQ(e.message(),
            "connection timed out: 6 retransmissions of seq 1:1001 unanswered over 76.2 s");
  EXPECT_EQ(net.a().State(a), S::kClosed);
  bool timed_out = false;
  while (auto ev = net.a().PollEvent()) timed_out |= ev->kind == EventKind::kTimedOut;
  EXPECT_TRUE(timed_out);
}

TEST(PairTest, PathComesBackBeforeLimitAndTransferRecovers) {
  TinyNet net;
  auto [a, b] = net.Connect();
  Instant cut_from = net.now() + absl::Milliseconds(100);
  Instant cut_to = cut_from + absl::Seconds(20);
  net.set_filter([&](const TinyNet::Sent& s, absl::Duration*) {
    return (s.time >= cut_from && s.time < cut_to) ? TinyNet::Verdict::kDrop
                                                   : TinyNet::Verdict::kDeliver;
  });
  Bytes data = Pattern(500000, 13);
  Bytes got = Transfer(net, net.a(), a, net.b(), b, data, At(absl::Seconds(600)));
  EXPECT_TRUE(got == data);
  EXPECT_EQ(net.a().State(a), S::kEstablished);
  EXPECT_GT(net.a().Info(a)->timeouts, 3u);
}

TEST(PairTest, ConnectToClosedPortIsRefused) {
  TinyNet net;
  auto c = net.a().Connect(net.now(), TinyNet::AddrB(), 81);
  net.RunFor(absl::Milliseconds(30));
  EXPECT_EQ(net.a().State(*c), S::kClosed);
  EXPECT_EQ(net.a().Error(*c).message(), "connection refused: reset by peer in SYN-SENT");
  EXPECT_EQ(net.b().counters().no_connection, 1u);
}

TEST(PairTest, CloseWithUnreadDataSendsRst) {
  TinyNet net;
  auto [a, b] = net.Connect();
  ASSERT_EQ(*net.a().Send(net.now(), a, Pattern(100)), 100u);
  net.RunFor(absl::Milliseconds(30));
  ASSERT_TRUE(net.b().Close(net.now(), b).ok());
  EXPECT_EQ(net.log().back().seg.flags(), fl::kRst);
  net.RunFor(absl::Milliseconds(30));
  EXPECT_EQ(net.a().State(a), S::kClosed);
  EXPECT_EQ(net.a().Error(a).message(), "connection reset by peer in ESTABLISHED");
  EXPECT_EQ(net.b().connection_count(), 0u);
}

TEST(PairTest, AbortSendsRst) {
  TinyNet net;
  auto [a, b] = net.Connect();
  ASSERT_TRUE(net.a().Abort(net.now(), a).ok());
  EXPECT_EQ(net.a().connection_count(), 0u);
  net.RunFor(absl::Milliseconds(30));
  EXPECT_EQ(net.b().State(b), S::kClosed);
  EXPECT_EQ(net.b().Error(b).code(), absl::StatusCode::kAborted);
  uint8_t buf[10];
  auto r = net.b().Receive(net.now(), b, absl::MakeSpan(buf));
  EXPECT_FALSE(r.ok());
}

TEST(PairTest, SynAckLossRecoversByRetransmission) {
  TinyNet net;
  net.set_filter([](const TinyNet::Sent& s, absl::Duration*) {
    return s.index == 1 ? TinyNet::Verdict::kDrop : TinyNet::Verdict::kDeliver;
  });
  auto l = net.b().Listen(net.now(), 80, 4);
  auto c = net.a().Connect(net.now(), TinyNet::AddrB(), 80);
  net.RunFor(absl::Seconds(2));
  EXPECT_EQ(net.a().State(*c), S::kEstablished);
  auto s = net.b().Accept(net.now(), *l);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(net.b().State(*s), S::kEstablished);
}

TEST(PairTest, ManyConnectionsUseDistinctEphemeralPorts) {
  TinyNet net;
  auto l = net.b().Listen(net.now(), 80, 64);
  std::vector<SocketId> cs;
  for (int i = 0; i < 20; ++i) cs.push_back(*net.a().Connect(net.now(), TinyNet::AddrB(), 80));
  net.RunFor(absl::Seconds(1));
  std::set<uint16_t> ports;
  for (SocketId c : cs) {
    EXPECT_EQ(net.a().State(c), S::kEstablished);
    ports.insert(net.a().Info(c)->local_port);
  }
  EXPECT_EQ(ports.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(net.b().Accept(net.now(), *l).ok());
  EXPECT_FALSE(net.b().Accept(net.now(), *l).ok());
}

}  // namespace
}  // namespace tcplab::tcp

namespace tcplab::tcp {
namespace {

class Recorder : public StackObserver {
 public:
  void OnStateChange(SocketId, ConnectionState from, ConnectionState to, Instant) override {
    if (path.empty()) path.push_back(from);
    path.push_back(to);
  }
  std::vector<ConnectionState> path;
};

TEST(TransitionTest, ActiveCloseAndPassiveClosePaths) {
  testing::TinyNet net;
  Recorder ra, rb;
  net.a().SetObserver(&ra);
  net.b().SetObserver(&rb);
  auto [a, b] = net.Connect();
  ASSERT_TRUE(net.a().Close(net.now(), a).ok());
  net.RunFor(absl::Milliseconds(50));
  ASSERT_TRUE(net.b().Close(net.now(), b).ok());
  net.RunUntil(Instant::Infinite());
  EXPECT_THAT(ra.path, ::testing::ElementsAre(S::kClosed, S::kSynSent, S::kEstablished,
                                              S::kFinWait1, S::kFinWait2, S::kTimeWait,
                                              S::kClosed));
  EXPECT_THAT(rb.path, ::testing::ElementsAre(S::kListen, S::kSynReceived, S::kEstablished,
                                              S::kCloseWait, S::kLastAck, S::kClosed));
  EXPECT_EQ(net.a().connection_count(), 0u);
  EXPECT_EQ(net.b().connection_count(), 0u);
  EXPECT_EQ(net.a().NextDeadline(), Instant::Infinite());
}

TEST(TransitionTest, SimultaneousOpenAndClosePaths) {
  testing::TinyNet net;
  Recorder ra;
  net.a().SetObserver(&ra);
  auto a = net.a().Connect(net.now(), testing::TinyNet::AddrB(), 7000, 6000);
  auto b = net.b().Connect(net.now(), testing::TinyNet::AddrA(), 6000, 7000);
  net.RunFor(absl::Milliseconds(50));
  ASSERT_TRUE(net.a().Close(net.now(), *a).ok());
  ASSERT_TRUE(net.b().Close(net.now(), *b).ok());
  net.RunUntil(Instant::Infinite());
  EXPECT_THAT(ra.path, ::testing::ElementsAre(S::kClosed, S::kSynSent, S::kSynReceived,
                                              S::kEstablished, S::kFinWait1, S::kClosing,
                                              S::kTimeWait, S::kClosed));
}

TEST(TransitionTest, CloseInSynReceivedGoesToFinWait1) {
  testing::TinyNet net;
  Recorder ra;
  net.a().SetObserver(&ra);
  auto a = net.a().Connect(net.now(), testing::TinyNet::AddrB(), 7000, 6000);
  auto b = net.b().Connect(net.now(), testing::TinyNet::AddrA(), 6000, 7000);
  net.RunFor(absl::Milliseconds(10));  // both SYNs arrived: SYN-RECEIVED
  ASSERT_EQ(net.a().State(*a), S::kSynReceived);
  ASSERT_TRUE(net.a().Shutdown(net.now(), *a).ok());
  EXPECT_EQ(net.a().State(*a), S::kFinWait1);
  EXPECT_EQ(net.log().back().seg.flags(), fl::kFin | fl::kAck);
  net.RunFor(absl::Milliseconds(100));
  EXPECT_EQ(net.a().State(*a), S::kFinWait2);
  EXPECT_EQ(net.b().State(*b), S::kCloseWait);
  Bytes data = Pattern(5000);
  EXPECT_TRUE(Transfer(net, net.b(), *b, net.a(), *a, data, Ms(60000), true) == data);
  net.RunFor(absl::Milliseconds(100));
  EXPECT_EQ(net.a().State(*a), S::kTimeWait);
  EXPECT_THAT(ra.path, ::testing::ElementsAre(S::kClosed, S::kSynSent, S::kSynReceived,
                                              S::kFinWait1, S::kFinWait2, S::kTimeWait));
}

}  // namespace
}  // namespace tcplab::tcp

namespace tcplab::tcp {
namespace {

TEST(DeterminismTest, SameInputsSamePackets) {
  auto run = [] {
    testing::TinyNet net;
    auto [a, b] = net.Connect();
    net.set_filter([](const testing::TinyNet::Sent& s, absl::Duration* extra) {
      if (s.index % 19 == 0) return testing::TinyNet::Verdict::kDrop;
      if (s.index % 23 == 0) *extra = absl::Milliseconds(4);
      return testing::TinyNet::Verdict::kDeliver;
    });
    Bytes data = Pattern(200000, 21);
    Bytes got = Transfer(net, net.a(), a, net.b(), b, data, At(absl::Seconds(600)));
    EXPECT_TRUE(got == data);
    return net.LogString();
  };
  std::string first = run();
  EXPECT_GT(first.size(), 1000u);
  EXPECT_EQ(first, run());
}

}  // namespace
}  // namespace tcplab::tcp

namespace tcplab::tcp {
namespace {

TEST(WrapTest, TransferAcrossSequenceWrap) {
  // Start A's connection at the moment its ISN is 4096 short of 2^32.
  StackConfig ca = testing::TestConfig(testing::TinyNet::AddrA());
  IsnGenerator g(ca.isn_secret, ca.isn_tick);
  uint32_t s0 = g.Generate(Instant::Zero(), testing::TinyNet::AddrA(), 49152,
                           testing::TinyNet::AddrB(), 80).raw();
  uint32_t ticks = 0xfffff000u - s0;
  testing::TinyNet net;
  net.RunUntil(Instant::Zero() + ticks * ca.isn_tick);
  auto [a, b] = net.Connect();
  EXPECT_EQ(net.a().Info(a)->iss.raw(), 0xfffff000u);
  net.set_filter([](const testing::TinyNet::Sent& s, absl::Duration* extra) {
    if (s.index % 29 == 0) return testing::TinyNet::Verdict::kDrop;
    if (s.index % 31 == 0) *extra = absl::Milliseconds(3);
    return testing::TinyNet::Verdict::kDeliver;
  });
  Bytes data = Pattern(1 << 20, 17);
  Bytes got = Transfer(net, net.a(), a, net.b(), b, data, net.now() + absl::Seconds(600));
  EXPECT_TRUE(got == data);
  EXPECT_LT(net.a().Info(a)->snd_una.raw(), 0x00200000u);  // wrapped
}

}  // namespace
}  // namespace tcplab::tcp

namespace tcplab::tcp {
namespace {

// Checks, over everything put on the wire, the flow-control invariants of
// RFC 9293 §3.8.6: (1) every data segment ends at or before the right edge
// (ACK + window) last advertised by its receiver before it was sent — a
// one-byte zero-window probe may lie one byte past it; (2) no host ever
// moves its advertised right edge left (§3.8.6.2.1, the window does not
// shrink). Returns a description of the first violation, or "".
std::string FlowControlViolation(const std::vector<TinyNet::Sent>& log) {
  std::optional<wire::Seq> edge[2];  // edge[i]: advertised by host i (0 = A)
  for (const TinyNet::Sent& s : log) {
    const int from = s.from_a ? 0 : 1;
    const int to = 1 - from;
    const wire::TcpHeader& h = s.seg.pkt.tcp;
    if (h.has(fl::kRst)) continue;
    if (!s.seg.payload.empty() && edge[to]) {
      wire::Seq end = h.seq + static_cast<uint32_t>(s.seg.payload.size());
      const bool probe = s.seg.payload.size() == 1 && end == *edge[to] + 1;
      if (end > *edge[to] && !probe) {
        return absl::StrCat("#", s.index, " ends past the window: ", s.seg.ToString());
      }
    }
    if (h.has(fl::kAck)) {
      wire::Seq right = h.ack + h.window;
      if (edge[from] && right < *edge[from]) {
        return absl::StrCat("#", s.index, " shrinks the window: ", s.seg.ToString());
      }
      if (!edge[from] || right > *edge[from]) edge[from] = right;
    }
  }
  return "";
}

TEST(FlowControlTest, AsymmetricMssBothWaysAndWindowInvariants) {
  StackConfig ca = testing::TestConfig(TinyNet::AddrA());
  StackConfig cb = testing::TestConfig(TinyNet::AddrB());
  ca.mss = 1000;
  cb.mss = 600;
  ca.recv_buffer_bytes = 5000;  // small windows, so the edges matter
  cb.recv_buffer_bytes = 7000;
  TinyNet net(absl::Milliseconds(10), ca, cb);
  auto [a, b] = net.Connect();
  EXPECT_EQ(net.a().Info(a)->eff_snd_mss, 600);  // B announced 600
  EXPECT_EQ(net.b().Info(b)->eff_snd_mss, 600);  // min(own 600, A's 1000)
  EXPECT_EQ(net.a().Info(a)->peer_mss, 600);
  EXPECT_EQ(net.b().Info(b)->peer_mss, 1000);
  Bytes ab = Pattern(200000, 31), ba = Pattern(150000, 37);
  EXPECT_TRUE(Transfer(net, net.a(), a, net.b(), b, ab, net.now() + absl::Seconds(600)) == ab);
  EXPECT_TRUE(Transfer(net, net.b(), b, net.a(), a, ba, net.now() + absl::Seconds(600)) == ba);
  size_t max_a = 0, max_b = 0;
  for (const auto& s : net.log()) {
    (s.from_a ? max_a : max_b) = std::max(s.seg.payload.size(), s.from_a ? max_a : max_b);
  }
  EXPECT_EQ(max_a, 600u);
  EXPECT_EQ(max_b, 600u);
  EXPECT_EQ(FlowControlViolation(net.log()), "");
}

TEST(FlowControlTest, AsymmetricMssOtherDirection) {
  StackConfig ca = testing::TestConfig(TinyNet::AddrA());
  StackConfig cb = testing::TestConfig(TinyNet::AddrB());
  ca.mss = 1460;
  cb.mss = 700;
  TinyNet net(absl::Milliseconds(10), ca, cb);
  auto [a, b] = net.Connect();
  // A may send at most B's 700; B at most its own 700 even though A takes 1460.
  Bytes ab = Pattern(50000, 3), ba = Pattern(50000, 4);
  EXPECT_TRUE(Transfer(net, net.a(), a, net.b(), b, ab, net.now() + absl::Seconds(60)) == ab);
  EXPECT_TRUE(Transfer(net, net.b(), b, net.a(), a, ba, net.now() + absl::Seconds(60)) == ba);
  for (const auto& s : net.log()) EXPECT_LE(s.seg.payload.size(), 700u);
  EXPECT_EQ(FlowControlViolation(net.log()), "");
}

// Loss, duplication and reordering with a small receive buffer and a slow
// reader: the invariants hold throughout, including across retransmissions.
TEST(FlowControlTest, WindowInvariantsUnderLossWithSmallBuffer) {
  StackConfig cb = testing::TestConfig(TinyNet::AddrB());
  cb.recv_buffer_bytes = 3000;
  TinyNet net(absl::Milliseconds(10), testing::TestConfig(TinyNet::AddrA()), cb);
  auto [a, b] = net.Connect();
  int n = 0;
  net.set_filter([&](const TinyNet::Sent& s, absl::Duration* extra) {
    ++n;
    if (n % 9 == 0) return TinyNet::Verdict::kDrop;
    if (n % 13 == 0) return TinyNet::Verdict::kDuplicate;
    if (s.from_a && n % 5 == 0) *extra = absl::Milliseconds(4);
    return TinyNet::Verdict::kDeliver;
  });
  Bytes data = Pattern(120000, 41);
  Bytes got = Transfer(net, net.a(), a, net.b(), b, data, net.now() + absl::Seconds(3600));
  EXPECT_TRUE(got == data);
  EXPECT_EQ(FlowControlViolation(net.log()), "");
  EXPECT_GT(net.a().Info(a)->retransmissions, 0u);
}

// The invariant checker itself: a forged segment past the edge, and a
// forged ACK that pulls the right edge back, are both reported.
TEST(FlowControlTest, CheckerDetectsViolations) {
  StackConfig cb = testing::TestConfig(TinyNet::AddrB());
  cb.recv_buffer_bytes = 3000;
  TinyNet net(absl::Milliseconds(10), testing::TestConfig(TinyNet::AddrA()), cb);
  auto [a, b] = net.Connect();
  Bytes data = Pattern(20000, 5);
  EXPECT_TRUE(Transfer(net, net.a(), a, net.b(), b, data, net.now() + absl::Seconds(60)) == data);
  std::vector<TinyNet::Sent> log = net.log();
  ASSERT_EQ(FlowControlViolation(log), "");
  // Grow the last full data segment A sent by 3000 bytes: past B's edge.
  std::vector<TinyNet::Sent> past = log;
  for (auto it = past.rbegin(); it != past.rend(); ++it) {
    if (it->from_a && it->seg.payload.size() > 100) {
      it->seg.payload.resize(it->seg.payload.size() + 3000);
      break;
    }
  }
  EXPECT_THAT(FlowControlViolation(past), HasSubstr("ends past the window"));
  // Shrink the window of B's last ACK below what it advertised before.
  std::vector<TinyNet::Sent> shrunk = log;
  for (auto it = shrunk.rbegin(); it != shrunk.rend(); ++it) {
    if (!it->from_a) {
      it->seg.pkt.tcp.window = 0;
      it->seg.pkt.tcp.ack = it->seg.pkt.tcp.ack - 1;
      break;
    }
  }
  EXPECT_THAT(FlowControlViolation(shrunk), HasSubstr("shrinks the window"));
}

}  // namespace
}  // namespace tcplab::tcp

namespace tcplab::tcp {
namespace {

uint32_t XorShift(uint32_t& x) {
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return x;
}

// Randomized engine-vs-engine runs: random MSS and buffer sizes on each
// side, random loss / duplication / reordering, a reader that pauses, data
// both ways, then both sides shut down. Every byte arrives exactly once in
// order, both sides finish the FIN exchange, and the flow-control
// invariants hold on the wire throughout.
TEST(FlowControlTest, RandomizedBidirectionalTransfersAreExact) {
  for (uint32_t seed = 1; seed <= 60; ++seed) {
    uint32_t x = seed * 2654435761u;
    StackConfig ca = testing::TestConfig(TinyNet::AddrA());
    StackConfig cb = testing::TestConfig(TinyNet::AddrB());
    ca.mss = static_cast<uint16_t>(200 + XorShift(x) % 1300);
    cb.mss = static_cast<uint16_t>(200 + XorShift(x) % 1300);
    ca.recv_buffer_bytes = 1000 + XorShift(x) % 20000;
    cb.recv_buffer_bytes = 1000 + XorShift(x) % 20000;
    ca.send_buffer_bytes = 2000 + XorShift(x) % 30000;
    cb.send_buffer_bytes = 2000 + XorShift(x) % 30000;
    const uint32_t drop = 5 + XorShift(x) % 20, dup = 7 + XorShift(x) % 20;
    TinyNet net(absl::Milliseconds(1 + XorShift(x) % 30), ca, cb);
    const std::pair<SocketId, SocketId> ends = net.Connect();  // lambdas capture a, b
    const SocketId a = ends.first, b = ends.second;
    uint32_t fx = seed;
    net.set_filter([&](const TinyNet::Sent&, absl::Duration* extra) {
      uint32_t r = XorShift(fx);
      if (r % drop == 0) return TinyNet::Verdict::kDrop;
      if (r % dup == 1) return TinyNet::Verdict::kDuplicate;
      if (r % 6 == 2) *extra = absl::Milliseconds(r % 9);
      return TinyNet::Verdict::kDeliver;
    });
    const Bytes ab = Pattern(30000 + XorShift(x) % 60000, seed);
    const Bytes ba = Pattern(10000 + XorShift(x) % 60000, seed + 100);
    size_t sent_ab = 0, sent_ba = 0;
    Bytes got_ab, got_ba;
    bool shut_a = false, shut_b = false;
    uint8_t buf[1500];
    uint32_t px = seed * 7;
    bool pauses = true;
    auto step = [&] {
          Instant now = net.now();
          auto pump = [&](Stack& src, SocketId sid, const Bytes& d, size_t& sent, bool& shut) {
            while (sent < d.size()) {
              auto n = src.Send(now, sid, absl::MakeConstSpan(d).subspan(sent));
              if (!n.ok() || *n == 0) break;
              sent += *n;
            }
            if (sent == d.size() && !shut) {
              EXPECT_TRUE(src.Shutdown(now, sid).ok());
              shut = true;
            }
          };
          pump(net.a(), a, ab, sent_ab, shut_a);
          pump(net.b(), b, ba, sent_ba, shut_b);
          // Readers sometimes pause (1 call in 3 reads nothing).
          auto drain = [&](Stack& dst, SocketId did, Bytes& got) {
            if (XorShift(px) % 3 == 0 && pauses) return;
            for (;;) {
              auto n = dst.Receive(now, did, absl::MakeSpan(buf, 1 + XorShift(px) % 1500));
              if (!n.ok() || *n == 0) break;
              got.insert(got.end(), buf, buf + *n);
            }
          };
          drain(net.b(), b, got_ab);
          drain(net.a(), a, got_ba);
          return got_ab.size() == ab.size() && got_ba.size() == ba.size() &&
                 net.a().GetReadiness(a).eof && net.b().GetReadiness(b).eof;
        };
    bool done = net.RunUntilTrue(step, net.now() + absl::Seconds(3000));
    if (!done) {
      // The network went idle during a reader's pause: a last read.
      pauses = false;
      done = step();
    }
    ASSERT_TRUE(done) << "seed " << seed << " a=" << StateName(net.a().State(a))
                      << " b=" << StateName(net.b().State(b)) << " got " << got_ab.size()
                      << "/" << ab.size() << " " << got_ba.size() << "/" << ba.size()
                      << " err " << net.a().Error(a) << " / " << net.b().Error(b)
                      << " first difference a->b at "
                      << std::distance(got_ab.begin(),
                                       std::mismatch(got_ab.begin(), got_ab.end(), ab.begin()).first)
                      << " b rcv_nxt-irs " << (net.b().Info(b)->rcv_nxt - net.b().Info(b)->irs)
                      << " b buffered " << net.b().Info(b)->recv_buffered
                      << " a bytes_sent " << net.a().Info(a)->bytes_sent
;
    EXPECT_TRUE(got_ab == ab) << seed;
    EXPECT_TRUE(got_ba == ba) << seed;
    net.RunFor(absl::Seconds(200));
    EXPECT_EQ(net.a().State(a), S::kClosed) << seed;
    EXPECT_EQ(net.b().State(b), S::kClosed) << seed;
    EXPECT_TRUE(net.a().Error(a).ok()) << seed << " " << net.a().Error(a);
    EXPECT_TRUE(net.b().Error(b).ok()) << seed << " " << net.b().Error(b);
    const uint16_t mss_ab = std::min(ca.mss, cb.mss);
    for (const auto& sg : net.log()) ASSERT_LE(sg.seg.payload.size(), mss_ab) << seed;
    EXPECT_EQ(FlowControlViolation(net.log()), "") << seed;
  }
}

}  // namespace
}  // namespace tcplab::tcp

namespace tcplab::tcp {
namespace {

// Readers that stop for seconds at a time: windows close, the persist
// timer probes, loss hits probes and window updates; the transfer resumes
// and completes exactly, nobody times out, and the wire obeys the windows.
TEST(FlowControlTest, StallingReadersWithLossCompleteExactly) {
  const uint32_t kSeeds = 40;
  uint32_t runs_with_probes = 0;
  for (uint32_t seed = 1; seed <= kSeeds; ++seed) {
    uint32_t x = seed * 40503u + 17;
    StackConfig ca = testing::TestConfig(TinyNet::AddrA());
    StackConfig cb = testing::TestConfig(TinyNet::AddrB());
    ca.mss = static_cast<uint16_t>(300 + XorShift(x) % 1200);
    cb.mss = static_cast<uint16_t>(300 + XorShift(x) % 1200);
    ca.recv_buffer_bytes = 1500 + XorShift(x) % 6000;
    cb.recv_buffer_bytes = 1500 + XorShift(x) % 6000;
    TinyNet net(absl::Milliseconds(5 + XorShift(x) % 40), ca, cb);
    const std::pair<SocketId, SocketId> ends = net.Connect();  // lambdas capture a, b
    const SocketId a = ends.first, b = ends.second;
    uint32_t fx = seed + 99;
    net.set_filter([&](const TinyNet::Sent&, absl::Duration* extra) {
      uint32_t r = XorShift(fx);
      if (r % 11 == 0) return TinyNet::Verdict::kDrop;
      if (r % 17 == 1) return TinyNet::Verdict::kDuplicate;
      if (r % 5 == 2) *extra = absl::Milliseconds(r % 13);
      return TinyNet::Verdict::kDeliver;
    });
    const absl::Duration stall = absl::Seconds(1 + XorShift(x) % 8);
    const Bytes ab = Pattern(20000 + XorShift(x) % 30000, seed * 3);
    const Bytes ba = Pattern(20000 + XorShift(x) % 30000, seed * 5);
    size_t sent_ab = 0, sent_ba = 0;
    Bytes got_ab, got_ba;
    bool shut_a = false, shut_b = false;
    uint8_t buf[2048];
    auto step = [&] {
      Instant now = net.now();
      auto pump = [&](Stack& src, SocketId sid, const Bytes& d, size_t& sent, bool& shut) {
        while (sent < d.size()) {
          auto n = src.Send(now, sid, absl::MakeConstSpan(d).subspan(sent));
          if (!n.ok() || *n == 0) break;
          sent += *n;
        }
        if (sent == d.size() && !shut) shut = src.Shutdown(now, sid).ok();
      };
      pump(net.a(), a, ab, sent_ab, shut_a);
      pump(net.b(), b, ba, sent_ba, shut_b);
      // Each reader reads only in alternate `stall`-long periods (offset
      // from each other).
      const int64_t period = (now - Instant::Zero()) / stall;
      auto drain = [&](Stack& dst, SocketId did, Bytes& got, bool odd) {
        if ((period % 2 == 1) != odd) return;
        for (;;) {
          auto n = dst.Receive(now, did, absl::MakeSpan(buf));
          if (!n.ok() || *n == 0) break;
          got.insert(got.end(), buf, buf + *n);
        }
      };
      drain(net.b(), b, got_ab, true);
      drain(net.a(), a, got_ba, false);
      return got_ab.size() == ab.size() && got_ba.size() == ba.size() &&
             net.a().GetReadiness(a).eof && net.b().GetReadiness(b).eof;
    };
    // The applications also wake every 50 ms (not only on packets and
    // timers), so a stalled reader resumes on its own schedule.
    const Instant limit = net.now() + absl::Seconds(3000);
    bool done = false;
    for (Instant t = net.now(); !done && t < limit;) {
      t += absl::Milliseconds(50);
      done = net.RunUntilTrue(step, t);
      net.RunUntil(t);
    }
    ASSERT_TRUE(done) << "seed " << seed << " a=" << StateName(net.a().State(a))
                      << " b=" << StateName(net.b().State(b)) << " got " << got_ab.size()
                      << "/" << ab.size() << " " << got_ba.size() << "/" << ba.size()
                      << " err " << net.a().Error(a) << " / " << net.b().Error(b);
    EXPECT_TRUE(got_ab == ab) << seed;
    EXPECT_TRUE(got_ba == ba) << seed;
    if (net.a().Info(a)->zero_window_probes + net.b().Info(b)->zero_window_probes > 0) {
      ++runs_with_probes;
    }
    net.RunFor(absl::Seconds(200));
    EXPECT_EQ(net.a().State(a), S::kClosed) << seed;
    EXPECT_EQ(net.b().State(b), S::kClosed) << seed;
    EXPECT_TRUE(net.a().Error(a).ok()) << seed << " " << net.a().Error(a);
    EXPECT_TRUE(net.b().Error(b).ok()) << seed << " " << net.b().Error(b);
    EXPECT_EQ(FlowControlViolation(net.log()), "") << seed;
  }
  EXPECT_GT(runs_with_probes, kSeeds / 2);  // the stalls did close windows
}

}  // namespace
}  // namespace tcplab::tcp
