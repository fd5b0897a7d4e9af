#ifndef TCPLAB_TCP_SACK_SCOREBOARD_H_
#define TCPLAB_TCP_SACK_SCOREBOARD_H_

// The sender's SACK scoreboard of RFC 6675: which ranges above SND.UNA the
// peer has reported holding (RFC 2018 blocks), and the queries that
// RFC 6675's loss recovery asks of it (IsLost, SetPipe, NextSeg's holes).
//
// Ranges are held sorted and merged, inline (no allocation), at most
// kMaxRanges; when a new block would need more, the highest ranges are
// forgotten (the sender then retransmits a little more than needed, never
// less). Every query is O(number of ranges), independent of the bytes in
// flight, so a window of thousands of segments costs no more per ACK.
//
// Sequence numbers compare modulo 2^32 (wire::Seq). After Update every range
// lies inside (snd_una, snd_max), a span under 2^31, so ranges compare
// consistently among themselves. Queries given positions far (2^31 or more)
// from the held ranges still return something bounded and never fail.

#include <array>
#include <cstdint>

#include "absl/types/span.h"
#include "tcp/wire/seq.h"
#include "tcp/wire/tcp_options.h"

namespace tcplab::tcp {

class SackScoreboard {
 public:
  static constexpr int kMaxRanges = 128;

  struct Range {
    wire::Seq left;   // first SACKed byte
    wire::Seq right;  // one past the last SACKed byte
  };

  // Forgets everything (a RTO, RFC 6675 §5.1: "the scoreboard MAY be
  // cleared"; we keep it unless told).
  void Clear();

  // Records the blocks of one ACK. `snd_una` is SEG.ACK after this ACK was
  // processed; `snd_max` one past the highest sequence number sent
  // (SND.MAX). Only bytes b with snd_una < b < snd_max can be SACKed: parts
  // of blocks at or below snd_una (the cumulative ACK says the receiver
  // lacks byte snd_una itself) or at or beyond snd_max are ignored, as are
  // malformed blocks (right - left not in [1, 2^31)) (RFC 2018 §8: a
  // block is advisory; a bogus one must not hurt us). Held ranges are
  // trimmed the same way (at or below snd_una: discarded). A window
  // snd_max - snd_una that is not in [2, 2^31) clears the scoreboard (no
  // byte can be SACKed in it). Returns how many bytes are SACKed after
  // this call that were not before it (0: the ACK brought no new SACK
  // information; bytes forgotten on overflow do not count).
  uint32_t Update(wire::Seq snd_una, wire::Seq snd_max,
                  absl::Span<const wire::SackBlock> blocks);

  // Only discards what SND.UNA has passed (an ACK without SACK blocks):
  // ranges ending at or below snd_una go, one containing it is trimmed to
  // start at snd_una + 1.
  void AdvanceTo(wire::Seq snd_una);

  // RFC 6675 §4 IsLost(seq): DupThresh discontiguous SACKed segments of up
  // to `smss` bytes lie strictly above `seq`, or more than
  // (DupThresh - 1) * smss SACKed bytes do. A range of n bytes (the part of
  // it above seq) counts as ceil(n / smss) segments. (Counted so, the byte
  // rule never decides alone; it is kept as the RFC states it.) smss 0 is
  // taken as 1; dup_thresh <= 0 makes everything lost.
  bool IsLost(wire::Seq seq, uint32_t smss, int dup_thresh) const;

  // RFC 6675 §4 SetPipe, in bytes, over [snd_una, snd_max): each byte b
  // not SACKed counts once unless IsLost(b) (judged per byte, with the same
  // rule: SACKed data above b), and once more if b < `high_rxt`. Unlike the
  // RFC's HighRxt (the highest retransmitted sequence number), `high_rxt`
  // is one past the highest byte retransmitted in this recovery; pass
  // snd_una when nothing was (values outside [snd_una, snd_max] are
  // clamped). `smss`, `dup_thresh` as for IsLost. IsLost only grows as b
  // decreases, so this finds the boundary below which unSACKed bytes are
  // lost and counts unSACKed bytes in two spans, in O(ranges). It equals
  // the per-byte definition whenever the ranges and [snd_una, snd_max) lie
  // within 2^31 of one another (e.g. snd_una at or past the one last given
  // to Update/AdvanceTo, snd_max at or past the last Update's).
  uint32_t Pipe(wire::Seq snd_una, wire::Seq snd_max, wire::Seq high_rxt,
                uint32_t smss, int dup_thresh) const;

  // The first byte at or after `from` that is not SACKed and lies below
  // the highest SACKed byte, with the length of the hole it starts (up to
  // the next SACKed range); {from, 0} when there is none. Walk the holes
  // with from = hole.seq + hole.len.
  struct Hole {
    wire::Seq seq;
    uint32_t len = 0;  // 0: no hole at or after `from`
  };
  Hole NextHole(wire::Seq from) const;

  // Whether [seq, seq+1) is SACKed.
  bool IsSacked(wire::Seq seq) const;
  // SACKed bytes at or above `seq`.
  uint32_t SackedBytesAbove(wire::Seq seq) const;
  // Total SACKed bytes held.
  uint32_t sacked_bytes() const { return sacked_bytes_; }
  // One past the highest SACKed byte (meaningful when !empty()).
  wire::Seq highest_sacked() const;

  bool empty() const { return count_ == 0; }
  int count() const { return count_; }
  const Range& range(int i) const { return ranges_[i]; }

 private:
  // Keeps only the parts of ranges at offsets [1, window) from `base`
  // (clears when window <= 1), then recounts.
  void Retain(wire::Seq base, int32_t window);
  // Adds [left, right) (left < right, inside the current window), merging
  // overlapping and adjacent ranges; on overflow forgets the highest.
  void Insert(wire::Seq left, wire::Seq right);
  void Recount();
  // Bytes in [lo, lo + len) not SACKed (len <= 2^31).
  uint32_t UnsackedIn(wire::Seq lo, uint32_t len) const;

  std::array<Range, kMaxRanges> ranges_{};
  int count_ = 0;
  uint32_t sacked_bytes_ = 0;
  // Update's copy of the ranges before the blocks: a member, as a local
  // array would be zeroed whole (~1 KiB) on every ACK carrying SACK.
  std::array<Range, kMaxRanges> before_{};
};

}  // namespace tcplab::tcp

#endif  // TCPLAB_TCP_SACK_SCOREBOARD_H_
