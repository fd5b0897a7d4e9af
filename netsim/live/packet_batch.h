#ifndef TCPLAB_NETSIM_LIVE_PACKET_BATCH_H_
#define TCPLAB_NETSIM_LIVE_PACKET_BATCH_H_

// Fixed slots of packet buffers for batched reads and writes (recvmmsg /
// sendmmsg): allocated once, so the live path allocates nothing per packet.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"

namespace tcplab::live {

class PacketBatch {
 public:
  PacketBatch(int slots, size_t slot_bytes)
      : slot_bytes_(slot_bytes), storage_(slots * slot_bytes), lengths_(slots, 0) {}

  int capacity() const { return static_cast<int>(lengths_.size()); }
  size_t slot_bytes() const { return slot_bytes_; }
  uint8_t* slot(int i) { return storage_.data() + i * slot_bytes_; }
  size_t length(int i) const { return lengths_[i]; }
  void set_length(int i, size_t n) { lengths_[i] = n; }
  absl::Span<const uint8_t> packet(int i) const {
    return absl::MakeConstSpan(storage_.data() + i * slot_bytes_, lengths_[i]);
  }

  // The queue view used for writes: slots [head, count) are waiting.
  int count() const { return count_; }
  int head() const { return head_; }
  bool full() const { return count_ == capacity(); }
  bool empty() const { return head_ == count_; }
  // Copies `p` into the next free slot; false if it does not fit a slot.
  bool Push(absl::Span<const uint8_t> p);
  void Consume(int n) {
    head_ += n;
    if (head_ == count_) head_ = count_ = 0;
  }
  // Moves the waiting slots to the front, so that Push has room again.
  void Compact();

 private:
  size_t slot_bytes_;
  std::vector<uint8_t> storage_;
  std::vector<size_t> lengths_;
  int head_ = 0;
  int count_ = 0;
};

}  // namespace tcplab::live

#endif  // TCPLAB_NETSIM_LIVE_PACKET_BATCH_H_
