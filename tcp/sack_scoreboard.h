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

#include <array>
#include <cstdint>

#include "absl/types/span.h"
#include "tcp/wire/seq.h"
#include "tcp/wire/tcp_options.h"

namespace tcplab::tcp {

class SackScoreboard {
 public:
  static constexpr int kMaxRanges = 64;

  struct Range {
    wire::Seq left;   // first SACKed byte
    wire::Seq right;  // one past the last SACKed byte
  };

  // Forgets everything (a RTO, RFC 6675 §5.1: "the scoreboard MAY be
  // cleared"; we keep it unless told).
  void Clear();

  // Records the blocks of one ACK. `snd_una` is SEG.ACK after this ACK was
  // processed; `snd_max` the highest sequence number sent. Parts of blocks
  // at or below snd_una or beyond snd_max are ignored (RFC 2018 §8: a
  // block is advisory; a bogus one must not hurt us). Ranges at or below
  // snd_una are discarded. Returns how many bytes became SACKed by this
  // call (0: the ACK brought no new SACK information).
  uint32_t Update(wire::Seq snd_una, wire::Seq snd_max,
                  absl::Span<const wire::SackBlock> blocks);

  // Only discards what SND.UNA has passed (an ACK without SACK blocks).
  void AdvanceTo(wire::Seq snd_una);

  // RFC 6675 §4 IsLost(seq): DupThresh discontiguous SACKed segments of up
  // to `smss` bytes lie above `seq`, or more than (DupThresh - 1) * smss
  // SACKed bytes do. A range of n bytes counts as ceil(n / smss) segments.
  bool IsLost(wire::Seq seq, uint32_t smss, int dup_thresh) const;

  // RFC 6675 §4 SetPipe, in bytes, over [snd_una, snd_max): each byte not
  // SACKed counts once unless IsLost (judged per byte, with the same rule),
  // and once more if it is at or below `high_rxt` (retransmitted in this
  // recovery; pass snd_una when nothing was). `smss`, `dup_thresh` as for
  // IsLost.
  uint32_t Pipe(wire::Seq snd_una, wire::Seq snd_max, wire::Seq high_rxt,
                uint32_t smss, int dup_thresh) const;

  // The first byte at or after `from` that is not SACKed and lies below
  // the highest SACKed byte, with the length of the hole it starts (up to
  // the next SACKed range); nullopt-like {from, 0} when there is none.
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
  std::array<Range, kMaxRanges> ranges_{};
  int count_ = 0;
  uint32_t sacked_bytes_ = 0;
};

}  // namespace tcplab::tcp

#endif  // TCPLAB_TCP_SACK_SCOREBOARD_H_
