#include "tcp/reassembly.h"

#include <algorithm>

namespace tcplab::tcp {

using wire::Seq;

bool Reassembly::Insert(Seq left, Seq right, size_t byte_limit) {
  if (!(left < right)) return true;
  // Held ranges are sorted and neither overlap nor touch, so the ones the
  // new range merges with form one run, [first, last): merged in place,
  // where a scratch copy of all kMaxRanges slots was zeroed and copied
  // back on every out-of-order segment.
  int first = 0;
  while (first < count_ && ranges_[first].right < left) ++first;
  Range cur{left, right};
  int last = first;
  while (last < count_ && !(cur.right < ranges_[last].left)) {
    cur.left = wire::Min(cur.left, ranges_[last].left);
    cur.right = wire::Max(cur.right, ranges_[last].right);
    ++last;
  }
  const int n = count_ - (last - first) + 1;
  if (n > kMaxRanges) return false;
  size_t total = static_cast<uint32_t>(cur.right - cur.left);
  for (int i = 0; i < count_; ++i) {
    if (i < first || i >= last) total += static_cast<uint32_t>(ranges_[i].right - ranges_[i].left);
  }
  if (total > byte_limit) return false;
  if (last - first != 1) {  // the tail moves by one slot left or right, or more left
    const auto tail = ranges_.begin() + last;
    const auto end = ranges_.begin() + count_;
    if (last == first) {
      std::copy_backward(tail, end, end + 1);
    } else {
      std::copy(tail, end, ranges_.begin() + first + 1);
    }
  }
  ranges_[first] = cur;
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
