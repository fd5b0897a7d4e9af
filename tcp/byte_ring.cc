#include "tcp/byte_ring.h"

#include <algorithm>
#include <cstring>

namespace tcplab::tcp {

ByteRing::ByteRing(size_t capacity)
    : data_(new uint8_t[capacity > 0 ? capacity : 1]), capacity_(capacity) {}

size_t ByteRing::Append(absl::Span<const uint8_t> bytes) {
  size_t n = std::min(bytes.size(), free());
  WriteAt(size_, bytes.first(n));
  size_ += n;
  return n;
}

void ByteRing::WriteAt(size_t offset, absl::Span<const uint8_t> bytes) {
  if (bytes.empty()) return;
  size_t start = Index(offset);
  size_t first = std::min(bytes.size(), capacity_ - start);
  std::memcpy(data_.get() + start, bytes.data(), first);
  if (first < bytes.size()) {
    std::memcpy(data_.get(), bytes.data() + first, bytes.size() - first);
  }
}

void ByteRing::Extend(size_t n) { size_ += n; }

void ByteRing::CopyOut(size_t offset, absl::Span<uint8_t> out) const {
  if (out.empty()) return;
  size_t start = Index(offset);
  size_t first = std::min(out.size(), capacity_ - start);
  std::memcpy(out.data(), data_.get() + start, first);
  if (first < out.size()) {
    std::memcpy(out.data() + first, data_.get(), out.size() - first);
  }
}

void ByteRing::Consume(size_t n) {
  n = std::min(n, size_);
  head_ = Index(n);
  size_ -= n;
  // head_ is not rewound when the ring empties: bytes parked past the end
  // (WriteAt) must keep their positions.
}

}  // namespace tcplab::tcp
