#ifndef TCPLAB_TCP_REASSEMBLY_H_
#define TCPLAB_TCP_REASSEMBLY_H_

// Bookkeeping of out-of-order data: which sequence ranges beyond RCV.NXT
// have arrived. The bytes themselves live in the receive ByteRing at their
// final offsets; this class only records ranges, merged and sorted, held
// inline (no allocation), bounded in count and in bytes.

#include <array>
#include <cstddef>
#include <cstdint>

#include "tcp/wire/seq.h"

namespace tcplab::tcp {

class Reassembly {
 public:
  static constexpr int kMaxRanges = 128;

  struct Range {
    wire::Seq left;   // first byte
    wire::Seq right;  // one past the last byte
  };

  // Records [left, right). Overlaps with held ranges merge. Refused (returns
  // false, nothing changes) when the result would hold more than
  // `byte_limit` bytes or more than kMaxRanges ranges.
  bool Insert(wire::Seq left, wire::Seq right, size_t byte_limit);

  // If the first range starts at or before `rcv_nxt`, removes it and
  // returns how far it reaches past rcv_nxt; otherwise 0.
  uint32_t PopContiguous(wire::Seq rcv_nxt);

  // Drops ranges (or their parts) before `rcv_nxt`: data now delivered in order.
  void DiscardBefore(wire::Seq rcv_nxt);

  size_t bytes() const { return bytes_; }
  int count() const { return count_; }
  const Range& range(int i) const { return ranges_[i]; }
  void Clear() { count_ = 0; bytes_ = 0; }

 private:
  std::array<Range, kMaxRanges> ranges_{};
  int count_ = 0;
  size_t bytes_ = 0;
};

}  // namespace tcplab::tcp

#endif  // TCPLAB_TCP_REASSEMBLY_H_
