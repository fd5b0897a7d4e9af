#ifndef TCPLAB_TCP_BYTE_RING_H_
#define TCPLAB_TCP_BYTE_RING_H_

// A fixed-capacity ring of bytes: the storage of send and receive buffers.
//
// The ring holds size() bytes starting at its front. Bytes may also be
// written past size() (WriteAt) and adopted later (Extend): the receive side
// parks out-of-order data there until the hole before it fills. Storage is
// allocated once, in the constructor; no other call allocates.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/types/span.h"

namespace tcplab::tcp {

class ByteRing {
 public:
  explicit ByteRing(size_t capacity);

  size_t capacity() const { return capacity_; }
  size_t size() const { return size_; }
  size_t free() const { return capacity_ - size_; }
  bool empty() const { return size_ == 0; }

  // Appends as many bytes as fit; returns how many.
  size_t Append(absl::Span<const uint8_t> bytes);
  // Writes `bytes` at `offset` from the front without changing size().
  // Requires offset + bytes.size() <= capacity().
  void WriteAt(size_t offset, absl::Span<const uint8_t> bytes);
  // Adopts n bytes already written past the end. Requires size()+n <= capacity().
  void Extend(size_t n);
  // Copies out.size() bytes starting `offset` from the front.
  // Requires offset + out.size() <= capacity().
  void CopyOut(size_t offset, absl::Span<uint8_t> out) const;
  // The n bytes starting `offset` from the front, in place, when they do
  // not wrap around the end of the storage; empty otherwise (and for n 0).
  // Valid until the next call that writes or consumes.
  absl::Span<const uint8_t> View(size_t offset, size_t n) const {
    const size_t start = Index(offset);
    if (n == 0 || n > capacity_ - start) return {};
    return absl::Span<const uint8_t>(data_.get() + start, n);
  }
  // The longest run of bytes at the front that does not wrap: all of them,
  // or those up to the end of the storage (Consume them, and Front() is
  // the rest). Valid until the next call that writes or consumes.
  absl::Span<const uint8_t> Front() const {
    const size_t n = size_ < capacity_ - head_ ? size_ : capacity_ - head_;
    return absl::Span<const uint8_t>(data_.get() + head_, n);
  }
  // Drops n bytes from the front (n <= size()).
  void Consume(size_t n);

 private:
  size_t Index(size_t offset) const {
    size_t i = head_ + offset;
    return i >= capacity_ ? i - capacity_ : i;
  }

  std::unique_ptr<uint8_t[]> data_;
  size_t capacity_;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace tcplab::tcp

#endif  // TCPLAB_TCP_BYTE_RING_H_
