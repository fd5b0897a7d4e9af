#include "tcp/sack_scoreboard.h"

#include <algorithm>
#include <cstdint>

namespace tcplab::tcp {

using wire::Seq;

namespace {

constexpr uint64_t kTwo31 = uint64_t{1} << 31;
constexpr uint64_t kTwo32 = uint64_t{1} << 32;

// Offsets [lo, hi) from some base; empty when lo >= hi.
struct Piece {
  uint64_t lo = 0;
  uint64_t hi = 0;
  bool empty() const { return lo >= hi; }
  uint64_t size() const { return empty() ? 0 : hi - lo; }
};

// The part of [left, right) (0 < right - left < 2^31) whose offsets from
// `base`, taken modulo 2^32, lie in [lo, hi) (lo <= hi <= 2^31). Exact per
// byte whatever base is: the range is an arc of the sequence circle of
// under 2^31 bytes, [lo, hi) one of at most 2^31, so they meet in at most
// one piece.
Piece Clip(Seq left, Seq right, Seq base, uint64_t lo, uint64_t hi) {
  const uint64_t s = static_cast<uint32_t>(left.raw() - base.raw());
  const uint64_t e = s + static_cast<uint32_t>(right.raw() - left.raw());
  // The range covers offsets [s, e) when e <= 2^32; otherwise it wraps and
  // covers [s, 2^32) and [0, e - 2^32).
  Piece p{std::max(s, lo), std::min({e, kTwo32, hi})};
  if (!p.empty()) return p;
  if (e > kTwo32) {
    Piece q{lo, std::min(e - kTwo32, hi)};
    if (!q.empty()) return q;
  }
  return {};
}

uint64_t Segments(uint64_t bytes, uint32_t smss) {
  return (bytes + smss - 1) / smss;
}

// RFC 6675 IsLost's test, given the SACKed bytes and segments above.
bool LostBy(uint64_t bytes, uint64_t segments, uint32_t smss, int dup_thresh) {
  if (dup_thresh <= 0) return true;
  return segments >= static_cast<uint64_t>(dup_thresh) ||
         bytes > static_cast<uint64_t>(dup_thresh - 1) * smss;
}

// Offset of x from base, clamped to [0, window].
uint32_t ClampedOffset(Seq x, Seq base, int32_t window) {
  const int32_t d = x - base;
  if (d < 0) return 0;
  return static_cast<uint32_t>(std::min(d, window));
}

}  // namespace

void SackScoreboard::Clear() {
  count_ = 0;
  sacked_bytes_ = 0;
}

void SackScoreboard::Recount() {
  uint32_t total = 0;
  for (int i = 0; i < count_; ++i) {
    total += static_cast<uint32_t>(ranges_[i].right - ranges_[i].left);
  }
  sacked_bytes_ = total;
}

void SackScoreboard::Retain(Seq base, int32_t window) {
  if (window <= 1) {
    Clear();
    return;
  }
  // All ranges lie on one arc of under 2^31 bytes, in order along it; the
  // window is another such arc. They meet in one arc, along which the
  // surviving pieces keep their order, so compacting in place keeps the
  // ranges sorted (and, being subsets, apart).
  int n = 0;
  for (int i = 0; i < count_; ++i) {
    const Piece p = Clip(ranges_[i].left, ranges_[i].right, base, 1,
                         static_cast<uint64_t>(window));
    if (p.empty()) continue;
    ranges_[n++] = {base + static_cast<uint32_t>(p.lo),
                    base + static_cast<uint32_t>(p.hi)};
  }
  count_ = n;
  Recount();
}

void SackScoreboard::Insert(Seq left, Seq right) {
  // [i, j): the ranges that overlap or touch [left, right).
  int i = 0;
  while (i < count_ && ranges_[i].right < left) ++i;
  int j = i;
  while (j < count_ && ranges_[j].left <= right) ++j;
  if (i == j) {
    if (count_ == kMaxRanges) {
      if (i == count_) return;  // it would be the highest: forget it
      --count_;                 // forget the highest
    }
    for (int k = count_; k > i; --k) ranges_[k] = ranges_[k - 1];
    ranges_[i] = {left, right};
    ++count_;
    return;
  }
  ranges_[i].left = wire::Min(left, ranges_[i].left);
  ranges_[i].right = wire::Max(right, ranges_[j - 1].right);
  const int removed = j - i - 1;
  for (int k = j; k < count_; ++k) ranges_[k - removed] = ranges_[k];
  count_ -= removed;
}

uint32_t SackScoreboard::Update(Seq snd_una, Seq snd_max,
                                absl::Span<const wire::SackBlock> blocks) {
  const int32_t window = snd_max - snd_una;
  Retain(snd_una, window);
  if (window <= 1) return 0;

  const int before_count = count_;
  std::array<Range, kMaxRanges>& before = before_;
  std::copy_n(ranges_.begin(), before_count, before.begin());

  for (const wire::SackBlock& b : blocks) {
    // Malformed unless 0 < right - left < 2^31. (Not `left < right`: at a
    // distance of exactly 2^31 both left < right and right < left hold.)
    if (!(b.right - b.left > 0)) continue;
    const Piece p =
        Clip(b.left, b.right, snd_una, 1, static_cast<uint64_t>(window));
    if (p.empty()) continue;
    Insert(snd_una + static_cast<uint32_t>(p.lo),
           snd_una + static_cast<uint32_t>(p.hi));
  }
  Recount();

  // Newly SACKed: held now minus held both now and before (both sorted).
  uint32_t common = 0;
  int a = 0;
  int c = 0;
  while (a < count_ && c < before_count) {
    const Seq lo = wire::Max(ranges_[a].left, before[c].left);
    const Seq hi = wire::Min(ranges_[a].right, before[c].right);
    if (lo < hi) common += static_cast<uint32_t>(hi - lo);
    if (ranges_[a].right < before[c].right) {
      ++a;
    } else {
      ++c;
    }
  }
  return sacked_bytes_ - common;
}

void SackScoreboard::AdvanceTo(Seq snd_una) {
  if (count_ == 0) return;
  Retain(snd_una, highest_sacked() - snd_una);
}

bool SackScoreboard::IsLost(Seq seq, uint32_t smss, int dup_thresh) const {
  smss = std::max<uint32_t>(smss, 1);
  uint64_t bytes = 0;
  uint64_t segments = 0;
  if (LostBy(bytes, segments, smss, dup_thresh)) return true;
  for (int i = count_ - 1; i >= 0; --i) {
    // Bytes b with b - seq in [1, 2^31): "b > seq".
    const Piece p = Clip(ranges_[i].left, ranges_[i].right, seq, 1, kTwo31);
    if (p.empty()) continue;
    bytes += p.size();
    segments += Segments(p.size(), smss);
    if (LostBy(bytes, segments, smss, dup_thresh)) return true;
  }
  return false;
}

uint32_t SackScoreboard::UnsackedIn(Seq lo, uint32_t len) const {
  uint64_t n = len;
  for (int i = 0; i < count_; ++i) {
    n -= Clip(ranges_[i].left, ranges_[i].right, lo, 0, len).size();
  }
  return static_cast<uint32_t>(n);
}

uint32_t SackScoreboard::Pipe(Seq snd_una, Seq snd_max, Seq high_rxt,
                              uint32_t smss, int dup_thresh) const {
  const int32_t window = snd_max - snd_una;
  if (window <= 0) return 0;
  smss = std::max<uint32_t>(smss, 1);

  // An unSACKed byte b lies in a gap below some suffix of the ranges, all
  // of which is above it; IsLost(b) holds iff that suffix passes LostBy.
  // Going down from the highest range, the first range k whose suffix
  // passes gives the boundary: unSACKed bytes below ranges_[k].left are
  // lost, those above it (above only suffixes k+1.. ) are not.
  uint32_t lost_below = 0;  // offset from snd_una
  if (LostBy(0, 0, smss, dup_thresh)) {
    lost_below = static_cast<uint32_t>(window);
  } else {
    uint64_t bytes = 0;
    uint64_t segments = 0;
    for (int i = count_ - 1; i >= 0; --i) {
      const uint64_t n =
          static_cast<uint32_t>(ranges_[i].right - ranges_[i].left);
      bytes += n;
      segments += Segments(n, smss);
      if (LostBy(bytes, segments, smss, dup_thresh)) {
        lost_below = ClampedOffset(ranges_[i].left, snd_una, window);
        break;
      }
    }
  }
  const uint32_t rxt_end = ClampedOffset(high_rxt, snd_una, window);

  // (a) unSACKed and not lost: [lost_below, window); (b) unSACKed and
  // retransmitted: [0, rxt_end).
  return UnsackedIn(snd_una + lost_below,
                    static_cast<uint32_t>(window) - lost_below) +
         UnsackedIn(snd_una, rxt_end);
}

SackScoreboard::Hole SackScoreboard::NextHole(Seq from) const {
  Seq seq = from;
  for (int i = 0; i < count_; ++i) {
    if (seq < ranges_[i].left) {
      return {seq, static_cast<uint32_t>(ranges_[i].left - seq)};
    }
    if (seq < ranges_[i].right) seq = ranges_[i].right;
  }
  return {from, 0};
}

bool SackScoreboard::IsSacked(Seq seq) const {
  for (int i = 0; i < count_; ++i) {
    if (seq.InRange(ranges_[i].left, ranges_[i].right)) return true;
  }
  return false;
}

uint32_t SackScoreboard::SackedBytesAbove(Seq seq) const {
  uint64_t n = 0;
  for (int i = 0; i < count_; ++i) {
    // Bytes b with b - seq in [0, 2^31): "b >= seq".
    n += Clip(ranges_[i].left, ranges_[i].right, seq, 0, kTwo31).size();
  }
  return static_cast<uint32_t>(n);
}

Seq SackScoreboard::highest_sacked() const {
  return count_ == 0 ? Seq() : ranges_[count_ - 1].right;
}

}  // namespace tcplab::tcp
