#ifndef TCPLAB_TOOLS_FUZZ_FUZZ_INPUT_H_
#define TCPLAB_TOOLS_FUZZ_FUZZ_INPUT_H_

// Reads a fuzz input as a stream of big-endian integers. Reads past the end
// yield 0, so that every input decodes to something.

#include <cstddef>
#include <cstdint>

namespace tcplab::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : p_(data), n_(size) {}
  bool done() const { return i_ >= n_; }
  uint8_t U8() { return i_ < n_ ? p_[i_++] : 0; }
  uint16_t U16() {
    const uint16_t hi = U8();
    return static_cast<uint16_t>(hi << 8 | U8());
  }
  uint32_t U32() {
    const uint32_t hi = U16();
    return hi << 16 | U16();
  }
  // U8 scaled to [0, max].
  double Fraction(double max) { return max * U8() / 255.0; }

 private:
  const uint8_t* p_;
  size_t n_;
  size_t i_ = 0;
};

}  // namespace tcplab::fuzz

#endif  // TCPLAB_TOOLS_FUZZ_FUZZ_INPUT_H_
