#include "tcp/reassembly.h"

namespace tcplab::tcp {

using wire::Seq;

bool Reassembly::Insert(Seq left, Seq right, size_t byte_limit) {
  if (!(left < right)) return true;
  // Build the merged list in a scratch copy, then commit.
  std::array<Range, kMaxRanges> out;
  int n = 0;
  size_t total = 0;
  bool placed = false;
  Range cur{left, right};
  for (int i = 0; i < count_; ++i) {
    const Range& r = ranges_[i];
    if (r.right < cur.left) {
      out[n++] = r;
      total += static_cast<uint32_t>(r.right - r.left);
    } else if (cur.right < r.left) {
      if (!placed) {
        if (n == kMaxRanges) return false;
        out[n++] = cur;
        total += static_cast<uint32_t>(cur.right - cur.left);
        placed = true;
      }
      if (n == kMaxRanges) return false;
      out[n++] = r;
      total += static_cast<uint32_t>(r.right - r.left);
    } else {
      cur.left = wire::Min(cur.left, r.left);
      cur.right = wire::Max(cur.right, r.right);
    }
  }
  if (!placed) {
    if (n == kMaxRanges) return false;
    out[n++] = cur;
    total += static_cast<uint32_t>(cur.right - cur.left);
  }
  if (total > byte_limit) return false;
  ranges_ = out;
  count_ = n;
  bytes_ = total;
  return true;
}

uint32_t Reassembly::PopContiguous(Seq rcv_nxt) {
  DiscardBefore(rcv_nxt);
  if (count_ == 0 || ranges_[0].left != rcv_nxt) return 0;
  uint32_t n = static_cast<uint32_t>(ranges_[0].right - rcv_nxt);
  bytes_ -= n;
  for (int i = 1; i < count_; ++i) ranges_[i - 1] = ranges_[i];
  --count_;
  return n;
}

void Reassembly::DiscardBefore(Seq rcv_nxt) {
  int drop = 0;
  while (drop < count_ && ranges_[drop].right <= rcv_nxt) {
    bytes_ -= static_cast<uint32_t>(ranges_[drop].right - ranges_[drop].left);
    ++drop;
  }
  if (drop > 0) {
    for (int i = drop; i < count_; ++i) ranges_[i - drop] = ranges_[i];
    count_ -= drop;
  }
  if (count_ > 0 && ranges_[0].left < rcv_nxt) {
    bytes_ -= static_cast<uint32_t>(rcv_nxt - ranges_[0].left);
    ranges_[0].left = rcv_nxt;
  }
}

}  // namespace tcplab::tcp
