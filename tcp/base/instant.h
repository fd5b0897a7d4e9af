#ifndef TCPLAB_TCP_BASE_INSTANT_H_
#define TCPLAB_TCP_BASE_INSTANT_H_

// A point in time, in nanoseconds since the start of a run.
//
// The engine never reads a clock: whoever drives it (the simulator's virtual
// clock, or a live driver's monotonic clock) passes Instants in. Durations
// are absl::Duration so that they format and convert without hand-written
// arithmetic; an Instant itself is a plain int64 so that comparisons on the
// hot path cost nothing.

#include <cstdint>
#include <limits>
#include <string>

#include "absl/time/time.h"

namespace tcplab {

class Instant {
 public:
  constexpr Instant() = default;

  static constexpr Instant FromNanos(int64_t ns) { return Instant(ns); }
  static constexpr Instant Zero() { return Instant(0); }
  // "Never": used for timers that are off.
  static constexpr Instant Infinite() {
    return Instant(std::numeric_limits<int64_t>::max());
  }

  constexpr int64_t nanos() const { return ns_; }
  constexpr bool is_infinite() const { return *this == Infinite(); }
  // Time since the start of the run.
  absl::Duration since_start() const { return absl::Nanoseconds(ns_); }

  // Saturates at Infinite(): Infinite() + d stays Infinite().
  Instant operator+(absl::Duration d) const;
  Instant operator-(absl::Duration d) const { return *this + (-d); }
  Instant& operator+=(absl::Duration d) { return *this = *this + d; }
  absl::Duration operator-(Instant other) const {
    return absl::Nanoseconds(ns_ - other.ns_);
  }

  friend constexpr bool operator==(Instant a, Instant b) { return a.ns_ == b.ns_; }
  friend constexpr bool operator!=(Instant a, Instant b) { return a.ns_ != b.ns_; }
  friend constexpr bool operator<(Instant a, Instant b) { return a.ns_ < b.ns_; }
  friend constexpr bool operator<=(Instant a, Instant b) { return a.ns_ <= b.ns_; }
  friend constexpr bool operator>(Instant a, Instant b) { return a.ns_ > b.ns_; }
  friend constexpr bool operator>=(Instant a, Instant b) { return a.ns_ >= b.ns_; }

  // "12.345678901s" (seconds with nanoseconds), or "never".
  std::string ToString() const;

 private:
  constexpr explicit Instant(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

// The earlier of two instants; handy when merging timer deadlines.
constexpr Instant Earliest(Instant a, Instant b) { return a < b ? a : b; }

}  // namespace tcplab

#endif  // TCPLAB_TCP_BASE_INSTANT_H_
