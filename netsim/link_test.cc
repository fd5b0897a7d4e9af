// Each impairment of a link direction, with fixed seeds and statistical
// bounds of 5 standard errors (a false failure is then a ~1e-6 event, and a
// fixed seed makes the outcome reproducible anyway).

#include "netsim/link.h"

#include <cmath>
#include <map>
#include <memory>
#include <vector>

#include "gtest/gtest.h"
#include "netsim/network.h"
#include "netsim/sim_host.h"
#include "netsim/simulator.h"
#include "netsim/test_util.h"

namespace tcplab::netsim {
namespace {

using testing::RecordingClient;
using testing::SeqOf;
using testing::TcpPacket;

const wire::Ipv4Address kA(10, 0, 0, 1);
const wire::Ipv4Address kB(10, 0, 0, 2);

Instant Ms(int64_t ms) { return Instant::FromNanos(ms * 1000000); }

// Host a and host b on one link; a sends, b records.
class TwoHosts : public EventHandler {
 public:
  explicit TwoHosts(const LinkParams& a_to_b, uint64_t seed = 1) : net_(&sim_, seed) {
    a_ = net_.AddHost("a", kA).value();
    b_ = net_.AddHost("b", kB).value();
    link_ = net_.Connect(a_, b_, a_to_b, LinkParams(), "ab").value();
    a_->SetClient(&client_a_);
    b_->SetClient(&client_b_);
  }

  // Sends n packets (seq 0..n-1) from a, one every `interval` from `start`.
  void SendPaced(int n, absl::Duration interval, size_t payload = 0,
                 Instant start = Instant::Zero()) {
    to_send_ = n;
    interval_ = interval;
    payload_ = payload;
    sim_.Schedule(start, this, 0);
  }
  void OnEvent(Instant now, uint64_t tag) override {
    const uint32_t seq = static_cast<uint32_t>(tag);
    send_times_[seq] = now;
    a_->Send(TcpPacket(kA, kB, seq, payload_));
    if (tag + 1 < static_cast<uint64_t>(to_send_)) sim_.Schedule(now + interval_, this, tag + 1);
  }

  // Arrival delays in ns, by sequence number (first arrival).
  std::map<uint32_t, int64_t> Delays() const {
    std::map<uint32_t, int64_t> out;
    for (const auto& arrival : client_b_.arrivals) {
      const uint32_t seq = SeqOf(arrival.bytes);
      out.emplace(seq, (arrival.at - send_times_.at(seq)) / absl::Nanoseconds(1));
    }
    return out;
  }
  std::vector<uint32_t> ArrivalOrder() const {
    std::vector<uint32_t> out;
    for (const auto& arrival : client_b_.arrivals) out.push_back(SeqOf(arrival.bytes));
    return out;
  }

  Simulator sim_;
  Network net_;
  SimHost* a_;
  SimHost* b_;
  Link* link_;
  RecordingClient client_a_, client_b_;
  LinkDirection& ab() { return link_->a_to_b(); }

 private:
  int to_send_ = 0;
  absl::Duration interval_;
  size_t payload_ = 0;
  std::map<uint32_t, Instant> send_times_;
};

double FiveSigmaBinomial(double n, double p) { return 5 * std::sqrt(n * p * (1 - p)); }

TEST(LinkTest, PlainDelayIsExact) {
  LinkParams p;
  p.delay = absl::Milliseconds(7);
  TwoHosts t(p);
  t.SendPaced(3, absl::Microseconds(10));
  t.sim_.RunUntilIdle();
  ASSERT_EQ(t.client_b_.arrivals.size(), 3u);
  EXPECT_EQ(t.client_b_.arrivals[0].at, Instant::FromNanos(7000000));
  EXPECT_EQ(t.client_b_.arrivals[2].at, Instant::FromNanos(7020000));
  EXPECT_EQ(t.ab().counters().delivered, 3u);
  EXPECT_EQ(t.b_->counters().received, 3u);
}

TEST(LinkTest, SerializationTimeIsExactToTheNanosecond) {
  LinkParams p;
  p.rate_bps = 1000000;  // 1 Mbit/s: 1000 B take 8 ms
  p.delay = absl::Microseconds(500);
  TwoHosts t(p);
  t.SendPaced(3, absl::ZeroDuration(), 960);  // 40 + 960 = 1000 bytes
  t.sim_.RunUntilIdle();
  ASSERT_EQ(t.client_b_.arrivals.size(), 3u);
  EXPECT_EQ(t.client_b_.arrivals[0].at, Instant::FromNanos(8500000));
  EXPECT_EQ(t.client_b_.arrivals[1].at, Instant::FromNanos(16500000));
  EXPECT_EQ(t.client_b_.arrivals[2].at, Instant::FromNanos(24500000));
  EXPECT_EQ(t.ab().counters().queued, 2u);
}

TEST(LinkTest, SerializationRoundsUpToWholeNanoseconds) {
  LinkParams p;
  p.rate_bps = 7000000;  // 60 B = 480 bit: 68571.43 ns -> 68572 ns
  TwoHosts t(p);
  t.SendPaced(2, absl::ZeroDuration(), 20);
  t.sim_.RunUntilIdle();
  ASSERT_EQ(t.client_b_.arrivals.size(), 2u);
  EXPECT_EQ(t.client_b_.arrivals[0].at, Instant::FromNanos(68572));
  EXPECT_EQ(t.client_b_.arrivals[1].at, Instant::FromNanos(2 * 68572));
}

TEST(LinkTest, DropTailQueueOverflowIsExact) {
  LinkParams p;
  p.rate_bps = 1000000;
  p.limit_packets = 5;
  TwoHosts t(p);
  // 20 packets at once: one serializes, 5 wait, 14 overflow.
  t.SendPaced(20, absl::ZeroDuration(), 960);
  t.sim_.RunUntilIdle();
  EXPECT_EQ(t.client_b_.arrivals.size(), 6u);
  EXPECT_EQ(t.ab().counters().queued, 5u);
  EXPECT_EQ(t.ab().counters().dropped_for(DropReason::kQueueFull), 14u);
  EXPECT_EQ(t.ab().counters().ToString(),
            "entered 20 (20000B) queued 5 delivered 6 (6000B) dropped 14 [queue_full 14]");
  EXPECT_EQ(t.b_->counters().ToString(), "sent 0 (0B) received 6 (6000B) dropped 0");
  EXPECT_EQ(t.ArrivalOrder(), (std::vector<uint32_t>{0, 1, 2, 3, 4, 5}));
}

TEST(LinkTest, QueueDrainsUnderAKnownOfferedLoad) {
  // 1000-byte packets every 4 ms into 1 Mbit/s (8 ms each): offered load 2x.
  // Packet k arrives at 4k ms; the transmitter frees a slot every 8 ms.
  // With limit 3 the queue fills, then every other packet is dropped.
  LinkParams p;
  p.rate_bps = 1000000;
  p.limit_packets = 3;
  TwoHosts t(p);
  t.SendPaced(100, absl::Milliseconds(4), 960);
  t.sim_.RunUntilIdle();
  const LinkCounters& c = t.ab().counters();
  // Accepted packets are exactly those the link can carry until the last
  // arrival (396 ms) plus the queue: serialized by then 396/8 = 49.5 ->
  // 50 started, plus 3 waiting = 53; the other 47 overflow.
  EXPECT_EQ(c.delivered, 53u);
  EXPECT_EQ(c.dropped_for(DropReason::kQueueFull), 47u);
}

TEST(LinkTest, ByteLimitedQueue) {
  LinkParams p;
  p.rate_bps = 1000000;
  p.limit_bytes = 2500;  // room for two 1000-byte packets waiting
  TwoHosts t(p);
  t.SendPaced(10, absl::ZeroDuration(), 960);
  t.sim_.RunUntilIdle();
  EXPECT_EQ(t.ab().counters().delivered, 3u);
  EXPECT_EQ(t.ab().counters().dropped_for(DropReason::kQueueFull), 7u);
}

TEST(LinkTest, MtuDropsOversizedPacketsOnly) {
  LinkParams p;
  p.mtu = 1000;
  TwoHosts t(p);
  t.a_->Send(TcpPacket(kA, kB, 1, 960));  // exactly 1000
  t.a_->Send(TcpPacket(kA, kB, 2, 961));  // 1001
  t.sim_.RunUntilIdle();
  EXPECT_EQ(t.ArrivalOrder(), (std::vector<uint32_t>{1}));
  EXPECT_EQ(t.ab().counters().dropped_for(DropReason::kMtu), 1u);
}

TEST(LinkTest, RandomLossRateWithinBinomialBound) {
  const int n = 100000;
  const double loss = 0.1;
  LinkParams p;
  p.loss = loss;
  TwoHosts t(p, 1234);
  t.SendPaced(n, absl::Microseconds(1));
  t.sim_.RunUntilIdle();
  const double lost = static_cast<double>(t.ab().counters().dropped_for(DropReason::kLoss));
  EXPECT_NEAR(lost, n * loss, FiveSigmaBinomial(n, loss));
  EXPECT_EQ(t.client_b_.arrivals.size() + lost, static_cast<double>(n));
}

// Lengths of the runs of consecutive lost packets, given which arrived.
std::vector<int> LossBursts(const std::map<uint32_t, int64_t>& arrived, int n) {
  std::vector<int> bursts;
  int run = 0;
  for (int i = 0; i < n; ++i) {
    if (arrived.count(i) == 0) {
      ++run;
    } else if (run > 0) {
      bursts.push_back(run);
      run = 0;
    }
  }
  if (run > 0) bursts.push_back(run);
  return bursts;
}

TEST(LinkTest, GilbertElliottBurstLengthsAverageOneOverR) {
  const int n = 100000;
  LinkParams p;
  p.gemodel = GilbertElliott{.p = 0.01, .r = 0.25, .one_minus_h = 1, .one_minus_k = 0};
  TwoHosts t(p, 77);
  t.SendPaced(n, absl::Microseconds(1));
  t.sim_.RunUntilIdle();
  const std::vector<int> bursts = LossBursts(t.Delays(), n);
  // Bursts are geometric with mean 1/r = 4 and variance (1-r)/r^2 = 12; the
  // chain enters Bad about n p / (1 + p/r) = 962 times.
  ASSERT_GT(bursts.size(), 700u);
  double sum = 0;
  for (int b : bursts) sum += b;
  const double mean = sum / bursts.size();
  EXPECT_NEAR(mean, 4.0, 5 * std::sqrt(12.0 / bursts.size()));
  // Stationary loss rate p / (p + r) = 0.0385; bursts make the count vary
  // more than a binomial: bound by the burst-count variance instead.
  const double lost = static_cast<double>(t.ab().counters().dropped_for(DropReason::kLoss));
  EXPECT_NEAR(lost / n, 0.01 / 0.26, 0.008);
}

TEST(LinkTest, GilbertElliottWithPartialLossInBothStates) {
  const int n = 100000;
  LinkParams p;
  // 1-k = 0.01 in Good, 1-h = 0.5 in Bad; P(Bad) = p/(p+r) = 0.2.
  p.gemodel = GilbertElliott{.p = 0.05, .r = 0.2, .one_minus_h = 0.5, .one_minus_k = 0.01};
  TwoHosts t(p, 78);
  t.SendPaced(n, absl::Microseconds(1));
  t.sim_.RunUntilIdle();
  const double rate = static_cast<double>(t.ab().counters().dropped_for(DropReason::kLoss)) / n;
  EXPECT_NEAR(rate, 0.8 * 0.01 + 0.2 * 0.5, 0.01);
}

struct DelayStats {
  double mean_ns;
  double stddev_ns;
  double lag1_correlation;
};
DelayStats Stats(const std::map<uint32_t, int64_t>& delays) {
  double sum = 0, sumsq = 0, lag = 0;
  double prev = 0;
  bool first = true;
  for (const auto& [seq, d] : delays) {
    sum += d;
    sumsq += static_cast<double>(d) * d;
    if (!first) lag += prev * d;
    prev = d;
    first = false;
  }
  const double n = static_cast<double>(delays.size());
  const double mean = sum / n;
  const double var = sumsq / n - mean * mean;
  return {mean, std::sqrt(var), (lag / (n - 1) - mean * mean) / var};
}

TEST(LinkTest, JitterMeanAndSpreadPerDistribution) {
  struct Case {
    Distribution d;
    double stddev_ms;
    double stddev_tolerance_ms;  // pareto: slow convergence (infinite 4th moment)
  };
  const Case cases[] = {
      {Distribution::kUniform, 1 / std::sqrt(3.0), 0.01},
      {Distribution::kNormal, 1.0, 0.02},
      {Distribution::kPareto, 1.0, 0.3},
      {Distribution::kParetoNormal, 1.0, 0.3},
  };
  const int n = 20000;
  for (const Case& c : cases) {
    LinkParams p;
    p.delay = absl::Milliseconds(10);
    p.jitter = absl::Milliseconds(1);
    p.jitter_distribution = c.d;
    TwoHosts t(p, 5);
    t.SendPaced(n, absl::Microseconds(100));
    t.sim_.RunUntilIdle();
    const auto delays = t.Delays();
    ASSERT_EQ(delays.size(), static_cast<size_t>(n));
    const DelayStats s = Stats(delays);
    EXPECT_NEAR(s.mean_ns, 10e6, 5 * c.stddev_ms * 1e6 / std::sqrt(n)) << DistributionName(c.d);
    EXPECT_NEAR(s.stddev_ns, c.stddev_ms * 1e6, c.stddev_tolerance_ms * 1e6)
        << DistributionName(c.d);
    EXPECT_LT(std::abs(s.lag1_correlation), 5 / std::sqrt(n)) << DistributionName(c.d);
    if (c.d == Distribution::kUniform) {
      for (const auto& [seq, d] : delays) {
        ASSERT_GE(d, 9000000);
        ASSERT_LE(d, 11000000);
      }
    }
  }
}

TEST(LinkTest, JitterCorrelation) {
  LinkParams p;
  p.delay = absl::Milliseconds(10);
  p.jitter = absl::Milliseconds(1);
  p.jitter_distribution = Distribution::kNormal;
  p.jitter_correlation = 0.6;
  TwoHosts t(p, 6);
  const int n = 20000;
  t.SendPaced(n, absl::Microseconds(100));
  t.sim_.RunUntilIdle();
  const DelayStats s = Stats(t.Delays());
  // AR(1) keeps the spread; the lag-1 correlation of an AR(1) estimate has
  // standard error about sqrt((1 - c^2) / n) = 0.0057.
  EXPECT_NEAR(s.lag1_correlation, 0.6, 0.03);
  EXPECT_NEAR(s.stddev_ns, 1e6, 0.05e6);
  EXPECT_NEAR(s.mean_ns, 10e6, 0.05e6);
}

TEST(LinkTest, DuplicateFractionAndCopiesArrive) {
  const int n = 100000;
  LinkParams p;
  p.duplicate = 0.05;
  TwoHosts t(p, 9);
  t.SendPaced(n, absl::Microseconds(1));
  t.sim_.RunUntilIdle();
  const double dups = static_cast<double>(t.ab().counters().duplicated);
  EXPECT_NEAR(dups, n * 0.05, FiveSigmaBinomial(n, 0.05));
  EXPECT_EQ(t.client_b_.arrivals.size(), n + t.ab().counters().duplicated);
}

TEST(LinkTest, ReorderFractionWithGapOne) {
  // netem "delay 10ms reorder 25%": a quarter of the packets skip the delay.
  const int n = 40000;
  LinkParams p;
  p.delay = absl::Milliseconds(10);
  p.reorder = 0.25;
  TwoHosts t(p, 10);
  t.SendPaced(n, absl::Microseconds(100));
  t.sim_.RunUntilIdle();
  const double reordered = static_cast<double>(t.ab().counters().reordered);
  EXPECT_NEAR(reordered, n * 0.25, FiveSigmaBinomial(n, 0.25));
  // Reordered packets arrive at once (no delay), so they overtake.
  int immediate = 0;
  for (const auto& [seq, d] : t.Delays()) immediate += d == 0;
  EXPECT_EQ(immediate, static_cast<int>(reordered));
  const std::vector<uint32_t> order = t.ArrivalOrder();
  EXPECT_FALSE(std::is_sorted(order.begin(), order.end()));
}

TEST(LinkTest, ReorderGapIsExactWithCertainReorder) {
  // reorder 100% gap 3: packets 2, 5, 8, ... skip the delay.
  LinkParams p;
  p.delay = absl::Milliseconds(10);
  p.reorder = 1.0;
  p.reorder_gap = 3;
  TwoHosts t(p);
  t.SendPaced(9, absl::Milliseconds(1));
  t.sim_.RunUntilIdle();
  std::vector<uint32_t> immediate;
  for (const auto& [seq, d] : t.Delays()) {
    if (d == 0) immediate.push_back(seq);
  }
  EXPECT_EQ(immediate, (std::vector<uint32_t>{2, 5, 8}));
  EXPECT_EQ(t.ArrivalOrder(), (std::vector<uint32_t>{2, 5, 8, 0, 1, 3, 4, 6, 7}));
}

TEST(LinkTest, ReorderGapFraction) {
  // gap 5, 50%: each cycle is 4 delayed packets then a geometric number of
  // tries (mean 2) ending in the reordered one: fraction 1 / (4 + 2).
  const int n = 60000;
  LinkParams p;
  p.delay = absl::Milliseconds(1);
  p.reorder = 0.5;
  p.reorder_gap = 5;
  TwoHosts t(p, 11);
  t.SendPaced(n, absl::Microseconds(10));
  t.sim_.RunUntilIdle();
  const double fraction = static_cast<double>(t.ab().counters().reordered) / n;
  // Cycles ~ n/6 = 10000, cycle length sd = sqrt(2) -> fraction sd ~
  // (1/6) * sqrt(2) / 6 / sqrt(10000) = 0.0004.
  EXPECT_NEAR(fraction, 1.0 / 6, 0.002);
}

TEST(LinkTest, CorruptionFlipsBitsAndTheReceiverCatchesEveryOne) {
  const int n = 20000;
  LinkParams p;
  p.corrupt = 0.1;
  TwoHosts t(p, 12);
  t.SendPaced(n, absl::Microseconds(1), 100);
  t.sim_.RunUntilIdle();
  const uint64_t corrupted = t.ab().counters().corrupted;
  EXPECT_NEAR(static_cast<double>(corrupted), n * 0.1, FiveSigmaBinomial(n, 0.1));
  // One's-complement checksums catch every single-bit error: a flipped bit
  // in the header's length field shows as malformed, everything else as a
  // bad checksum.
  const NodeCounters& b = t.b_->counters();
  EXPECT_EQ(b.dropped_for(DropReason::kBadChecksum) + b.dropped_for(DropReason::kMalformed),
            corrupted);
  EXPECT_EQ(b.received, n - corrupted);
  EXPECT_EQ(t.client_b_.arrivals.size(), n - corrupted);
}

TEST(LinkTest, OutageStartAndEndToTheNanosecond) {
  LinkParams p;
  p.delay = absl::Milliseconds(1);
  TwoHosts t(p);
  // Scheduled before the sends, so at equal times the link changes first.
  t.link_->SetUpAt(Ms(10), false);
  t.link_->SetUpAt(Ms(20), true);
  std::vector<std::string> drops;
  t.net_.SetTraceHook([&](const PacketEvent& e) {
    if (e.type == PacketEventType::kDropped) drops.push_back(FormatPacketEvent(e));
  });
  t.SendPaced(30, absl::Milliseconds(1));  // at 0, 1, ..., 29 ms
  t.sim_.RunUntilIdle();
  // Packet 9 (sent at 9 ms, due at 10 ms) is lost in flight at 10 ms;
  // 10..19 meet a down link; 20 goes through.
  std::vector<uint32_t> want;
  for (uint32_t i = 0; i < 9; ++i) want.push_back(i);
  for (uint32_t i = 20; i < 30; ++i) want.push_back(i);
  EXPECT_EQ(t.ArrivalOrder(), want);
  ASSERT_EQ(drops.size(), 11u);
  EXPECT_EQ(drops[0], "0.010000000s link ab:a>b dropped(link_down) #10 40B");
  EXPECT_EQ(drops[1], "0.010000000s link ab:a>b dropped(link_down) #11 40B");
  EXPECT_EQ(drops[10], "0.019000000s link ab:a>b dropped(link_down) #20 40B");
  EXPECT_EQ(t.ab().counters().dropped_for(DropReason::kLinkDown), 11u);
}

TEST(LinkTest, OneWayPartition) {
  LinkParams p;
  p.delay = absl::Milliseconds(1);
  TwoHosts t(p);
  t.ab().SetUp(false);
  t.a_->Send(TcpPacket(kA, kB, 1));
  t.b_->Send(TcpPacket(kB, kA, 2));
  t.sim_.RunUntilIdle();
  EXPECT_TRUE(t.client_b_.arrivals.empty());
  ASSERT_EQ(t.client_a_.arrivals.size(), 1u);
  EXPECT_EQ(SeqOf(t.client_a_.arrivals[0].bytes), 2u);
}

TEST(LinkTest, OutageDropsQueuedPacketsToo) {
  LinkParams p;
  p.rate_bps = 1000000;  // 8 ms per 1000 B
  TwoHosts t(p);
  t.SendPaced(5, absl::ZeroDuration(), 960);
  t.ab().SetUpAt(Ms(12), false);
  t.ab().SetUpAt(Ms(13), true);
  t.sim_.RunUntil(Ms(13));
  t.a_->Send(TcpPacket(kA, kB, 99, 960));  // queue is empty again
  t.sim_.RunUntilIdle();
  // Packet 0 arrived at 8 ms; 1 (serializing) and 2..4 (queued) are lost.
  EXPECT_EQ(t.ArrivalOrder(), (std::vector<uint32_t>{0, 99}));
  EXPECT_EQ(t.client_b_.arrivals[1].at, Ms(21));
  EXPECT_EQ(t.ab().counters().dropped_for(DropReason::kLinkDown), 4u);
  EXPECT_EQ(t.ab().in_flight(), 0u);
}

TEST(LinkTest, ParameterChangeAtATimeAppliesFromThenOn) {
  LinkParams p;
  p.delay = absl::Milliseconds(1);
  TwoHosts t(p);
  LinkParams slower = p;
  slower.delay = absl::Milliseconds(5);
  ASSERT_TRUE(t.ab().SetParamsAt(Ms(3), slower).ok());
  t.SendPaced(6, absl::Milliseconds(1));
  t.sim_.RunUntilIdle();
  const auto delays = t.Delays();
  EXPECT_EQ(delays.at(2), 1000000);
  EXPECT_EQ(delays.at(3), 5000000);  // sent at 3 ms, after the change (scheduled first)
  EXPECT_EQ(delays.at(5), 5000000);
  LinkParams bad;
  bad.loss = 2;
  EXPECT_FALSE(t.ab().SetParams(bad).ok());
  EXPECT_EQ(t.ab().params().delay, absl::Milliseconds(5));
}

TEST(LinkParamsTest, ValidateNamesTheField) {
  LinkParams p;
  EXPECT_TRUE(p.Validate().ok());
  p.duplicate = -0.1;
  EXPECT_NE(p.Validate().message().find("duplicate"), absl::string_view::npos);
  p = LinkParams();
  p.gemodel = GilbertElliott{.p = 1.5};
  EXPECT_NE(p.Validate().message().find("gemodel.p"), absl::string_view::npos);
  p = LinkParams();
  p.reorder_gap = 0;
  EXPECT_FALSE(p.Validate().ok());
  p = LinkParams();
  p.delay = absl::Milliseconds(10);
  p.jitter = absl::Milliseconds(1);
  p.jitter_distribution = Distribution::kNormal;
  p.loss = 0.01;
  p.rate_bps = 10000000;
  EXPECT_EQ(p.ToString(), "delay 10ms jitter 1ms normal loss 0.01 rate 10000000bit limit 1000 mtu 1500");
}

}  // namespace
}  // namespace tcplab::netsim
