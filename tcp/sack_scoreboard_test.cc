// Tests of SackScoreboard (RFC 6675 / RFC 2018 sender scoreboard): block
// insertion, clipping, overflow, IsLost, Pipe and NextHole against per-byte
// reference models written from the RFC text, and garbage robustness.

#include "tcp/sack_scoreboard.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "netsim/random.h"
#include "tcp/wire/seq.h"
#include "tcp/wire/tcp_options.h"

namespace tcplab::tcp {
namespace {

using wire::SackBlock;
using wire::Seq;

SackBlock B(uint32_t left, uint32_t right) { return {Seq(left), Seq(right)}; }

uint32_t Upd(SackScoreboard& sb, uint32_t una, uint32_t max,
             std::initializer_list<SackBlock> blocks) {
  return sb.Update(Seq(una), Seq(max),
                   absl::MakeConstSpan(blocks.begin(), blocks.size()));
}

using RawRanges = std::vector<std::pair<uint32_t, uint32_t>>;

RawRanges Ranges(const SackScoreboard& sb) {
  RawRanges out;
  for (int i = 0; i < sb.count(); ++i) {
    out.emplace_back(sb.range(i).left.raw(), sb.range(i).right.raw());
  }
  return out;
}

// Sorted, merged (adjacent ones too), bounded, on one arc under 2^31, and
// sacked_bytes() is their sum.
::testing::AssertionResult Invariants(const SackScoreboard& sb) {
  if (sb.count() < 0 || sb.count() > SackScoreboard::kMaxRanges) {
    return ::testing::AssertionFailure() << "count " << sb.count();
  }
  if (sb.empty() != (sb.count() == 0)) {
    return ::testing::AssertionFailure() << "empty() disagrees with count()";
  }
  uint64_t sum = 0;
  for (int i = 0; i < sb.count(); ++i) {
    const auto& r = sb.range(i);
    if (!(r.right - r.left > 0)) {
      return ::testing::AssertionFailure()
             << "range " << i << " [" << r.left << ", " << r.right
             << ") is empty or reversed";
    }
    sum += static_cast<uint32_t>(r.right - r.left);
    if (i + 1 < sb.count() && !(sb.range(i + 1).left - r.right > 0)) {
      return ::testing::AssertionFailure()
             << "ranges " << i << " and " << i + 1 << " ([" << r.left << ", "
             << r.right << "), [" << sb.range(i + 1).left << ", "
             << sb.range(i + 1).right << ")) overlap, touch or are unsorted";
    }
  }
  if (sb.count() > 0) {
    const uint32_t span = sb.range(sb.count() - 1).right.raw() -
                          sb.range(0).left.raw();
    if (span >= (uint32_t{1} << 31)) {
      return ::testing::AssertionFailure() << "ranges span " << span;
    }
    if (sb.highest_sacked() != sb.range(sb.count() - 1).right) {
      return ::testing::AssertionFailure() << "highest_sacked";
    }
  }
  if (sum != sb.sacked_bytes()) {
    return ::testing::AssertionFailure()
           << "sacked_bytes " << sb.sacked_bytes() << " != sum " << sum;
  }
  return ::testing::AssertionSuccess();
}

// ---------------------------------------------------------------- insertion

TEST(SackScoreboardTest, MergesOverlappingBlocks) {
  SackScoreboard sb;
  EXPECT_EQ(Upd(sb, 1000, 5000, {B(1100, 1300)}), 200u);
  EXPECT_EQ(Upd(sb, 1000, 5000, {B(1200, 1400)}), 100u);
  EXPECT_EQ(Ranges(sb), (RawRanges{{1100, 1400}}));
  // A block covering several ranges and the gaps between them.
  EXPECT_EQ(Upd(sb, 1000, 5000, {B(1600, 1700), B(1800, 1900)}), 200u);
  EXPECT_EQ(sb.count(), 3);
  // New: [1400, 1600) and [1700, 1800).
  EXPECT_EQ(Upd(sb, 1000, 5000, {B(1150, 1850)}), 300u);
  EXPECT_EQ(Ranges(sb), (RawRanges{{1100, 1900}}));
  EXPECT_EQ(sb.sacked_bytes(), 800u);
  EXPECT_TRUE(Invariants(sb));
}

TEST(SackScoreboardTest, MergesAdjacentBlocks) {
  SackScoreboard sb;
  EXPECT_EQ(Upd(sb, 1000, 5000, {B(1100, 1200), B(1300, 1400)}), 200u);
  EXPECT_EQ(sb.count(), 2);
  // Touching on the right of the first and the left of the second.
  EXPECT_EQ(Upd(sb, 1000, 5000, {B(1200, 1300)}), 100u);
  EXPECT_EQ(Ranges(sb), (RawRanges{{1100, 1400}}));
  EXPECT_EQ(Upd(sb, 1000, 5000, {B(1400, 1401)}), 1u);
  EXPECT_EQ(Upd(sb, 1000, 5000, {B(1099, 1100)}), 1u);
  EXPECT_EQ(Ranges(sb), (RawRanges{{1099, 1401}}));
  EXPECT_TRUE(Invariants(sb));
}

TEST(SackScoreboardTest, OutOfOrderBlocksEndUpSorted) {
  SackScoreboard sb;
  EXPECT_EQ(Upd(sb, 1000, 9000,
                {B(5000, 5100), B(2000, 2100), B(8000, 8100), B(3000, 3100)}),
            400u);
  EXPECT_EQ(Upd(sb, 1000, 9000, {B(1500, 1600), B(6000, 6100)}), 200u);
  EXPECT_EQ(Ranges(sb), (RawRanges{{1500, 1600},
                                   {2000, 2100},
                                   {3000, 3100},
                                   {5000, 5100},
                                   {6000, 6100},
                                   {8000, 8100}}));
  EXPECT_TRUE(Invariants(sb));
}

TEST(SackScoreboardTest, NewlySackedCountsOnlyNewBytes) {
  SackScoreboard sb;
  EXPECT_EQ(Upd(sb, 1000, 5000, {B(2000, 2500)}), 500u);
  EXPECT_EQ(Upd(sb, 1000, 5000, {B(2000, 2500)}), 0u);  // re-reported
  EXPECT_EQ(Upd(sb, 1000, 5000, {B(2100, 2200)}), 0u);  // inside
  EXPECT_EQ(Upd(sb, 1000, 5000, {}), 0u);
  // The same new bytes twice in one ACK count once.
  EXPECT_EQ(Upd(sb, 1000, 5000, {B(3000, 3100), B(3000, 3100)}), 100u);
  // Partly old, partly new.
  EXPECT_EQ(Upd(sb, 1000, 5000, {B(2400, 3200)}), 600u);
  // Bytes the cumulative ACK passes are not new SACK information.
  EXPECT_EQ(Upd(sb, 2600, 5000, {B(2000, 3200)}), 0u);
  EXPECT_EQ(Ranges(sb), (RawRanges{{2601, 3200}}));
  EXPECT_EQ(sb.sacked_bytes(), 599u);
  EXPECT_TRUE(Invariants(sb));
}

TEST(SackScoreboardTest, ClipsBlocksToTheWindow) {
  SackScoreboard sb;
  // Entirely below snd_una (a D-SACK, RFC 2883), entirely at/above snd_max.
  EXPECT_EQ(Upd(sb, 1000, 2000, {B(500, 900), B(900, 1000), B(2000, 2100)}),
            0u);
  EXPECT_TRUE(sb.empty());
  // Straddling: byte snd_una itself is never SACKed, nor byte snd_max.
  EXPECT_EQ(Upd(sb, 1000, 2000, {B(900, 1100)}), 99u);
  EXPECT_EQ(Upd(sb, 1000, 2000, {B(1900, 2500)}), 100u);
  EXPECT_EQ(Ranges(sb), (RawRanges{{1001, 1100}, {1900, 2000}}));
  EXPECT_FALSE(sb.IsSacked(Seq(1000)));
  EXPECT_TRUE(sb.IsSacked(Seq(1001)));
  EXPECT_TRUE(sb.IsSacked(Seq(1999)));
  EXPECT_FALSE(sb.IsSacked(Seq(2000)));
  // A block covering the whole window and more.
  EXPECT_EQ(Upd(sb, 1000, 2000, {B(0, 100000)}), 999u - 199u);
  EXPECT_EQ(Ranges(sb), (RawRanges{{1001, 2000}}));
  EXPECT_TRUE(Invariants(sb));
}

TEST(SackScoreboardTest, IgnoresMalformedBlocks) {
  SackScoreboard sb;
  EXPECT_EQ(Upd(sb, 1000, 5000, {B(2000, 2000), B(3000, 2000),
                                 B(2000, 2000 + (uint32_t{1} << 31))}),
            0u);
  EXPECT_TRUE(sb.empty());
  EXPECT_EQ(Upd(sb, 1000, 5000, {B(3000, 2000), B(2000, 2100)}), 100u);
  EXPECT_EQ(Ranges(sb), (RawRanges{{2000, 2100}}));
  EXPECT_TRUE(Invariants(sb));
}

TEST(SackScoreboardTest, UpdateDropsRangesPassedBySndUna) {
  SackScoreboard sb;
  Upd(sb, 1000, 5000, {B(1100, 1200), B(1300, 1400), B(1500, 1600)});
  // The new SND.UNA passes the first range and lands inside the second.
  EXPECT_EQ(Upd(sb, 1350, 5000, {}), 0u);
  EXPECT_EQ(Ranges(sb), (RawRanges{{1351, 1400}, {1500, 1600}}));
  EXPECT_EQ(sb.sacked_bytes(), 149u);
  EXPECT_TRUE(Invariants(sb));
}

TEST(SackScoreboardTest, AdvanceToDiscardsAndTrims) {
  SackScoreboard sb;
  Upd(sb, 1000, 5000, {B(1100, 1200), B(1300, 1400), B(1500, 1600)});
  sb.AdvanceTo(Seq(1000));
  EXPECT_EQ(sb.count(), 3);
  sb.AdvanceTo(Seq(1200));  // exactly the end of the first
  EXPECT_EQ(Ranges(sb), (RawRanges{{1300, 1400}, {1500, 1600}}));
  sb.AdvanceTo(Seq(1300));  // exactly the start of the second: trimmed
  EXPECT_EQ(Ranges(sb), (RawRanges{{1301, 1400}, {1500, 1600}}));
  sb.AdvanceTo(Seq(1550));
  EXPECT_EQ(Ranges(sb), (RawRanges{{1551, 1600}}));
  EXPECT_EQ(sb.sacked_bytes(), 49u);
  EXPECT_TRUE(Invariants(sb));
  sb.AdvanceTo(Seq(1599));
  EXPECT_TRUE(sb.empty());
  EXPECT_EQ(sb.sacked_bytes(), 0u);
  // An AdvanceTo going backwards keeps everything.
  Upd(sb, 1000, 5000, {B(1100, 1200)});
  sb.AdvanceTo(Seq(900));
  EXPECT_EQ(Ranges(sb), (RawRanges{{1100, 1200}}));
  sb.Clear();
  EXPECT_TRUE(sb.empty());
  EXPECT_EQ(sb.sacked_bytes(), 0u);
}

TEST(SackScoreboardTest, OverflowDropsTheHighestRanges) {
  constexpr int kMax = SackScoreboard::kMaxRanges;
  SackScoreboard sb;
  const uint32_t una = 1000, max = 100000;
  auto block = [](int i) { return B(2000 + 100 * i, 2000 + 100 * i + 10); };
  for (int i = 0; i < kMax; ++i) EXPECT_EQ(Upd(sb, una, max, {block(i)}), 10u);
  EXPECT_EQ(sb.count(), kMax);
  // A new highest range is forgotten at once: nothing new is held.
  EXPECT_EQ(Upd(sb, una, max, {block(kMax)}), 0u);
  EXPECT_EQ(sb.highest_sacked(), block(kMax - 1).right);
  EXPECT_TRUE(Invariants(sb));
  // A new lowest range pushes out the highest.
  EXPECT_EQ(Upd(sb, una, max, {B(1500, 1520)}), 20u);
  EXPECT_EQ(sb.count(), kMax);
  EXPECT_EQ(sb.range(0).left, Seq(1500));
  EXPECT_EQ(sb.highest_sacked(), block(kMax - 2).right);
  EXPECT_EQ(sb.sacked_bytes(), 20u + 10u * (kMax - 1));
  EXPECT_TRUE(Invariants(sb));
  // One in the middle, too.
  EXPECT_EQ(Upd(sb, una, max, {B(2050, 2060)}), 10u);
  EXPECT_EQ(sb.highest_sacked(), block(kMax - 3).right);
  EXPECT_TRUE(Invariants(sb));
  // Merging needs no room: bridging two ranges frees one.
  EXPECT_EQ(Upd(sb, una, max, {B(2010, 2050)}), 40u);
  EXPECT_EQ(sb.count(), kMax - 1);
  EXPECT_TRUE(Invariants(sb));
  // In one ACK: a block that would be the new highest (it fits), then a low
  // one that pushes it out again: only the low one's bytes are new.
  EXPECT_EQ(Upd(sb, una, max, {B(90000, 90100), B(1200, 1201)}), 1u);
  EXPECT_EQ(sb.count(), kMax);
  EXPECT_FALSE(sb.IsSacked(Seq(90000)));
  EXPECT_TRUE(Invariants(sb));
  // Four low blocks against a full board: four highest go.
  const Seq top = sb.range(kMax - 5).right;
  EXPECT_EQ(Upd(sb, una, max,
                {B(1010, 1011), B(1020, 1021), B(1030, 1031), B(1040, 1041)}),
            4u);
  EXPECT_EQ(sb.highest_sacked(), top);
  EXPECT_TRUE(Invariants(sb));
}

// ------------------------------------------------------------------ IsLost

TEST(SackScoreboardTest, IsLostWithThreeSegmentsAbove) {
  SackScoreboard sb;
  // Three small discontiguous segments: the segment rule alone (30 bytes
  // is well under 2 * smss).
  Upd(sb, 1000, 9000, {B(2000, 2010), B(3000, 3010), B(4000, 4010)});
  EXPECT_TRUE(sb.IsLost(Seq(1500), 100, 3));
  EXPECT_TRUE(sb.IsLost(Seq(1999), 100, 3));
  // Two segments above: not lost.
  EXPECT_FALSE(sb.IsLost(Seq(2500), 100, 3));
  EXPECT_FALSE(sb.IsLost(Seq(3999), 100, 3));
  EXPECT_FALSE(sb.IsLost(Seq(5000), 100, 3));
  // DupThresh 2 and 1.
  EXPECT_TRUE(sb.IsLost(Seq(2500), 100, 2));
  EXPECT_FALSE(sb.IsLost(Seq(3500), 100, 2));
  EXPECT_TRUE(sb.IsLost(Seq(3500), 100, 1));
  EXPECT_FALSE(sb.IsLost(Seq(4009), 100, 1));
  // Nothing SACKed: nothing lost.
  SackScoreboard none;
  EXPECT_FALSE(none.IsLost(Seq(1000), 100, 3));
}

TEST(SackScoreboardTest, IsLostWithTwoSegmentsAndTheByteRule) {
  SackScoreboard sb;
  // Two full segments, 2 * smss bytes: neither 3 segments nor more than
  // (3 - 1) * smss bytes.
  Upd(sb, 1000, 9000, {B(2000, 2100), B(3000, 3100)});
  EXPECT_FALSE(sb.IsLost(Seq(1500), 100, 3));
  // One byte more makes both rules hold.
  Upd(sb, 1000, 9000, {B(3100, 3101)});
  EXPECT_TRUE(sb.IsLost(Seq(1500), 100, 3));
  // One contiguous range of 200 bytes is 2 segments; 201 bytes is 3.
  SackScoreboard one;
  Upd(one, 1000, 9000, {B(2000, 2200)});
  EXPECT_FALSE(one.IsLost(Seq(1500), 100, 3));
  Upd(one, 1000, 9000, {B(2200, 2201)});
  EXPECT_TRUE(one.IsLost(Seq(1500), 100, 3));
}

TEST(SackScoreboardTest, IsLostAtSmssBoundaries) {
  const uint32_t smss = 100;
  SackScoreboard sb;
  // Three ranges of exactly smss bytes each.
  Upd(sb, 1000, 9000, {B(2000, 2100), B(3000, 3100), B(4000, 4100)});
  EXPECT_TRUE(sb.IsLost(Seq(1999), smss, 3));
  // Inside the first range, "above seq" is only part of it: still one
  // segment while at least one of its bytes is above.
  EXPECT_TRUE(sb.IsLost(Seq(2000), smss, 3));
  EXPECT_TRUE(sb.IsLost(Seq(2098), smss, 3));
  EXPECT_FALSE(sb.IsLost(Seq(2099), smss, 3));  // last byte: none above
  EXPECT_FALSE(sb.IsLost(Seq(2100), smss, 3));
  // A range of smss + 1 bytes counts two segments, smss bytes one.
  SackScoreboard two;
  Upd(two, 1000, 9000, {B(2000, 2101), B(3000, 3001)});
  EXPECT_TRUE(two.IsLost(Seq(1999), smss, 3));   // 101 bytes: 2, + 1
  EXPECT_FALSE(two.IsLost(Seq(2000), smss, 3));  // 100 bytes above: 1 + 1
  EXPECT_FALSE(two.IsLost(Seq(1999), smss + 1, 3));  // 101 bytes: 1 + 1
  // smss 1: every byte a segment.
  EXPECT_TRUE(two.IsLost(Seq(2097), 1, 3));
  EXPECT_TRUE(two.IsLost(Seq(2098), 1, 3));   // 2099, 2100, 3000
  EXPECT_FALSE(two.IsLost(Seq(2099), 1, 3));  // 2100, 3000
  EXPECT_FALSE(two.IsLost(Seq(2100), 1, 3));
}

// -------------------------------------------------------- Pipe, NextHole

TEST(SackScoreboardTest, PipeByHand) {
  SackScoreboard sb;
  Upd(sb, 1000, 2000, {B(1100, 1200), B(1300, 1400), B(1500, 1600)});
  // Unsacked: [1000,1100) lost (3 segments above), [1200,1300),
  // [1400,1500), [1600,2000) not.
  EXPECT_EQ(sb.Pipe(Seq(1000), Seq(2000), Seq(1000), 100, 3), 600u);
  EXPECT_EQ(sb.Pipe(Seq(1000), Seq(2000), Seq(1100), 100, 3), 700u);
  EXPECT_EQ(sb.Pipe(Seq(1000), Seq(2000), Seq(1250), 100, 3), 750u);
  EXPECT_EQ(sb.Pipe(Seq(1000), Seq(2000), Seq(5000), 100, 3), 600u + 700u);
  // DupThresh 2: [1200,1300) is lost too.
  EXPECT_EQ(sb.Pipe(Seq(1000), Seq(2000), Seq(1000), 100, 2), 500u);
  // Nothing SACKed: pipe is the whole flight.
  SackScoreboard none;
  EXPECT_EQ(none.Pipe(Seq(1000), Seq(2000), Seq(1000), 100, 3), 1000u);
  EXPECT_EQ(none.Pipe(Seq(1000), Seq(2000), Seq(1300), 100, 3), 1300u);
  EXPECT_EQ(none.Pipe(Seq(1000), Seq(1000), Seq(1300), 100, 3), 0u);
}

TEST(SackScoreboardTest, NextHoleWalksAllHoles) {
  SackScoreboard sb;
  Upd(sb, 1000, 2000, {B(1100, 1200), B(1300, 1400), B(1500, 1600)});
  auto hole = [&](uint32_t from) {
    const auto h = sb.NextHole(Seq(from));
    return std::make_pair(h.seq.raw(), h.len);
  };
  EXPECT_EQ(hole(1000), std::make_pair(1000u, 100u));
  EXPECT_EQ(hole(1099), std::make_pair(1099u, 1u));
  EXPECT_EQ(hole(1100), std::make_pair(1200u, 100u));
  EXPECT_EQ(hole(1150), std::make_pair(1200u, 100u));
  EXPECT_EQ(hole(1250), std::make_pair(1250u, 50u));
  EXPECT_EQ(hole(1450), std::make_pair(1450u, 50u));
  // Inside or above the highest range: no hole, `from` given back.
  EXPECT_EQ(hole(1500), std::make_pair(1500u, 0u));
  EXPECT_EQ(hole(1599), std::make_pair(1599u, 0u));
  EXPECT_EQ(hole(1600), std::make_pair(1600u, 0u));
  EXPECT_EQ(hole(1900), std::make_pair(1900u, 0u));

  RawRanges holes;
  Seq from(1000);
  for (SackScoreboard::Hole h = sb.NextHole(from); h.len != 0;
       h = sb.NextHole(from)) {
    holes.emplace_back(h.seq.raw(), h.seq.raw() + h.len);
    from = h.seq + h.len;
  }
  EXPECT_EQ(holes, (RawRanges{{1000, 1100}, {1200, 1300}, {1400, 1500}}));
  SackScoreboard none;
  EXPECT_EQ(none.NextHole(Seq(7)).len, 0u);
}

TEST(SackScoreboardTest, SackedBytesAbove) {
  SackScoreboard sb;
  Upd(sb, 1000, 2000, {B(1100, 1200), B(1300, 1400)});
  EXPECT_EQ(sb.SackedBytesAbove(Seq(1000)), 200u);
  EXPECT_EQ(sb.SackedBytesAbove(Seq(1150)), 150u);
  EXPECT_EQ(sb.SackedBytesAbove(Seq(1300)), 100u);
  EXPECT_EQ(sb.SackedBytesAbove(Seq(1399)), 1u);
  EXPECT_EQ(sb.SackedBytesAbove(Seq(1400)), 0u);
}

TEST(SackScoreboardTest, WrapsAroundZero) {
  SackScoreboard sb;
  const uint32_t una = 0xFFFFFF00u;
  EXPECT_EQ(Upd(sb, una, una + 0x300, {B(0xFFFFFF80u, 0x80)}), 0x100u);
  EXPECT_EQ(sb.count(), 1);
  EXPECT_TRUE(sb.IsSacked(Seq(0xFFFFFFFFu)));
  EXPECT_TRUE(sb.IsSacked(Seq(0)));
  EXPECT_FALSE(sb.IsSacked(Seq(0x80)));
  EXPECT_EQ(sb.NextHole(Seq(una)).len, 0x80u);
  EXPECT_EQ(sb.NextHole(Seq(0x10)).seq, Seq(0x10));
  EXPECT_EQ(sb.NextHole(Seq(0x10)).len, 0u);  // nothing SACKed above 0x80
  EXPECT_EQ(sb.SackedBytesAbove(Seq(0)), 0x80u);
  EXPECT_EQ(sb.Pipe(Seq(una), Seq(una + 0x300), Seq(una), 0x10, 3),
            0x300u - 0x100u - 0x80u);
  EXPECT_EQ(Upd(sb, una, una + 0x300, {B(0x80, 0x90)}), 0x10u);
  EXPECT_EQ(Ranges(sb), (RawRanges{{0xFFFFFF80u, 0x90}}));
  sb.AdvanceTo(Seq(0x7F));
  EXPECT_EQ(Ranges(sb), (RawRanges{{0x80, 0x90}}));
  EXPECT_TRUE(Invariants(sb));
}

TEST(SackScoreboardTest, WindowsNear2To31) {
  const uint32_t big = (uint32_t{1} << 31) - 1;  // the largest window
  SackScoreboard sb;
  EXPECT_EQ(Upd(sb, 5, 5 + big, {B(0, 0x80000000u)}), 0u);  // reversed
  // The largest block, clipped below: [6, 3 + big).
  EXPECT_EQ(Upd(sb, 5, 5 + big, {B(3, 3 + big)}), big - 3);
  EXPECT_EQ(Ranges(sb), (RawRanges{{6, 3 + big}}));
  // Unsacked: byte 5 (lost, retransmitted: 1) and the top two bytes (not
  // lost, retransmitted: 2 each).
  EXPECT_EQ(sb.Pipe(Seq(5), Seq(5 + big), Seq(5 + big), 1000, 3), 5u);
  EXPECT_EQ(sb.Pipe(Seq(5), Seq(5 + big), Seq(5), 1000, 3), 2u);
  EXPECT_FALSE(sb.IsLost(Seq(3 + big), 1000, 3));
  EXPECT_TRUE(sb.IsLost(Seq(5), 1000, 3));
  EXPECT_EQ(sb.SackedBytesAbove(Seq(5)), big - 3);
  EXPECT_EQ(sb.NextHole(Seq(5)).len, 1u);
  EXPECT_EQ(sb.NextHole(Seq(6)).len, 0u);
  // Filling up to snd_max.
  EXPECT_EQ(Upd(sb, 5, 5 + big, {B(big, 10 + big)}), 2u);
  EXPECT_EQ(Ranges(sb), (RawRanges{{6, 5 + big}}));
  EXPECT_TRUE(Invariants(sb));
  // A window of exactly 2^31 (or more) is not a window: cleared.
  EXPECT_EQ(Upd(sb, 5, 5 + big + 1, {B(10, 20)}), 0u);
  EXPECT_TRUE(sb.empty());
  // A block starting far below snd_una, reaching into the window.
  EXPECT_EQ(Upd(sb, 0x90000000u, 0x90001000u, {B(0x10000101u, 0x90000100u)}),
            0xFFu);
  EXPECT_EQ(Ranges(sb), (RawRanges{{0x90000001u, 0x90000100u}}));
  EXPECT_TRUE(Invariants(sb));
}

// ----------------------------------------------------- reference models

// The sender's view per byte, at offsets [0, n) from `base`.
struct ByteModel {
  Seq base;
  std::vector<bool> sacked;

  bool At(int64_t off) const {
    return off >= 0 && off < static_cast<int64_t>(sacked.size()) &&
           sacked[off];
  }
  // RFC 2018/6675 as the scoreboard states it: bytes b with
  // una < b < max may be SACKed; the rest are not.
  void Window(int64_t una, int64_t max) {
    for (int64_t x = 0; x < static_cast<int64_t>(sacked.size()); ++x) {
      if (!(una < x && x < max)) sacked[x] = false;
    }
  }
  void Block(int64_t una, int64_t max, int64_t left, int64_t right) {
    for (int64_t x = left; x < right; ++x) {
      if (una < x && x < max && x >= 0 &&
          x < static_cast<int64_t>(sacked.size())) {
        sacked[x] = true;
      }
    }
  }
  RawRanges Runs() const {
    RawRanges out;
    const int64_t n = sacked.size();
    for (int64_t x = 0; x < n;) {
      if (!sacked[x]) { ++x; continue; }
      int64_t y = x;
      while (y < n && sacked[y]) ++y;
      out.emplace_back((base + static_cast<uint32_t>(x)).raw(),
                       (base + static_cast<uint32_t>(y)).raw());
      x = y;
    }
    return out;
  }
  int64_t Count() const {
    int64_t c = 0;
    for (bool b : sacked) c += b;
    return c;
  }
};

uint64_t Ceil(uint64_t n, uint64_t d) { return (n + d - 1) / d; }

// RFC 6675 §4 IsLost, literally: walk every byte above `off`, counting the
// discontiguous SACKed sequences (ceil(length / SMSS) segments each) and
// the SACKed bytes.
bool LiteralIsLost(const ByteModel& m, int64_t off, uint32_t smss, int dup) {
  uint64_t segs = 0, bytes = 0, run = 0;
  for (int64_t y = off + 1; y <= static_cast<int64_t>(m.sacked.size()); ++y) {
    if (m.At(y)) {
      ++run;
      ++bytes;
    } else {
      segs += Ceil(run, smss);
      run = 0;
    }
  }
  return segs >= static_cast<uint64_t>(dup) ||
         bytes > static_cast<uint64_t>(dup - 1) * smss;
}

// RFC 6675 §4 SetPipe per byte over [una, max), the same IsLost kept
// incrementally from the top byte down. Returns pipe; fills lost[x] for
// every byte in the model.
uint64_t ReferencePipe(const ByteModel& m, int64_t una, int64_t max,
                       int64_t high_rxt, uint32_t smss, int dup,
                       std::vector<bool>* lost) {
  const int64_t n = m.sacked.size();
  lost->assign(n, false);
  uint64_t pipe = 0;
  uint64_t done_segs = 0, run = 0, bytes_above = 0;
  for (int64_t x = n - 1; x >= 0; --x) {
    // State: the SACKed data strictly above x.
    const uint64_t segs = done_segs + Ceil(run, smss);
    const bool is_lost = segs >= static_cast<uint64_t>(dup) ||
                         bytes_above > static_cast<uint64_t>(dup - 1) * smss;
    (*lost)[x] = is_lost;
    if (una <= x && x < max && !m.sacked[x]) {
      if (!is_lost) pipe += 1;      // (a)
      if (x < high_rxt) pipe += 1;  // (b), high_rxt one past
    }
    if (m.sacked[x]) {
      ++run;
      ++bytes_above;
    } else {
      done_segs += Ceil(run, smss);
      run = 0;
    }
  }
  return pipe;
}

// The project's own generator (netsim/random.h), not <random>'s
// distributions, whose output differs between library versions.
int64_t UniformIn(::tcplab::netsim::Rng& rng, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(hi - lo) + 1));
}

Seq At(Seq base, int64_t off) {
  return base + static_cast<uint32_t>(static_cast<int32_t>(off));
}

TEST(SackScoreboardTest, MatchesPerByteReferenceOnRandomScoreboards) {
  ::tcplab::netsim::Rng rng(6675);
  auto uni = [&](int64_t lo, int64_t hi) { return UniformIn(rng, lo, hi); };
  const uint32_t bases[] = {0u, 0xFFFFFFFFu, 0x7FFFFFFFu, 0x80000000u};
  for (int iter = 0; iter < 3000; ++iter) {
    SCOPED_TRACE(::testing::Message() << "iteration " << iter);
    const int64_t n = uni(1, 4) == 1 ? uni(2, 60) : uni(200, 1500);
    // Bases near 2^32 and 2^31 put wrap-around inside the window.
    Seq base = iter % 3 == 0 ? Seq(static_cast<uint32_t>(rng.Next()))
                             : Seq(bases[iter % 4] -
                                   static_cast<uint32_t>(uni(0, n)));
    const uint32_t smss = uni(1, 5) == 1 ? 1 : uni(1, 120);
    const int dup = uni(1, 4) == 1 ? static_cast<int>(uni(1, 6)) : 3;
    ByteModel m{base, std::vector<bool>(n, false)};
    SackScoreboard sb;
    int64_t una = 0, max = uni(n / 2, n);
    const int updates = uni(1, 6);
    for (int u = 0; u < updates; ++u) {
      std::vector<SackBlock> blocks;
      const int k = uni(0, 4);
      std::vector<std::pair<int64_t, int64_t>> raw;
      for (int b = 0; b < k; ++b) {
        const int64_t left = uni(una - 30, max + 10);
        const int64_t len = uni(-5, 3 * smss + 40);
        raw.emplace_back(left, left + len);
        blocks.push_back({At(base, left), At(base, left + len)});
      }
      m.Window(una, max);
      const ByteModel before = m;
      for (auto [l, r] : raw) m.Block(una, max, l, r);
      int64_t fresh = 0;
      for (int64_t x = 0; x < n; ++x) fresh += m.sacked[x] && !before.sacked[x];
      ASSERT_EQ(sb.Update(At(base, una), At(base, max), blocks),
                static_cast<uint64_t>(fresh));
      ASSERT_TRUE(Invariants(sb));
      ASSERT_EQ(Ranges(sb), m.Runs());
      ASSERT_EQ(sb.sacked_bytes(), static_cast<uint64_t>(m.Count()));
      // Move the window on now and then, via AdvanceTo or the next Update.
      if (uni(0, 2) == 0) {
        una = std::min(max, una + uni(0, n / 4));
        if (uni(0, 1) == 0) {
          sb.AdvanceTo(At(base, una));
          m.Window(una, max);
          ASSERT_TRUE(Invariants(sb));
          ASSERT_EQ(Ranges(sb), m.Runs());
        }
      }
      max = std::min(n, max + uni(0, n / 8));
    }
    // Queries, over a window that may start past the scoreboard's (an ACK
    // not yet given to AdvanceTo) and with any high_rxt around it.
    const int64_t pipe_una = uni(0, 3) == 0 ? std::min(max, una + uni(0, 50))
                                            : una;
    for (int q = 0; q < 3; ++q) {
      const int64_t high_rxt = uni(0, 3) == 0 ? pipe_una
                                              : uni(pipe_una - 20, max + 20);
      std::vector<bool> lost;
      const uint64_t want =
          ReferencePipe(m, pipe_una, max, high_rxt, smss, dup, &lost);
      ASSERT_EQ(sb.Pipe(At(base, pipe_una), At(base, max), At(base, high_rxt),
                        smss, dup),
                want)
          << "una " << pipe_una << " max " << max << " high_rxt " << high_rxt
          << " smss " << smss << " dup " << dup << " n " << n;
      if (q == 0) {
        for (int64_t x = 0; x < n; ++x) {
          ASSERT_EQ(sb.IsLost(At(base, x), smss, dup), lost[x]) << "byte " << x;
          ASSERT_EQ(sb.IsSacked(At(base, x)), m.sacked[x]) << "byte " << x;
        }
        if (n <= 60 || iter < 30) {
          for (int64_t x = 0; x < n; ++x) {
            ASSERT_EQ(LiteralIsLost(m, x, smss, dup), lost[x]) << "byte " << x;
          }
        }
      }
    }
    // NextHole: walk every hole from pipe_una and compare.
    int64_t top = n;
    while (top > 0 && !m.sacked[top - 1]) --top;
    RawRanges want_holes, got_holes;
    for (int64_t x = pipe_una; x < top;) {
      if (m.sacked[x]) { ++x; continue; }
      int64_t y = x;
      while (!m.sacked[y]) ++y;
      want_holes.emplace_back(At(base, x).raw(), At(base, y).raw());
      x = y;
    }
    Seq from = At(base, pipe_una);
    for (int guard = 0; guard < 200; ++guard) {
      const SackScoreboard::Hole h = sb.NextHole(from);
      if (h.len == 0) {
        ASSERT_EQ(h.seq, from);
        break;
      }
      got_holes.emplace_back(h.seq.raw(), (h.seq + h.len).raw());
      from = h.seq + h.len;
    }
    ASSERT_EQ(got_holes, want_holes);
    // SackedBytesAbove at a few points.
    for (int q = 0; q < 4; ++q) {
      const int64_t x = uni(0, n);
      int64_t want = 0;
      for (int64_t y = x; y < n; ++y) want += m.sacked[y];
      ASSERT_EQ(sb.SackedBytesAbove(At(base, x)), static_cast<uint64_t>(want));
    }
  }
}

// ------------------------------------------------------------- robustness

TEST(SackScoreboardTest, GarbageNeverBreaksTheInvariants) {
  ::tcplab::netsim::Rng rng(2018);
  auto uni = [&](int64_t lo, int64_t hi) { return UniformIn(rng, lo, hi); };
  SackScoreboard sb;
  uint32_t anchor = static_cast<uint32_t>(rng.Next());
  // Values near the anchor, near 2^31 from it, or anything at all.
  auto pick = [&]() -> uint32_t {
    switch (uni(0, 5)) {
      case 0: return static_cast<uint32_t>(rng.Next());
      case 1: return anchor + static_cast<uint32_t>(uni(-3, 3)) +
                     (uint32_t{1} << 31);
      case 2: return anchor + static_cast<uint32_t>(uni(-100000, 100000)) +
                     (uint32_t{1} << 30) * static_cast<uint32_t>(uni(0, 3));
      default: return anchor + static_cast<uint32_t>(uni(-5000, 5000));
    }
  };
  for (int iter = 0; iter < 60000; ++iter) {
    SCOPED_TRACE(::testing::Message() << "iteration " << iter);
    if (uni(0, 200) == 0) anchor = rng.Next();
    const int op = uni(0, 9);
    if (op <= 5) {
      const Seq una(pick());
      const Seq max = uni(0, 3) == 0 ? Seq(pick())
                                     : una + static_cast<uint32_t>(
                                                 uni(0, 20000));
      std::vector<SackBlock> blocks(uni(0, 6));
      for (auto& b : blocks) {
        b.left = Seq(pick());
        b.right = uni(0, 2) == 0 ? Seq(pick())
                                 : b.left + static_cast<uint32_t>(
                                                uni(-100, 3000));
      }
      const uint32_t fresh = sb.Update(una, max, blocks);
      ASSERT_TRUE(Invariants(sb));
      const int32_t window = max - una;
      ASSERT_LE(fresh, sb.sacked_bytes());
      for (int i = 0; i < sb.count(); ++i) {
        ASSERT_GE(sb.range(i).left - una, 1) << "range below snd_una";
        ASSERT_GE(max - sb.range(i).right, 0) << "range beyond snd_max";
        ASSERT_GT(window, 1);
      }
    } else if (op == 6) {
      sb.AdvanceTo(Seq(pick()));
      ASSERT_TRUE(Invariants(sb));
    } else if (op == 7 && uni(0, 20) == 0) {
      sb.Clear();
      ASSERT_TRUE(Invariants(sb));
    } else {
      const Seq una(pick());
      const Seq max = uni(0, 2) == 0 ? Seq(pick())
                                     : una + static_cast<uint32_t>(
                                                 uni(0, 20000));
      const uint32_t smss = static_cast<uint32_t>(uni(0, 3) == 0 ? rng.Next()
                                                                 : uni(0, 2000));
      const int dup = static_cast<int>(uni(-2, 10));
      const int32_t window = max - una;
      const uint32_t pipe = sb.Pipe(una, max, Seq(pick()), smss, dup);
      ASSERT_LE(pipe, window <= 0 ? 0u : 2u * static_cast<uint32_t>(window));
      (void)sb.IsLost(Seq(pick()), smss, dup);
      (void)sb.IsSacked(Seq(pick()));
      ASSERT_LE(sb.SackedBytesAbove(Seq(pick())), sb.sacked_bytes());
      const SackScoreboard::Hole h = sb.NextHole(Seq(pick()));
      ASSERT_LT(h.len, uint32_t{1} << 31);
      ASSERT_TRUE(Invariants(sb));
    }
  }
}

}  // namespace
}  // namespace tcplab::tcp
