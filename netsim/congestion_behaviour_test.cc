// Congestion control as a simulated flow shows it, against the published
// models:
//
//   1. CUBIC after one loss follows RFC 9438's W_cubic(t) = C (t - K)^3 +
//      W_max (eq. 1), K = cbrt(W_max (1 - beta_cubic) / C) (eq. 2).
//   2. NewReno + SACK under random loss p delivers about
//      MSS / RTT * sqrt(3/2) / sqrt(p) (Mathis, Semke, Mahdavi, Ott 1997).
//   3. A long fat pipe (1 Gbit/s, 200 ms RTT, BDP 25 MB) is filled only
//      with RFC 7323 window scaling; without it one 65535-byte window per
//      RTT caps the flow at 2.6 Mbit/s.
//
// Every transfer carries a verifiable byte pattern and the receiver checks
// each byte. Each case prints one "[summary]" line to the test log.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "netsim/backend.h"
#include "netsim/link.h"
#include "netsim/link_params.h"
#include "netsim/network.h"
#include "netsim/sim_host.h"
#include "netsim/simulator.h"
#include "netsim/stack_host.h"
#include "netsim/test_apps.h"
#include "tcp/config.h"
#include "tcp/counters.h"
#include "tcp/cubic.h"
#include "tcp/events.h"
#include "tcp/stack.h"
#include "tcp/wire/packet.h"

namespace tcplab::netsim {
namespace {

using tcp::CongestionState;
using tcp::EventKind;

const wire::Ipv4Address kClientAddr(10, 0, 0, 1);
const wire::Ipv4Address kServerAddr(10, 0, 0, 2);
constexpr uint16_t kPort = 5001;
// Payload bytes per full segment: MSS 1460 less the 12 bytes of the
// timestamp option (RFC 6691), on every case here.
constexpr double kPayload = 1448;

Instant At(absl::Duration d) { return Instant::Zero() + d; }
double Seconds(Instant t) { return absl::ToDoubleSeconds(t.since_start()); }

// --- the byte stream ------------------------------------------------------------

using testing::CheckingSink;
// Named for what it does here: the bulk sender of the shared test apps.
using Source = testing::BulkSender;

// --- taps between a SimHost and its StackHost --------------------------------

// In front of the receiver: drops the first copy of the client's data
// segment that carries stream offset `drop_offset` (the loss a link would
// cause, but of exactly one chosen segment); every later copy passes.
class DropOneSegment : public BackendClient {
 public:
  DropOneSegment(BackendClient* inner, std::optional<uint64_t> drop_offset)
      : inner_(inner), drop_offset_(drop_offset) {}

  void OnPacket(Instant now, absl::Span<const uint8_t> ip_packet) override {
    if (drop_offset_ && !dropped_) {
      wire::Packet p;
      // The host checked the packet; its TCP checksum may still be left to
      // the network (Backend::OffloadChecksums), as the stack behind asked.
      if (wire::ParsePacket(ip_packet, &p, {.verify_checksums = false}) == wire::ParseError::kOk &&
          p.ip.src == kClientAddr) {
        if (p.tcp.has(wire::flags::kSyn)) stream_start_ = p.tcp.seq + 1;
        if (stream_start_ && !p.payload.empty()) {
          const uint64_t begin = static_cast<uint32_t>(p.tcp.seq - *stream_start_);
          if (begin <= *drop_offset_ && *drop_offset_ < begin + p.payload.size()) {
            dropped_ = true;
            dropped_at = now;
            return;
          }
        }
      }
    }
    inner_->OnPacket(now, ip_packet);
  }
  void OnWake(Instant now) override { inner_->OnWake(now); }

  Instant dropped_at = Instant::Infinite();

 private:
  BackendClient* inner_;
  std::optional<uint64_t> drop_offset_;
  std::optional<wire::Seq> stream_start_;
  bool dropped_ = false;
};

// In front of the sender: calls `after` once the stack has handled each
// packet (each ACK) and each timer, outside any call into the stack.
class AfterInput : public BackendClient {
 public:
  explicit AfterInput(BackendClient* inner) : inner_(inner) {}
  void OnPacket(Instant now, absl::Span<const uint8_t> ip_packet) override {
    inner_->OnPacket(now, ip_packet);
    if (after) after(now);
  }
  void OnWake(Instant now) override {
    inner_->OnWake(now);
    if (after) after(now);
  }
  std::function<void(Instant)> after;

 private:
  BackendClient* inner_;
};

// --- one transfer ------------------------------------------------------------------

struct FlowSetup {
  LinkParams forward;  // client (sender) -> server (receiver)
  LinkParams back;
  uint64_t seed = 1;
  tcp::StackConfig config;  // both hosts; local_address is filled in
  uint64_t total = 0;       // bytes the client sends
  std::optional<uint64_t> drop_offset;  // see DropOneSegment
};

tcp::StackConfig WithAddress(tcp::StackConfig c, wire::Ipv4Address addr) {
  c.local_address = addr;
  return c;
}

// The whole world of one transfer; Start, then run `sim` as the case needs.
class Transfer {
 public:
  explicit Transfer(const FlowSetup& s)
      : net_(&sim, s.seed),
        client_host_(net_.AddHost("client", kClientAddr).value()),
        server_host_(net_.AddHost("server", kServerAddr).value()),
        link(net_.Connect(client_host_, server_host_, s.forward, s.back).value()),
        client(client_host_, WithAddress(s.config, kClientAddr)),
        server(server_host_, WithAddress(s.config, kServerAddr)),
        sender_tap(&client),
        dropper(&server, s.drop_offset),
        source(s.total, kServerAddr, kPort, testing::kStreamPeriod) {
    client_host_->SetClient(&sender_tap);
    server_host_->SetClient(&dropper);
    client.SetApplication(&source);
    server.SetApplication(&sink);
  }

  void Start() {
    sink.Listen(sim.Now(), server);
    source.Start(sim.Now(), client);
  }
  // Runs until the receiver has read EOF (or the sender died, or `limit`).
  void RunToEof(Instant limit) {
    sim.RunUntilCondition([&] { return sink.eof || source.failed; }, limit);
  }
  tcp::ConnectionInfo SenderInfo() { return client.stack().Info(source.socket).value(); }

  // `fn` at `first`, then every `interval` until `last` (simulated time).
  void Every(Instant first, absl::Duration interval, Instant last,
             std::function<void(Instant)> fn) {
    sim.ScheduleFn(first, [this, first, interval, last, fn] {
      fn(first);
      if (first + interval <= last) Every(first + interval, interval, last, fn);
    });
  }

  Simulator sim;

 private:
  Network net_;
  SimHost* client_host_;
  SimHost* server_host_;

 public:
  Link* link;
  StackHost client, server;
  AfterInput sender_tap;
  DropOneSegment dropper;
  Source source;
  CheckingSink sink{kPort};
};

double Mbps(double bytes, double seconds) { return bytes * 8 / seconds / 1e6; }

void Summarize(const std::string& name, double goodput_mbps, const tcp::ConnectionInfo& i,
               const std::string& extra = "") {
  std::printf(
      "[summary] %s: goodput %.3f Mbit/s, retransmissions %llu (fast %llu, sack %llu, "
      "timeout %llu), timeouts %llu, recoveries %llu, cwnd %u, ssthresh %u, srtt %s%s%s\n",
      name.c_str(), goodput_mbps, static_cast<unsigned long long>(i.retransmissions),
      static_cast<unsigned long long>(i.fast_retransmissions),
      static_cast<unsigned long long>(i.sack_retransmissions),
      static_cast<unsigned long long>(i.timeout_retransmissions),
      static_cast<unsigned long long>(i.timeouts),
      static_cast<unsigned long long>(i.fast_recoveries), i.cwnd, i.ssthresh,
      absl::FormatDuration(i.srtt).c_str(), extra.empty() ? "" : "; ", extra.c_str());
}

// =====================================================================================
// 1. CUBIC after one loss follows W_cubic(t).
// =====================================================================================
//
// One CUBIC flow over 50 ms each way (RTT 100 ms) at 1 Gbit/s: the window
// the test drives it to (~210 segments) is a small fraction of the BDP
// (8600 segments), so no queue builds and the RTT stays 100 ms; the 8 MiB
// buffers keep the window the controller's (the flow stays cwnd-limited,
// checked below). One data segment, the 400th, is dropped once (in front of
// the receiver, see DropOneSegment) in slow start; SACK recovery repairs
// it, and the first congestion avoidance ACK after recovery starts the
// epoch. With this RTT and W_max the flow stays in the CUBIC region (W_est
// of §4.3 below W_cubic, checked), so cwnd is W_cubic's alone.
//
// From then on the controller's cwnd is polled every 20 ms of simulated
// time and compared with RFC 9438 eq. 1, W_cubic(t - t_epoch) with W_max =
// cwnd just before the reduction (read after every ACK) and K from eq. 2
// with the RFC's constants, C = 0.4 and beta_cubic = 0.7 (so cwnd_epoch =
// 0.7 W_max, checked separately).
//
// Tolerance: 2% of W_cubic(t) plus one segment, from t > 1 RTT to t = 2K
// (as far past the plateau as before it). Why not exact: (a) §4.4-4.5 make
// cwnd chase W_cubic(t + RTT), the value one RTT ahead, growing by (target
// - cwnd)/cwnd per segment acknowledged, so cwnd sits between W_cubic(t)
// and W_cubic(t + RTT); at the steepest parts of the curve (t near 0 and
// 2K) W_cubic moves 3 C K^2 RTT = 3.5 segments per RTT here, 1.7% of W_max,
// and is flat near K. (b) ACK clocking and delayed ACK: cwnd moves only
// when an ACK arrives, one per two segments (~1 ms apart here), so a poll
// sees a value up to one ACK old. (c) cwnd is whole bytes (the fraction is
// carried separately). Measured worst: 0.8% (printed); W_max from 160 to
// 460 segments at RTT 100 or 200 ms all stayed within 2%. The band still
// fails, when tried: beta_cubic 0.5 (cwnd 27% under the curve), C = 0.2
// (17% under), window scaling off (cwnd stuck at the 64 KiB window).

struct CubicSample {
  Instant at;
  uint32_t cwnd;
  CongestionState state;
};

struct CubicRun {
  tcp::ConnectionInfo last;   // at the end of the run
  bool failed = false;
  uint64_t mismatches = 0;
  uint64_t received = 0;
  Instant end;
  bool dropped = false;
  uint64_t link_drops = 0;
  std::vector<CubicSample> per_ack;  // after each ACK (and timer) the sender handled
  std::vector<std::pair<Instant, tcp::ConnectionInfo>> polled;  // every 20 ms
};

// One CUBIC flow whose `drop_segment`-th data segment (from 0) is lost
// once, RTT 2 * one_way, run for `duration`.
CubicRun RunCubicOneLoss(uint64_t drop_segment, absl::Duration one_way, absl::Duration duration,
                         uint64_t seed) {
  FlowSetup s;
  s.forward.delay = one_way;
  s.forward.rate_bps = 1'000'000'000;
  s.back = s.forward;
  s.seed = seed;
  s.config.congestion = tcp::CongestionAlgorithm::kCubic;
  s.config.send_buffer_bytes = 8 << 20;
  s.config.recv_buffer_bytes = 8 << 20;
  s.config.out_of_order_limit_bytes = 8 << 20;
  s.total = uint64_t{1} << 40;  // more than the run can send: cut off by time
  s.drop_offset = drop_segment * 1448 + 100;
  Transfer x(s);
  CubicRun r;
  x.sender_tap.after = [&](Instant now) {
    if (x.source.socket == tcp::kInvalidSocket) return;
    const tcp::ConnectionInfo i = x.SenderInfo();
    r.per_ack.push_back({now, i.cwnd, i.congestion_state});
  };
  r.end = At(duration);
  x.Every(At(absl::Milliseconds(20)), absl::Milliseconds(20), r.end,
          [&](Instant now) { r.polled.push_back({now, x.SenderInfo()}); });
  x.Start();
  x.sim.RunUntil(r.end);
  r.last = x.SenderInfo();
  r.failed = x.source.failed;
  r.mismatches = x.sink.mismatches;
  r.received = x.sink.received;
  r.dropped = !x.dropper.dropped_at.is_infinite();
  r.link_drops = x.link->a_to_b().counters().dropped_total() +
                 x.link->b_to_a().counters().dropped_total();
  return r;
}

// What the run says about the reduction and the curve after it.
struct CubicFit {
  bool ok = false;      // one recovery entered and left, an epoch started
  double w_max = 0;     // segments: cwnd at the last ACK before recovery
  double cwnd_epoch = 0;  // segments: cwnd as recovery ended
  Instant t_epoch;      // the first avoidance ACK after recovery (§4.2)
  double k = 0;         // RFC 9438 eq. 2 with C = 0.4, beta_cubic = 0.7
  int compared = 0;     // polls with 1 RTT < t <= 2K
  double worst = 0;     // largest |cwnd - W_cubic(t)| / W_cubic(t) among them
  double worst_at = 0;
};

constexpr double kRfcBeta = 0.7;  // RFC 9438 §4.6
constexpr double kRfcC = 0.4;     // RFC 9438 §4.1.1

CubicFit FitCubic(const CubicRun& r, double mss, double rtt) {
  CubicFit f;
  const std::vector<CubicSample>& a = r.per_ack;
  size_t enter = 0;
  while (enter < a.size() && a[enter].state != CongestionState::kRecovery) ++enter;
  if (enter == 0 || enter >= a.size()) return f;
  size_t exit = enter;
  while (exit < a.size() && a[exit].state == CongestionState::kRecovery) ++exit;
  if (exit + 1 >= a.size()) return f;
  f.ok = true;
  f.w_max = a[enter - 1].cwnd / mss;
  f.cwnd_epoch = a[exit].cwnd / mss;
  f.t_epoch = a[exit + 1].at;
  f.k = std::cbrt(f.w_max * (1 - kRfcBeta) / kRfcC);
  for (const auto& [at, info] : r.polled) {
    const double t = Seconds(at) - Seconds(f.t_epoch);
    if (t <= rtt || t > 2 * f.k) continue;
    ++f.compared;
    const double expected = tcp::CubicWindow(t, f.k, f.w_max);
    const double err = std::abs(info.cwnd / mss - expected) / expected;
    if (err > f.worst) {
      f.worst = err;
      f.worst_at = t;
    }
  }
  return f;
}

// RFC 9438 §4.3: W_est(t), segments, growing alpha_cubic per RTT from
// cwnd_epoch until it reaches cwnd_prior (= W_max after a first loss), then
// one segment per RTT. An upper bound when `rtt` is the base RTT.
double RenoFriendlyWindow(double t, double cwnd_epoch, double w_max, double rtt) {
  const double alpha = 3 * (1 - kRfcBeta) / (1 + kRfcBeta);
  const double t_switch = (w_max - cwnd_epoch) / alpha * rtt;
  return t < t_switch ? cwnd_epoch + alpha * t / rtt : w_max + (t - t_switch) / rtt;
}

TEST(CongestionBehaviourTest, CubicFollowsWcubicAfterOneLoss) {
  // The 400th segment: in slow start with delayed ACK (x1.5 per RTT) the
  // window is ~210 segments when its loss is detected.
  const double rtt = 0.1;
  const CubicRun r = RunCubicOneLoss(400, absl::Milliseconds(50), absl::Seconds(14), 11);
  ASSERT_FALSE(r.failed);
  EXPECT_EQ(r.mismatches, 0u);
  ASSERT_EQ(r.last.congestion, tcp::CongestionAlgorithm::kCubic);
  ASSERT_TRUE(r.last.window_scale_enabled);
  const double mss = r.last.eff_snd_mss;
  ASSERT_EQ(mss, kPayload);
  // Exactly the one forced loss, repaired by one SACK recovery.
  ASSERT_TRUE(r.dropped);
  EXPECT_EQ(r.link_drops, 0u);
  EXPECT_EQ(r.last.fast_recoveries, 1u);
  EXPECT_EQ(r.last.timeouts, 0u);
  EXPECT_EQ(r.last.retransmissions, 1u);

  const CubicFit f = FitCubic(r, mss, rtt);
  ASSERT_TRUE(f.ok);
  EXPECT_GT(f.w_max, 150);
  EXPECT_LT(f.w_max, 400);
  // §4.6: cwnd_epoch = ssthresh = beta_cubic * FlightSize, and FlightSize
  // is cwnd give or take the two segments limited transmit (RFC 3042) may
  // have added.
  EXPECT_NEAR(f.cwnd_epoch, kRfcBeta * f.w_max, kRfcBeta * 2 + 1) << "W_max " << f.w_max;
  ASSERT_LT(2 * f.k, Seconds(r.end) - Seconds(f.t_epoch));
  // The engine's eq. 1 is the RFC's, with C = 0.4.
  for (double t : {0.0, 1.0, f.k, 2 * f.k}) {
    EXPECT_NEAR(tcp::CubicWindow(t, f.k, f.w_max),
                kRfcC * (t - f.k) * (t - f.k) * (t - f.k) + f.w_max, 1e-9);
  }

  // The curve, from one RTT after the epoch until 2K (as far past the
  // plateau as before it). Each kind of miss is counted and its first
  // instance shown.
  int off_curve = 0, not_open = 0, not_cwnd_limited = 0;
  std::string first_off_curve, first_not_open, first_not_cwnd_limited;
  for (const auto& [at, info] : r.polled) {
    const double t = Seconds(at) - Seconds(f.t_epoch);
    if (t <= rtt || t > 2 * f.k) continue;
    const double expected = tcp::CubicWindow(t, f.k, f.w_max);
    const double got = info.cwnd / mss;
    // This path keeps the flow in the CUBIC region: W_est (§4.3) stays
    // below W_cubic, so cwnd is W_cubic's and not the Reno-friendly one.
    ASSERT_LT(RenoFriendlyWindow(t, f.cwnd_epoch, f.w_max, rtt), expected) << "t " << t;
    if (std::abs(got - expected) > 0.02 * expected + 1 && off_curve++ == 0) {
      first_off_curve = absl::StrFormat("t = %.3f s: cwnd %.1f segments, W_cubic %.1f", t, got,
                                        expected);
    }
    if (info.congestion_state != CongestionState::kOpen && not_open++ == 0) {
      first_not_open = absl::StrFormat("t = %.3f s: %s", t,
                                       tcp::CongestionStateName(info.congestion_state));
    }
    // cwnd-limited: the flight fills cwnd (short of it by less than what
    // one delayed ACK releases, two segments, plus one partial segment).
    if (info.bytes_in_flight + 3 * mss < info.cwnd && not_cwnd_limited++ == 0) {
      first_not_cwnd_limited = absl::StrFormat("t = %.3f s: %u bytes in flight, cwnd %u", t,
                                               info.bytes_in_flight, info.cwnd);
    }
  }
  EXPECT_EQ(off_curve, 0) << "polls off W_cubic by more than 2% + 1 segment; first: "
                          << first_off_curve;
  EXPECT_EQ(not_open, 0) << "first: " << first_not_open;
  EXPECT_EQ(not_cwnd_limited, 0) << "first: " << first_not_cwnd_limited;
  // Every 20 ms poll in (RTT, 2K] was compared.
  EXPECT_GE(f.compared, static_cast<int>((2 * f.k - rtt) / 0.02) - 1);

  const double goodput = Mbps(static_cast<double>(r.received), Seconds(r.end));
  char extra[256];
  std::snprintf(extra, sizeof extra,
                "W_max %.1f segments, cwnd_epoch %.1f, K %.3f s, epoch at %.3f s, %d samples "
                "compared, worst |cwnd - W_cubic| / W_cubic %.2f%% at t = %.2f s",
                f.w_max, f.cwnd_epoch, f.k, Seconds(f.t_epoch), f.compared, 100 * f.worst,
                f.worst_at);
  Summarize("cubic one loss", goodput, r.last, extra);
}

// =====================================================================================
// 2. Mathis: goodput ~ MSS / RTT * C / sqrt(p).
// =====================================================================================
//
// NewReno (RFC 5681 with RFC 3465 byte counting, so delayed ACK does not
// slow avoidance) + SACK recovery (RFC 6675), 20 ms each way (RTT 40 ms),
// 100 Mbit/s, 1 MiB buffers: at these loss rates the window averages 10-20
// segments, far below both the BDP (345 segments) and the buffers, so loss
// alone limits the flow and the RTT is the propagation delay. Random loss
// on the data direction only; the ACKs all arrive.
//
// Band: 0.72x to 1.25x of the formula. The model idealises in both
// directions: it counts no timeouts (a lost retransmission, or a window too
// small for three duplicate ACKs, costs an RTO: slower, and more so as p
// grows), and it assumes periodic loss with one halving per loss, where
// random loss spreads the sawtooth and SACK recovery repairs several losses
// in one window with one halving (faster; Mathis et al. §3 measure above
// the periodic model for random loss). Measured, 8 seeds per p with ~400
// loss events per run: 0.93-1.02x at 0.5% (mean 0.97), 0.87-0.99x at 1%
// (0.94), 0.81-0.88x at 2% (0.84, with 4-10 timeouts a run); standard
// deviation 0.02-0.04 within each p. The band leaves ~4 standard
// deviations below the lowest and far more above the highest, and still
// catches the errors that matter (tried): a NewReno that kept 0.7 of its
// window instead of half (AIMD(1, 0.7), sqrt(1.7 / 0.6) / sqrt(1.5) =
// 1.37x by the same model; measured 1.28x, 1.33x, 1.20x), and avoidance
// that counts ACKs instead of bytes under delayed ACK (C = sqrt(3/4),
// 0.71x; measured 0.65x, 0.67x, 0.64x). Sizes give ~400 expected losses
// per case (400 / p segments). Goodput must also fall as p rises, by
// roughly the square root (doubling p: 1/sqrt(2) = 0.71x; required between
// 0.5x and 0.9x).

struct MathisCase {
  double p;
  uint64_t seed;
  uint64_t bytes;
};

struct MathisResult {
  double goodput_mbps;
  double model_mbps;
  tcp::ConnectionInfo info;
};

MathisResult RunMathis(const MathisCase& mc) {
  FlowSetup s;
  s.forward.delay = absl::Milliseconds(20);
  s.forward.rate_bps = 100'000'000;
  s.back = s.forward;
  s.forward.loss = mc.p;
  s.seed = mc.seed;
  s.config.congestion = tcp::CongestionAlgorithm::kNewReno;
  s.config.sack = true;
  s.config.send_buffer_bytes = 1 << 20;
  s.config.recv_buffer_bytes = 1 << 20;
  s.config.out_of_order_limit_bytes = 1 << 20;
  s.total = mc.bytes;
  Transfer x(s);
  x.Start();
  x.RunToEof(At(absl::Seconds(3600)));
  MathisResult r;
  r.info = x.SenderInfo();
  EXPECT_TRUE(x.sink.eof);
  EXPECT_EQ(x.sink.received, mc.bytes);
  EXPECT_EQ(x.sink.mismatches, 0u);
  EXPECT_EQ(r.info.congestion, tcp::CongestionAlgorithm::kNewReno);
  EXPECT_TRUE(r.info.sack_enabled);
  r.goodput_mbps = Mbps(static_cast<double>(x.sink.received), Seconds(x.sink.eof_at));
  r.model_mbps = Mbps(kPayload, 0.040) * std::sqrt(1.5) / std::sqrt(mc.p);
  const LinkCounters& fwd = x.link->a_to_b().counters();
  char extra[256];
  std::snprintf(extra, sizeof extra,
                "p %.3f, %llu bytes in %.1f s, model %.3f Mbit/s, ratio %.2f, data packets "
                "lost %llu",
                mc.p, static_cast<unsigned long long>(mc.bytes), Seconds(x.sink.eof_at),
                r.model_mbps, r.goodput_mbps / r.model_mbps,
                static_cast<unsigned long long>(fwd.dropped_total()));
  Summarize("mathis", r.goodput_mbps, r.info, extra);
  return r;
}

TEST(CongestionBehaviourTest, NewRenoSackGoodputFollowsMathis) {
  const std::vector<MathisCase> cases = {
      {.p = 0.005, .seed = 501, .bytes = 116'000'000},
      {.p = 0.01, .seed = 1001, .bytes = 58'000'000},
      {.p = 0.02, .seed = 2001, .bytes = 29'000'000},
  };
  std::vector<MathisResult> results;
  for (const MathisCase& mc : cases) {
    results.push_back(RunMathis(mc));
    const MathisResult& r = results.back();
    EXPECT_GE(r.goodput_mbps, 0.72 * r.model_mbps) << "p " << mc.p;
    EXPECT_LE(r.goodput_mbps, 1.25 * r.model_mbps) << "p " << mc.p;
    // The flow met the loss and recovered mostly by SACK, not by timeout.
    EXPECT_GT(r.info.fast_recoveries, 250u) << "p " << mc.p;
    EXPECT_LT(r.info.timeouts * 5, r.info.fast_recoveries) << "p " << mc.p;
  }
  for (size_t i = 1; i < results.size(); ++i) {
    const double ratio = results[i].goodput_mbps / results[i - 1].goodput_mbps;
    EXPECT_LT(ratio, 0.9) << "p " << cases[i].p << " vs " << cases[i - 1].p;
    EXPECT_GT(ratio, 0.5) << "p " << cases[i].p << " vs " << cases[i - 1].p;
  }
}

// =====================================================================================
// 3. Long fat pipe: window scaling fills it.
// =====================================================================================
//
// 1 Gbit/s, 100 ms each way (RTT 200 ms, BDP 25 MB = 17 300 segments), no
// loss, 64 MiB send and receive buffers, CUBIC (the default).
//
// The queue: with no loss, slow start only ends when the 64 MiB receive
// window stops it (46 300 segments), and what the pipe does not hold then
// stands in the bottleneck queue: ~29 700 packets, 45 MB, RTT ~556 ms. The
// link's queue limit is set well above that (40 000 packets) so that
// nothing is dropped: this case is about the window, and a drop-tail queue
// of one BDP would instead end slow start with a burst of thousands of
// losses (tried: 17 300 packets drop 12 378, more holes than the receiver's
// 32 reassembly ranges, so SACK recovery stalls until an RTO, and
// 4.5-5.5 s then carries 244 Mbit/s). The standing queue costs latency,
// not goodput.
//
// Slow start with delayed ACK grows the window 1.5x per RTT, so the pipe is
// full after ~19 RTTs (3.8 s); goodput is measured from 4.5 s to 5.5 s: at
// least 90% of the link rate (900 Mbit/s; the most possible is the payload
// share of the bytes on the wire, 1448 / 1500 = 965 Mbit/s).
//
// Without window scaling (both hosts, so neither offers the option) the
// window field caps the flow at one 65535-byte window per RTT; less the
// sender's silly-window avoidance (45 full segments, 65160 bytes) and the
// delayed ACK of the window's odd segment. Required: between 90% and 100%
// of 65535 B / 200 ms = 2.62 Mbit/s, measured from 2 s to 6 s.

struct FatPipeResult {
  double steady_mbps;
  tcp::ConnectionInfo info;
};

FatPipeResult RunFatPipe(bool window_scale, Instant from, Instant to) {
  FlowSetup s;
  s.forward.delay = absl::Milliseconds(100);
  s.forward.rate_bps = 1'000'000'000;
  s.forward.limit_packets = 40'000;
  s.back = s.forward;
  s.seed = 31;
  s.config.send_buffer_bytes = 64 << 20;
  s.config.recv_buffer_bytes = 64 << 20;
  s.config.out_of_order_limit_bytes = 64 << 20;
  s.config.window_scale = window_scale;
  s.total = uint64_t{1} << 40;  // cut off by time
  Transfer x(s);
  uint64_t at_from = 0, at_to = 0;
  x.sim.ScheduleFn(from, [&] { at_from = x.sink.received; });
  x.sim.ScheduleFn(to, [&] { at_to = x.sink.received; });
  x.Start();
  x.sim.RunUntil(to);
  FatPipeResult r;
  r.info = x.SenderInfo();
  EXPECT_FALSE(x.source.failed);
  EXPECT_EQ(x.sink.mismatches, 0u);
  EXPECT_EQ(r.info.window_scale_enabled, window_scale);
  EXPECT_EQ(x.link->a_to_b().counters().dropped_total(), 0u);
  EXPECT_EQ(r.info.retransmissions, 0u);
  r.steady_mbps = Mbps(static_cast<double>(at_to - at_from), absl::ToDoubleSeconds(to - from));
  char extra[200];
  std::snprintf(extra, sizeof extra,
                "window scaling %s (shift %u), measured %.1f-%.1f s, %llu bytes received, "
                "snd_wnd %u",
                window_scale ? "on" : "off", r.info.snd_wscale, Seconds(from), Seconds(to),
                static_cast<unsigned long long>(x.sink.received), r.info.snd_wnd);
  Summarize(window_scale ? "fat pipe" : "fat pipe, no window scaling", r.steady_mbps, r.info,
            extra);
  return r;
}

TEST(CongestionBehaviourTest, WindowScalingFillsLongFatPipe) {
  const FatPipeResult on =
      RunFatPipe(true, At(absl::Milliseconds(4500)), At(absl::Milliseconds(5500)));
  EXPECT_GE(on.steady_mbps, 900.0);
  EXPECT_LE(on.steady_mbps, 1000.0 * 1448 / 1500 + 0.1);

  const FatPipeResult off = RunFatPipe(false, At(absl::Seconds(2)), At(absl::Seconds(6)));
  const double cap = Mbps(65535, 0.2);
  EXPECT_GE(off.steady_mbps, 0.9 * cap);
  EXPECT_LE(off.steady_mbps, cap);
  EXPECT_LE(off.info.snd_wnd, 65535u);
}

}  // namespace
}  // namespace tcplab::netsim
