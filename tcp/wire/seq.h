#ifndef TCPLAB_TCP_WIRE_SEQ_H_
#define TCPLAB_TCP_WIRE_SEQ_H_

// A TCP sequence number: 32-bit, compared modulo 2^32 (RFC 9293 §3.4).
//
// No code in tcplab compares raw uint32_t sequence numbers; it compares Seq
// values, whose operators do the wrap-around arithmetic. a < b means "a is
// before b" when the two are less than 2^31 apart, which TCP's windows
// guarantee.

#include <cstdint>
#include <ostream>

namespace tcplab::wire {

class Seq {
 public:
  constexpr Seq() = default;
  constexpr explicit Seq(uint32_t raw) : raw_(raw) {}

  constexpr uint32_t raw() const { return raw_; }

  constexpr Seq operator+(uint32_t n) const { return Seq(raw_ + n); }
  constexpr Seq operator-(uint32_t n) const { return Seq(raw_ - n); }
  constexpr Seq& operator+=(uint32_t n) { raw_ += n; return *this; }
  constexpr Seq& operator-=(uint32_t n) { raw_ -= n; return *this; }

  // Signed distance a - b, for sequence numbers less than 2^31 apart.
  friend constexpr int32_t operator-(Seq a, Seq b) {
    return static_cast<int32_t>(a.raw_ - b.raw_);
  }

  friend constexpr bool operator==(Seq a, Seq b) { return a.raw_ == b.raw_; }
  friend constexpr bool operator!=(Seq a, Seq b) { return a.raw_ != b.raw_; }
  friend constexpr bool operator<(Seq a, Seq b) { return (a - b) < 0; }
  friend constexpr bool operator<=(Seq a, Seq b) { return (a - b) <= 0; }
  friend constexpr bool operator>(Seq a, Seq b) { return (a - b) > 0; }
  friend constexpr bool operator>=(Seq a, Seq b) { return (a - b) >= 0; }

  // lo <= this < hi, for the half-open window [lo, hi).
  constexpr bool InRange(Seq lo, Seq hi) const { return lo <= *this && *this < hi; }

 private:
  uint32_t raw_ = 0;
};

constexpr Seq Max(Seq a, Seq b) { return a < b ? b : a; }
constexpr Seq Min(Seq a, Seq b) { return a < b ? a : b; }

inline std::ostream& operator<<(std::ostream& os, Seq s) { return os << s.raw(); }

}  // namespace tcplab::wire

#endif  // TCPLAB_TCP_WIRE_SEQ_H_
