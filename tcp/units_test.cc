// Unit tests of the engine's parts: ByteRing, Reassembly, RtoEstimator,
// SipHash-2-4 / ISN, state names.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "tcp/byte_ring.h"
#include "tcp/isn.h"
#include "tcp/reassembly.h"
#include "tcp/rto.h"
#include "tcp/state.h"

namespace tcplab::tcp {
namespace {

using wire::Seq;

std::vector<uint8_t> Iota(size_t n, uint8_t first = 0) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(first + i);
  return v;
}

TEST(ByteRingTest, AppendConsumeWrapAround) {
  ByteRing r(10);
  EXPECT_EQ(r.Append(Iota(7)), 7u);
  EXPECT_EQ(r.Append(Iota(7, 7)), 3u);  // only what fits
  EXPECT_EQ(r.free(), 0u);
  r.Consume(6);
  EXPECT_EQ(r.Append(Iota(5, 10)), 5u);  // wraps
  std::vector<uint8_t> out(9);
  r.CopyOut(0, absl::MakeSpan(out));
  EXPECT_EQ(out, Iota(9, 6));
  std::vector<uint8_t> mid(3);
  r.CopyOut(3, absl::MakeSpan(mid));
  EXPECT_EQ(mid, Iota(3, 9));
}

TEST(ByteRingTest, ViewOnlyWhereContiguous) {
  ByteRing r(10);
  r.Append(Iota(7));
  r.Consume(6);
  r.Append(Iota(5, 7));  // bytes 6..11 at storage 6..9, 0..1
  absl::Span<const uint8_t> v = r.View(1, 3);
  EXPECT_EQ(std::vector<uint8_t>(v.begin(), v.end()), Iota(3, 7));
  EXPECT_TRUE(r.View(2, 3).empty());  // would wrap
  EXPECT_TRUE(r.View(0, 0).empty());
  v = r.View(4, 2);  // after the wrap
  EXPECT_EQ(std::vector<uint8_t>(v.begin(), v.end()), Iota(2, 10));
}

TEST(ByteRingTest, FrontIsTheRunUpToTheWrap) {
  ByteRing r(10);
  EXPECT_TRUE(r.Front().empty());
  r.Append(Iota(7));
  absl::Span<const uint8_t> f = r.Front();
  EXPECT_EQ(std::vector<uint8_t>(f.begin(), f.end()), Iota(7));
  r.Consume(6);
  r.Append(Iota(5, 7));  // bytes 6..11 at storage 6..9, 0..1
  f = r.Front();
  EXPECT_EQ(std::vector<uint8_t>(f.begin(), f.end()), Iota(4, 6));
  r.Consume(f.size());
  f = r.Front();
  EXPECT_EQ(std::vector<uint8_t>(f.begin(), f.end()), Iota(2, 10));
  r.Consume(2);
  EXPECT_TRUE(r.Front().empty());
}

TEST(ByteRingTest, ParkedBytesSurviveEmptying) {
  ByteRing r(8);
  r.Append(Iota(5));
  r.WriteAt(7, Iota(1, 100));  // parked past the end
  r.Consume(5);                // ring empty; parked byte must stay put
  r.WriteAt(0, Iota(2, 50));
  r.Extend(3);
  std::vector<uint8_t> out(3);
  r.CopyOut(0, absl::MakeSpan(out));
  EXPECT_EQ(out[0], 50);
  EXPECT_EQ(out[1], 51);
  // offset 2 from head = old offset 7 = parked byte
  EXPECT_EQ(out[2], 100);
}

TEST(ReassemblyTest, MergesAndPops) {
  Reassembly q;
  EXPECT_TRUE(q.Insert(Seq(100), Seq(200), 1000));
  EXPECT_TRUE(q.Insert(Seq(300), Seq(400), 1000));
  EXPECT_TRUE(q.Insert(Seq(150), Seq(320), 1000));  // bridges both
  EXPECT_EQ(q.count(), 1);
  EXPECT_EQ(q.bytes(), 300u);
  EXPECT_EQ(q.PopContiguous(Seq(50)), 0u);
  EXPECT_EQ(q.PopContiguous(Seq(100)), 300u);
  EXPECT_EQ(q.count(), 0);
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(ReassemblyTest, PopAfterPartialOverlapWithDeliveredData) {
  Reassembly q;
  q.Insert(Seq(100), Seq(200), 1000);
  EXPECT_EQ(q.PopContiguous(Seq(150)), 50u);  // 100..150 came in order already
}

TEST(ReassemblyTest, LimitsOnBytesAndRanges) {
  Reassembly q;
  EXPECT_TRUE(q.Insert(Seq(0), Seq(100), 150));
  EXPECT_FALSE(q.Insert(Seq(200), Seq(300), 150));
  EXPECT_EQ(q.bytes(), 100u);
  Reassembly r;
  for (int i = 0; i < Reassembly::kMaxRanges; ++i) {
    EXPECT_TRUE(r.Insert(Seq(i * 10), Seq(i * 10 + 5), 100000));
  }
  EXPECT_FALSE(r.Insert(Seq(10000), Seq(10005), 100000));
  EXPECT_TRUE(r.Insert(Seq(5), Seq(10), 100000));  // merging is fine
  EXPECT_EQ(r.count(), Reassembly::kMaxRanges - 1);
}

// The merge-by-copy Insert the in-place one replaced, as the reference.
struct ReferenceReassembly {
  std::vector<Reassembly::Range> ranges;
  bool Insert(Seq left, Seq right, size_t byte_limit) {
    if (!(left < right)) return true;
    std::vector<Reassembly::Range> out;
    size_t total = 0;
    bool placed = false;
    Reassembly::Range cur{left, right};
    for (const Reassembly::Range& r : ranges) {
      if (r.right < cur.left) {
        out.push_back(r);
      } else if (cur.right < r.left) {
        if (!placed) out.push_back(cur);
        placed = true;
        out.push_back(r);
      } else {
        cur.left = wire::Min(cur.left, r.left);
        cur.right = wire::Max(cur.right, r.right);
      }
    }
    if (!placed) out.push_back(cur);
    for (const Reassembly::Range& r : out) total += static_cast<uint32_t>(r.right - r.left);
    if (out.size() > static_cast<size_t>(Reassembly::kMaxRanges) || total > byte_limit) {
      return false;
    }
    ranges = out;
    return true;
  }
};

TEST(ReassemblyTest, InsertMatchesTheMergeByCopyReference) {
  uint64_t x = 0x8badf00ddeadbeefu;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (int round = 0; round < 300; ++round) {
    Reassembly q;
    ReferenceReassembly ref;
    const uint32_t base = static_cast<uint32_t>(next());  // wraps in some rounds
    const size_t limit = round % 2 ? 1u << 20 : 3000;
    for (int i = 0; i < 400; ++i) {
      const uint32_t at = static_cast<uint32_t>(next() % 20000);
      const uint32_t len = static_cast<uint32_t>(next() % (i % 7 == 0 ? 400 : 40));
      const bool ok = q.Insert(Seq(base + at), Seq(base + at + len), limit);
      ASSERT_EQ(ok, ref.Insert(Seq(base + at), Seq(base + at + len), limit)) << round << "/" << i;
      ASSERT_EQ(q.count(), static_cast<int>(ref.ranges.size())) << round << "/" << i;
      size_t bytes = 0;
      for (int r = 0; r < q.count(); ++r) {
        ASSERT_EQ(q.range(r).left, ref.ranges[r].left) << round << "/" << i;
        ASSERT_EQ(q.range(r).right, ref.ranges[r].right) << round << "/" << i;
        bytes += static_cast<uint32_t>(ref.ranges[r].right - ref.ranges[r].left);
      }
      ASSERT_EQ(q.bytes(), bytes);
    }
  }
}

TEST(ReassemblyTest, WrapAround) {
  Reassembly q;
  EXPECT_TRUE(q.Insert(Seq(0xfffffff0u), Seq(0x10), 1000));
  EXPECT_EQ(q.bytes(), 32u);
  EXPECT_EQ(q.PopContiguous(Seq(0xfffffff0u)), 32u);
}

TEST(RtoTest, Rfc6298Smoothing) {
  RtoEstimator r(absl::Seconds(1), absl::Milliseconds(200), absl::Seconds(60),
                 absl::Milliseconds(1));
  EXPECT_EQ(r.rto(), absl::Seconds(1));
  r.OnSample(absl::Milliseconds(100));
  EXPECT_EQ(r.srtt(), absl::Milliseconds(100));
  EXPECT_EQ(r.rttvar(), absl::Milliseconds(50));
  EXPECT_EQ(r.rto(), absl::Milliseconds(300));
  r.OnSample(absl::Milliseconds(200));
  // rttvar = 3/4*50 + 1/4*100 = 62.5; srtt = 7/8*100 + 1/8*200 = 112.5
  EXPECT_EQ(r.rttvar(), absl::Microseconds(62500));
  EXPECT_EQ(r.srtt(), absl::Microseconds(112500));
  EXPECT_EQ(r.rto(), absl::Microseconds(362500));
}

TEST(RtoTest, PerAckSamplesAreWeightedByTheSamplesPerRtt) {
  // RFC 7323 Appendix G: with 10 samples expected per RTT, alpha = 1/80
  // and beta = 1/40.
  RtoEstimator r(absl::Seconds(1), absl::Milliseconds(1), absl::Seconds(60),
                 absl::Milliseconds(1));
  r.OnSample(absl::Milliseconds(400), 10);  // the first sets SRTT as usual
  EXPECT_EQ(r.srtt(), absl::Milliseconds(400));
  EXPECT_EQ(r.rttvar(), absl::Milliseconds(200));
  r.OnSample(absl::Milliseconds(480), 10);
  // rttvar = 200 - 200/40 + 80/40 = 197; srtt = 400 - 400/80 + 480/80 = 401
  EXPECT_EQ(r.rttvar(), absl::Milliseconds(197));
  EXPECT_EQ(r.srtt(), absl::Milliseconds(401));
  // A window of identical samples shrinks RTTVAR about as one RFC 6298
  // sample would (3/4), not to (3/4)^10.
  RtoEstimator w(absl::Seconds(1), absl::Milliseconds(1), absl::Seconds(60),
                 absl::Milliseconds(1));
  w.OnSample(absl::Milliseconds(400), 10);
  for (int i = 0; i < 10; ++i) w.OnSample(absl::Milliseconds(400), 10);
  EXPECT_GT(w.rttvar(), absl::Milliseconds(150));
  EXPECT_LT(w.rttvar(), absl::Milliseconds(160));
}

TEST(RtoTest, SameValuesAsAbslDurationArithmetic) {
  // The estimator computes in integer quarter nanoseconds; RFC 6298's
  // formulas written with absl::Duration (which truncates in the same unit)
  // must give the very same SRTT, RTTVAR and RTO, sub-nanosecond samples
  // and per-ACK weights included.
  const absl::Duration g = absl::Milliseconds(1);
  RtoEstimator r(absl::Seconds(1), absl::Milliseconds(200), absl::Seconds(60), g);
  absl::Duration srtt, rttvar;
  uint64_t x = 0x9e3779b97f4a7c15u;  // splitmix64 state
  for (int i = 0; i < 20000; ++i) {
    x += 0x9e3779b97f4a7c15u;
    uint64_t z = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    const absl::Duration rtt = absl::Nanoseconds(static_cast<int64_t>(z % 3'000'000'000u)) +
                               absl::Nanoseconds(1) / 4 * static_cast<int64_t>(z >> 62);
    const int64_t n = 1 + static_cast<int64_t>((z >> 40) % 64);
    r.OnSample(rtt, n);
    if (i == 0) {
      srtt = rtt;
      rttvar = rtt / 2;
    } else {
      const absl::Duration err = absl::AbsDuration(srtt - rtt);
      rttvar = rttvar - rttvar / (4 * n) + err / (4 * n);
      srtt = srtt - srtt / (8 * n) + rtt / (8 * n);
    }
    ASSERT_EQ(r.srtt(), srtt) << i;
    ASSERT_EQ(r.rttvar(), rttvar) << i;
    ASSERT_EQ(r.rto(), std::clamp(srtt + std::max(g, 4 * rttvar), absl::Milliseconds(200),
                                  absl::Seconds(60)))
        << i;
  }
}

TEST(RtoTest, ClampAndBackoff) {
  RtoEstimator r(absl::Seconds(1), absl::Milliseconds(200), absl::Seconds(5),
                 absl::Milliseconds(1));
  r.OnSample(absl::Milliseconds(1));
  EXPECT_EQ(r.rto(), absl::Milliseconds(200));
  r.Backoff();
  r.Backoff();
  r.Backoff();
  EXPECT_EQ(r.rto(), absl::Milliseconds(1600));
  r.Backoff();
  r.Backoff();
  EXPECT_EQ(r.rto(), absl::Seconds(5));
  r.OnSample(absl::Milliseconds(1));  // a new sample clears the backoff
  EXPECT_EQ(r.rto(), absl::Milliseconds(200));
}

TEST(SipHashTest, ReferenceVectors) {
  std::array<uint64_t, 2> key = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
  EXPECT_EQ(SipHash24(key, {}), 0x726fdb47dd0e0e31ull);
  std::vector<uint8_t> one = Iota(1);
  EXPECT_EQ(SipHash24(key, one), 0x74f839c593dc67fdull);
  std::vector<uint8_t> fifteen = Iota(15);
  EXPECT_EQ(SipHash24(key, fifteen), 0xa129ca6149be45e5ull);
}

TEST(IsnTest, KeyedByTupleAndClock) {
  IsnGenerator g({1, 2}, absl::Microseconds(4));
  wire::Ipv4Address a(10, 0, 0, 1), b(10, 0, 0, 2);
  Seq s0 = g.Generate(Instant::Zero(), a, 1, b, 2);
  EXPECT_EQ(g.Generate(Instant::FromNanos(4000), a, 1, b, 2) - s0, 1);
  EXPECT_EQ(g.Generate(Instant::FromNanos(3999), a, 1, b, 2), s0);
  EXPECT_NE(g.Generate(Instant::Zero(), a, 2, b, 2), s0);
  IsnGenerator h({1, 3}, absl::Microseconds(4));
  EXPECT_NE(h.Generate(Instant::Zero(), a, 1, b, 2), s0);
}

TEST(StateTest, Names) {
  EXPECT_EQ(StateName(ConnectionState::kSynSent), "SYN-SENT");
  EXPECT_EQ(StateName(ConnectionState::kFinWait2), "FIN-WAIT-2");
  EXPECT_EQ(StateName(ConnectionState::kTimeWait), "TIME-WAIT");
  EXPECT_TRUE(IsSynchronized(ConnectionState::kCloseWait));
  EXPECT_FALSE(IsSynchronized(ConnectionState::kSynReceived));
}

}  // namespace
}  // namespace tcplab::tcp
