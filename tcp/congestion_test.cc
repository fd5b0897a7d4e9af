// Congestion control: NewReno (RFC 5681, RFC 3465 byte counting) and CUBIC
// (RFC 9438), driven by hand-made ACK sequences in virtual time.

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "netsim/random.h"
#include "tcp/base/instant.h"
#include "tcp/config.h"
#include "tcp/congestion.h"
#include "tcp/cubic.h"
#include "tcp/newreno.h"

namespace tcplab::tcp {
namespace {

constexpr uint32_t kSmss = 1000;
constexpr Instant kT0 = Instant::FromNanos(1'000'000'000);
const absl::Duration kNoRtt = absl::ZeroDuration();

// One round trip of ACKs, one per segment of the window at its start,
// spread evenly over `rtt` (the connection always has a full window out).
// Returns the time the round ends.
Instant AckOneWindow(CongestionControl& cc, Instant start, absl::Duration rtt,
                     absl::Duration rtt_arg) {
  const uint32_t segments = cc.cwnd() / cc.smss();
  for (uint32_t i = 1; i <= segments; ++i) {
    cc.OnAck(start + rtt * i / segments, cc.smss(), rtt_arg, /*cwnd_limited=*/true);
  }
  return start + rtt;
}

// --- base class and factory ---

TEST(CongestionControlTest, FactoryMakesEachAlgorithm) {
  EXPECT_EQ(MakeCongestionControl(CongestionAlgorithm::kNone, kSmss, 10), nullptr);
  auto reno = MakeCongestionControl(CongestionAlgorithm::kNewReno, kSmss, 10);
  ASSERT_NE(reno, nullptr);
  EXPECT_EQ(reno->algorithm(), CongestionAlgorithm::kNewReno);
  auto cubic = MakeCongestionControl(CongestionAlgorithm::kCubic, kSmss, 10);
  ASSERT_NE(cubic, nullptr);
  EXPECT_EQ(cubic->algorithm(), CongestionAlgorithm::kCubic);
}

TEST(CongestionControlTest, InitialWindowIsTenSegments) {
  NewReno cc(1460, 10);
  EXPECT_EQ(cc.initial_window(), 14600u);
  EXPECT_EQ(cc.cwnd(), 14600u);
  EXPECT_EQ(cc.ssthresh(), std::numeric_limits<uint32_t>::max());
  EXPECT_TRUE(cc.in_slow_start());
  EXPECT_EQ(cc.smss(), 1460u);
}

TEST(CongestionControlTest, InitialWindowIsAtLeastOneSegment) {
  NewReno cc(1460, 0);
  EXPECT_EQ(cc.initial_window(), 1460u);
  EXPECT_EQ(cc.cwnd(), 1460u);
}

TEST(CongestionControlTest, SetCwndFloorsAtOneSegment) {
  NewReno cc(kSmss, 10);
  cc.set_cwnd(0);
  EXPECT_EQ(cc.cwnd(), kSmss);
  cc.set_cwnd(kSmss - 1);
  EXPECT_EQ(cc.cwnd(), kSmss);
  cc.set_cwnd(5 * kSmss + 7);
  EXPECT_EQ(cc.cwnd(), 5 * kSmss + 7);
}

TEST(CongestionControlTest, RecoveryEndSetsCwndToSsthresh) {
  NewReno cc(kSmss, 10);
  cc.OnCongestionEvent(kT0, 40 * kSmss);
  cc.set_cwnd(33 * kSmss);  // inflated during recovery
  cc.OnRecoveryEnd(kT0);
  EXPECT_EQ(cc.cwnd(), 20 * kSmss);
}

TEST(CongestionControlTest, IdleRestartCapsCwndAtInitialWindow) {
  NewReno cc(kSmss, 10);
  Instant now = kT0;
  for (int i = 0; i < 2; ++i) now = AckOneWindow(cc, now, absl::Milliseconds(100), kNoRtt);
  ASSERT_EQ(cc.cwnd(), 40 * kSmss);
  cc.OnIdleRestart(now);
  EXPECT_EQ(cc.cwnd(), 10 * kSmss);
  // Below the initial window it stays where it is.
  cc.OnRetransmitTimeout(now, 10 * kSmss);
  cc.OnIdleRestart(now);
  EXPECT_EQ(cc.cwnd(), kSmss);
}

// --- NewReno ---

TEST(NewRenoTest, SlowStartDoublesPerRoundTrip) {
  NewReno cc(kSmss, 10);
  Instant now = kT0;
  for (uint32_t expected = 20; expected <= 320; expected *= 2) {
    now = AckOneWindow(cc, now, absl::Milliseconds(100), kNoRtt);
    EXPECT_EQ(cc.cwnd(), expected * kSmss);
  }
}

TEST(NewRenoTest, SlowStartGrowsAtMostOneSegmentPerAck) {
  NewReno cc(kSmss, 10);
  cc.OnAck(kT0, 2 * kSmss, kNoRtt, true);  // delayed ACK
  EXPECT_EQ(cc.cwnd(), 11 * kSmss);
  cc.OnAck(kT0, 100, kNoRtt, true);  // small segment
  EXPECT_EQ(cc.cwnd(), 11 * kSmss + 100);
}

TEST(NewRenoTest, AvoidanceGrowsOneSegmentPerWindowAcked) {
  NewReno cc(kSmss, 10);
  cc.OnCongestionEvent(kT0, 20 * kSmss);
  ASSERT_EQ(cc.cwnd(), 10 * kSmss);
  ASSERT_FALSE(cc.in_slow_start());
  // One byte short of a window: nothing.
  for (int i = 0; i < 9; ++i) cc.OnAck(kT0, kSmss, kNoRtt, true);
  cc.OnAck(kT0, kSmss - 1, kNoRtt, true);
  EXPECT_EQ(cc.cwnd(), 10 * kSmss);
  cc.OnAck(kT0, 1, kNoRtt, true);
  EXPECT_EQ(cc.cwnd(), 11 * kSmss);
  EXPECT_EQ(cc.bytes_acked_in_avoidance(), 0u);
  // Then exactly one per (new) window, whatever the ACK sizes.
  for (uint32_t w = 11; w < 30; ++w) {
    uint32_t acked = 0;
    while (acked + 3 * kSmss < w * kSmss) {
      cc.OnAck(kT0, 3 * kSmss, kNoRtt, true);
      acked += 3 * kSmss;
      ASSERT_EQ(cc.cwnd(), w * kSmss);
    }
    cc.OnAck(kT0, w * kSmss - acked, kNoRtt, true);
    ASSERT_EQ(cc.cwnd(), (w + 1) * kSmss);
  }
}

TEST(NewRenoTest, NoGrowthWhenNotCwndLimited) {
  NewReno cc(kSmss, 10);
  for (int i = 0; i < 50; ++i) cc.OnAck(kT0, kSmss, kNoRtt, false);
  EXPECT_EQ(cc.cwnd(), 10 * kSmss);
  cc.OnCongestionEvent(kT0, 20 * kSmss);
  for (int i = 0; i < 50; ++i) cc.OnAck(kT0, kSmss, kNoRtt, false);
  EXPECT_EQ(cc.cwnd(), 10 * kSmss);
  EXPECT_EQ(cc.bytes_acked_in_avoidance(), 0u);
}

TEST(NewRenoTest, CongestionEventHalvesFlightSize) {
  NewReno cc(1460, 10);
  cc.OnCongestionEvent(kT0, 30000);  // not cwnd: flight
  EXPECT_EQ(cc.ssthresh(), 15000u);
  EXPECT_EQ(cc.cwnd(), 15000u);
}

TEST(NewRenoTest, CongestionEventFloorsAtTwoSegments) {
  NewReno cc(1460, 10);
  cc.OnCongestionEvent(kT0, 2000);
  EXPECT_EQ(cc.ssthresh(), 2920u);
  EXPECT_EQ(cc.cwnd(), 2920u);
}

TEST(NewRenoTest, RetransmitTimeoutLeavesOneSegment) {
  NewReno cc(1460, 10);
  cc.OnRetransmitTimeout(kT0, 14600);
  EXPECT_EQ(cc.ssthresh(), 7300u);
  EXPECT_EQ(cc.cwnd(), 1460u);
  EXPECT_TRUE(cc.in_slow_start());
}

// --- CUBIC arithmetic ---

TEST(CubicMathTest, CubeRootOfExactCubes) {
  for (int i = -2000; i <= 2000; ++i) {
    const double x = static_cast<double>(i) * i * i;
    const double want = i;
    const double got = DeterministicCbrt(x);
    if (i == 0) {
      EXPECT_EQ(got, 0.0);
    } else {
      EXPECT_LT(std::abs(got - want) / std::abs(want), 1e-12) << i;
    }
  }
  // Powers of two are exact: the mantissa's root is 1.
  EXPECT_EQ(DeterministicCbrt(8.0), 2.0);
  EXPECT_EQ(DeterministicCbrt(0.125), 0.5);
  EXPECT_EQ(DeterministicCbrt(-0x1p300), -0x1p100);
  EXPECT_EQ(DeterministicCbrt(0x1p-1074), 0x1p-358);  // smallest subnormal
}

TEST(CubicMathTest, CubeRootSpecialValues) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(DeterministicCbrt(inf), inf);
  EXPECT_EQ(DeterministicCbrt(-inf), -inf);
  EXPECT_TRUE(std::isnan(DeterministicCbrt(std::nan(""))));
  EXPECT_TRUE(std::signbit(DeterministicCbrt(-0.0)));
}

TEST(CubicMathTest, CubeRootOfRandomValues) {
  // The project's own generator (netsim/random.h), not <random>'s
  // distributions, whose output differs between library versions.
  ::tcplab::netsim::Rng rng(6);
  for (int i = 0; i < 100000; ++i) {
    const double mantissa = 1.0 + rng.Uniform01();
    const int exponent = -1070 + static_cast<int>(rng.Below(1020 + 1070 + 1));
    double x = std::ldexp(mantissa, exponent);
    if (i % 2) x = -x;
    const double got = DeterministicCbrt(x);
    const double want = std::cbrt(x);  // libm is fine as a reference
    ASSERT_LT(std::abs(got - want) / std::abs(want), 1e-12) << x;
  }
  // And where CUBIC uses it: (W_max - cwnd_epoch) / C for windows of 1 to
  // 100000 segments.
  for (int i = 0; i < 100000; ++i) {
    const double x = 250000.0 * rng.Uniform01();
    ASSERT_LT(std::abs(DeterministicCbrt(x) - std::cbrt(x)) / std::cbrt(x), 1e-12) << x;
  }
}

TEST(CubicMathTest, KAndTheCurve) {
  // RFC 9438 eq. 2 with cwnd_epoch = beta * W_max is eq. 2 of RFC 8312:
  // K = cbrt(W_max * (1 - beta) / C) = cbrt(75) for W_max = 100.
  const double k = CubicK(100, 70);
  EXPECT_NEAR(k, 4.2171633265087465, 1e-12);
  EXPECT_NEAR(CubicK(10, 7), 1.9574338205844317, 1e-12);
  EXPECT_NEAR(CubicK(100, 100), 0.0, 0.0);
  EXPECT_LT(CubicK(100, 110), 0.0);  // epoch above W_max: convex from t = 0
  // Eq. 1: the curve leaves cwnd_epoch at t = 0 and plateaus at W_max at K.
  EXPECT_NEAR(CubicWindow(0, k, 100), 70.0, 1e-9);
  EXPECT_DOUBLE_EQ(CubicWindow(k, k, 100), 100.0);
  EXPECT_NEAR(CubicWindow(k + 2, k, 100), 100 + 0.4 * 8, 1e-12);
  EXPECT_NEAR(CubicWindow(k - 1, k, 100), 100 - 0.4, 1e-12);
}

// --- CUBIC controller ---

TEST(CubicTest, MultiplicativeDecreaseUsesFlightSize) {
  Cubic cc(kSmss, 100);
  cc.OnCongestionEvent(kT0, 50 * kSmss);  // flight, not the 100-segment cwnd
  EXPECT_EQ(cc.ssthresh(), 35 * kSmss);
  EXPECT_EQ(cc.cwnd(), 35 * kSmss);
  EXPECT_EQ(cc.w_max(), 100 * kSmss);  // W_max is the window, §4.6
  EXPECT_DOUBLE_EQ(cc.cwnd_prior_segments(), 100.0);
}

TEST(CubicTest, MultiplicativeDecreaseFloorsAtTwoSegments) {
  Cubic cc(kSmss, 10);
  cc.OnCongestionEvent(kT0, 2 * kSmss);  // 0.7 * 2 = 1.4 segments
  EXPECT_EQ(cc.ssthresh(), 2 * kSmss);
  EXPECT_EQ(cc.cwnd(), 2 * kSmss);
}

TEST(CubicTest, SlowStartIsStandard) {
  Cubic cc(kSmss, 10);
  Instant now = kT0;
  for (uint32_t expected = 20; expected <= 160; expected *= 2) {
    now = AckOneWindow(cc, now, absl::Milliseconds(100), absl::Milliseconds(100));
    EXPECT_EQ(cc.cwnd(), expected * kSmss);
  }
  cc.OnAck(now, 3 * kSmss, kNoRtt, true);
  EXPECT_EQ(cc.cwnd(), 161 * kSmss);
  EXPECT_FALSE(cc.epoch_started());
}

TEST(CubicTest, FastConvergenceLowersWMax) {
  Cubic cc(kSmss, 100);
  cc.OnCongestionEvent(kT0, 100 * kSmss);
  ASSERT_EQ(cc.w_max(), 100 * kSmss);
  ASSERT_EQ(cc.cwnd(), 70 * kSmss);
  // A second loss below the previous W_max: W_max = cwnd * (1 + beta) / 2.
  cc.set_cwnd(80 * kSmss);
  cc.OnCongestionEvent(kT0, 80 * kSmss);
  EXPECT_NEAR(cc.w_max_segments(), 80 * 1.7 / 2, 1e-9);
  EXPECT_NEAR(cc.w_max(), 68 * kSmss, 1);
  EXPECT_EQ(cc.ssthresh(), 56 * kSmss);
  EXPECT_DOUBLE_EQ(cc.cwnd_prior_segments(), 80.0);
  // A loss at or above W_max remembers the window itself.
  cc.set_cwnd(90 * kSmss);
  cc.OnCongestionEvent(kT0, 90 * kSmss);
  EXPECT_EQ(cc.w_max(), 90 * kSmss);
}

TEST(CubicTest, EpochStartsAtFirstAvoidanceAck) {
  Cubic cc(kSmss, 100);
  cc.OnCongestionEvent(kT0, 100 * kSmss);
  EXPECT_FALSE(cc.epoch_started());
  EXPECT_EQ(cc.k(), 0.0);
  const Instant first = kT0 + absl::Milliseconds(250);
  cc.OnAck(first, kSmss, absl::Milliseconds(100), true);
  EXPECT_TRUE(cc.epoch_started());
  EXPECT_EQ(cc.epoch_start(), first);
  EXPECT_NEAR(cc.k(), 4.2171633265087465, 1e-12);
}

// Eq. 2 with the window the epoch really starts from (RFC 9438, unlike RFC
// 8312's W_max * (1 - beta)): here flight was half of cwnd, so the epoch
// starts at 35 segments under a W_max of 100.
TEST(CubicTest, KUsesTheEpochsStartingWindow) {
  Cubic cc(kSmss, 100);
  cc.OnCongestionEvent(kT0, 50 * kSmss);
  cc.OnAck(kT0, kSmss, absl::Milliseconds(100), true);
  EXPECT_NEAR(cc.k(), 5.456964415305529, 1e-12);  // cbrt(65 / 0.4)
}

// §4.2: the target is at most 1.5 * cwnd, so after a long stall (t far
// past K) a segment acknowledged adds half a segment, not the curve.
TEST(CubicTest, TargetIsClampedToOneAndAHalfWindows) {
  Cubic cc(kSmss, 100);
  cc.OnCongestionEvent(kT0, 100 * kSmss);
  cc.OnAck(kT0, kSmss, kNoRtt, true);  // epoch starts
  const uint32_t before = cc.cwnd();
  cc.OnAck(kT0 + absl::Seconds(20), 2 * kSmss, kNoRtt, true);
  EXPECT_NEAR(cc.cwnd(), before + kSmss, 1);
}

// Fixed 100 ms RTT, a full window of ACKs per round trip after a loss at
// W_max = 100 segments: cwnd follows RFC 9438 eq. 1. cwnd aims at
// W_cubic(t + RTT) and closes (target - cwnd)/cwnd per segment, so it
// trails the target by about one RTT and sits on W_cubic(t) up to the
// curvature: here within 0.07 segments; the tolerance is half a segment.
//
// Between t = 6 s and 8.2 s the Reno-friendly region takes over (§4.3): W_est
// reaches cwnd_prior = 100 at t = 30 / alpha RTTs = 5.7 s, then grows a
// segment per RTT, faster than the flat curve around W_max, until the
// convex part overtakes it again.
TEST(CubicTest, WindowFollowsTheCubicCurve) {
  const absl::Duration rtt = absl::Milliseconds(100);
  Cubic cc(kSmss, 100);
  cc.OnCongestionEvent(kT0, 100 * kSmss);
  Instant now = kT0;
  // The first ACK starts the epoch.
  now = AckOneWindow(cc, now, rtt, rtt);
  const Instant epoch = cc.epoch_start();
  ASSERT_EQ(epoch, kT0 + rtt / 70);
  const double k = cc.k();
  ASSERT_NEAR(k, 4.2171633265087465, 1e-12);
  int checked = 0;
  bool checked_k = false;
  bool reno_friendly_seen = false;
  for (int round = 0; round < 110; ++round) {
    now = AckOneWindow(cc, now, rtt, rtt);
    const double t = absl::ToDoubleSeconds(now - epoch);
    const double curve = CubicWindow(t, k, 100);
    const double got = static_cast<double>(cc.cwnd()) / kSmss;
    ASSERT_GE(cc.cwnd(), static_cast<uint32_t>(cc.w_est_segments() * kSmss)) << t;
    if (t < 5.6 || t > 8.5) {
      ASSERT_NEAR(got, curve, 0.5) << "t = " << t;
      ASSERT_LT(cc.w_est_segments(), curve) << "t = " << t;
      ++checked;
    }
    if (!checked_k && t >= k) {
      checked_k = true;
      EXPECT_NEAR(got, 100.0, 0.5) << "t = " << t;
    }
    if (t > 6.5 && t < 7.5) {
      // Reno-friendly: cwnd is W_est, above the curve.
      EXPECT_NEAR(got, cc.w_est_segments(), 0.01) << "t = " << t;
      reno_friendly_seen = got > curve + 1;
    }
  }
  EXPECT_TRUE(checked_k);
  EXPECT_TRUE(reno_friendly_seen);
  EXPECT_GT(checked, 60);
  // 11 s in, convex: W_cubic(11.1) = 100 + 0.4 * 6.88^3 = 230.
  EXPECT_GT(cc.cwnd(), 220 * kSmss);
}

// Small W_max and a 10 ms RTT: Reno would out-grow the curve (K = 1.96 s,
// the curve gains 3 segments in 196 round trips), so cwnd is W_est (§4.3):
// alpha_cubic = 0.53 segments per RTT until W_est reaches cwnd_prior (10),
// then 1 per RTT.
TEST(CubicTest, RenoFriendlyRegionDominatesAtSmallWindows) {
  const absl::Duration rtt = absl::Milliseconds(10);
  Cubic cc(kSmss, 10);
  cc.OnCongestionEvent(kT0, 10 * kSmss);
  ASSERT_EQ(cc.cwnd(), 7 * kSmss);
  Instant now = kT0;
  now = AckOneWindow(cc, now, rtt, rtt);  // starts the epoch
  const Instant epoch = cc.epoch_start();
  const double k = cc.k();
  ASSERT_NEAR(k, 1.9574338205844317, 1e-12);
  std::vector<double> cwnd_after_round;
  for (int round = 0; round < 50; ++round) {
    const uint32_t before = cc.cwnd();
    now = AckOneWindow(cc, now, rtt, rtt);
    const double t = absl::ToDoubleSeconds(now - epoch);
    ASSERT_GE(cc.cwnd(), static_cast<uint32_t>(cc.w_est_segments() * kSmss));
    ASSERT_GT(cc.cwnd(), before);
    ASSERT_GT(cc.w_est_segments(), CubicWindow(t, k, 10));
    cwnd_after_round.push_back(static_cast<double>(cc.cwnd()) / kSmss);
  }
  // Rounds 1-3: W_est < 10, alpha = 0.53.
  // (A round is floor(cwnd) ACKs, so a bit under alpha.)
  EXPECT_NEAR(cwnd_after_round[1] - cwnd_after_round[0], Cubic::kAlpha, 0.08);
  // Well past 10: Reno's one segment per round trip.
  EXPECT_NEAR(cwnd_after_round[40] - cwnd_after_round[39], 1.0, 0.05);
  // 51 rounds after the epoch's first: about 7 at alpha to reach 10, then
  // 44 at floor(cwnd) ACKs / cwnd = 0.98 segments each: 53.
  EXPECT_NEAR(cwnd_after_round.back(), 53.2, 1.0);
  EXPECT_GT(cc.cwnd(), 4 * static_cast<uint32_t>(CubicWindow(
                           absl::ToDoubleSeconds(now - epoch) + 0.01, k, 10) * kSmss));
}

TEST(CubicTest, NoGrowthAndNoClockWhenApplicationLimited) {
  const absl::Duration rtt = absl::Milliseconds(100);
  Cubic cc(kSmss, 100);
  cc.OnCongestionEvent(kT0, 100 * kSmss);
  Instant now = kT0 + rtt;
  cc.OnAck(now, kSmss, rtt, true);  // epoch starts
  const uint32_t cwnd = cc.cwnd();
  // Ten seconds of ACKs the application did not fill the window for.
  for (int i = 0; i < 100; ++i) {
    now += rtt;
    cc.OnAck(now, kSmss, rtt, false);
  }
  EXPECT_EQ(cc.cwnd(), cwnd);
  EXPECT_EQ(cc.epoch_start(), now);
  // Resuming: growth as at t = 0 (about 0.03 segments per ACK), not the
  // 1.5 * cwnd clamp (0.5 per ACK) that t = 10 s would give.
  now += rtt / 70;
  cc.OnAck(now, kSmss, rtt, true);
  EXPECT_GT(cc.cwnd(), cwnd);
  EXPECT_LT(cc.cwnd(), cwnd + 100);
}

// §4.8: after a timeout, the first avoidance stage runs with K = 0 and
// W_max = the window it starts from, W_est from there too.
TEST(CubicTest, RetransmitTimeout) {
  Cubic cc(kSmss, 100);
  cc.OnRetransmitTimeout(kT0, 100 * kSmss);
  EXPECT_EQ(cc.cwnd(), kSmss);
  EXPECT_EQ(cc.ssthresh(), 70 * kSmss);
  EXPECT_EQ(cc.w_max(), 100 * kSmss);
  EXPECT_FALSE(cc.epoch_started());
  Instant now = kT0;
  while (cc.in_slow_start()) {
    now += absl::Milliseconds(10);
    cc.OnAck(now, kSmss, absl::Milliseconds(100), true);
  }
  const uint32_t start = cc.cwnd();
  ASSERT_EQ(start, 70 * kSmss);
  cc.OnAck(now, kSmss, absl::Milliseconds(100), true);
  EXPECT_TRUE(cc.epoch_started());
  EXPECT_EQ(cc.k(), 0.0);
  EXPECT_NEAR(cc.w_max_segments(), static_cast<double>(start) / kSmss, 1e-9);
  EXPECT_NEAR(cc.w_est_segments(), static_cast<double>(start) / kSmss, 0.05);
  // A later loss uses the usual rules again.
  const uint32_t flight = cc.cwnd();
  cc.OnCongestionEvent(now, flight);
  EXPECT_EQ(cc.ssthresh(), flight * 7 / 10);
  EXPECT_NEAR(cc.w_max(), flight, 1);
}

TEST(CubicTest, IdleRestartEndsTheEpoch) {
  Cubic cc(kSmss, 10);
  cc.OnCongestionEvent(kT0, 100 * kSmss);  // ssthresh 70 segments
  cc.OnAck(kT0, kSmss, kNoRtt, true);
  ASSERT_TRUE(cc.epoch_started());
  cc.OnIdleRestart(kT0 + absl::Seconds(30));
  EXPECT_FALSE(cc.epoch_started());
  EXPECT_EQ(cc.cwnd(), 10 * kSmss);
}

// A fixed mix of ACK sizes, spacings, application-limited ACKs, losses and
// a timeout gives this exact sequence of windows on every machine and
// compiler (checked with g++ and clang++, -O0 and -O2, and with FMA
// contraction forced on). A change here is a change of every simulated
// CUBIC run's packets: update the constants only for a deliberate change of
// the algorithm.
TEST(CubicTest, GoldenTrace) {
  Cubic cc(1448, 10);
  uint64_t hash = 14695981039346656037ull;  // FNV-1a over the cwnd trace
  Instant now = kT0;
  for (int i = 0; i < 3000; ++i) {
    now += absl::Microseconds(700 + (i * 7919) % 900);
    if (i % 400 == 399) {
      cc.OnCongestionEvent(now, cc.cwnd());
    } else if (i == 2100) {
      cc.OnRetransmitTimeout(now, cc.cwnd());
    } else {
      cc.OnAck(now, 1448 * (1 + i % 2), absl::Milliseconds(37), i % 50 != 0);
    }
    hash = (hash ^ cc.cwnd()) * 1099511628211ull;
  }
  EXPECT_EQ(cc.cwnd(), 56922u);
  EXPECT_EQ(cc.ssthresh(), 50822u);
  EXPECT_EQ(cc.k(), 2.6592357629959231);
  EXPECT_EQ(hash, 0x30f6862a177fe558u);
}

}  // namespace
}  // namespace tcplab::tcp
