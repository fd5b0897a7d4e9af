#include "netsim/live/packet_batch.h"

#include <cstring>

namespace tcplab::live {

bool PacketBatch::Push(absl::Span<const uint8_t> p) {
  if (p.size() > slot_bytes_ || full()) return false;
  std::memcpy(slot(count_), p.data(), p.size());
  lengths_[count_] = p.size();
  ++count_;
  return true;
}

void PacketBatch::Compact() {
  if (head_ == 0) return;
  for (int i = head_; i < count_; ++i) {
    std::memmove(slot(i - head_), slot(i), lengths_[i]);
    lengths_[i - head_] = lengths_[i];
  }
  count_ -= head_;
  head_ = 0;
}

}  // namespace tcplab::live
