#ifndef TCPLAB_TCP_WIRE_IPV4_ADDRESS_H_
#define TCPLAB_TCP_WIRE_IPV4_ADDRESS_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tcplab::wire {

// An IPv4 address as a value; value() is in host byte order (10.0.0.1 is
// 0x0a000001).
class Ipv4Address {
 public:
  constexpr Ipv4Address() = default;
  constexpr explicit Ipv4Address(uint32_t host_order) : value_(host_order) {}
  constexpr Ipv4Address(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
      : value_(uint32_t{a} << 24 | uint32_t{b} << 16 | uint32_t{c} << 8 | d) {}

  // Dotted quad, strictly: four decimal parts 0..255, no leading '+',
  // no surrounding space. The error says what was wrong.
  static absl::StatusOr<Ipv4Address> Parse(absl::string_view text);

  constexpr uint32_t value() const { return value_; }
  std::string ToString() const;

  friend constexpr bool operator==(Ipv4Address a, Ipv4Address b) { return a.value_ == b.value_; }
  friend constexpr bool operator!=(Ipv4Address a, Ipv4Address b) { return a.value_ != b.value_; }
  friend constexpr bool operator<(Ipv4Address a, Ipv4Address b) { return a.value_ < b.value_; }

  template <typename H>
  friend H AbslHashValue(H h, Ipv4Address a) {
    return H::combine(std::move(h), a.value_);
  }

 private:
  uint32_t value_ = 0;
};

inline std::ostream& operator<<(std::ostream& os, Ipv4Address a) {
  return os << a.ToString();
}

}  // namespace tcplab::wire

#endif  // TCPLAB_TCP_WIRE_IPV4_ADDRESS_H_
