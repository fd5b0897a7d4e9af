#include "tcp/base/instant.h"

#include "absl/strings/str_format.h"

namespace tcplab {

Instant Instant::operator+(absl::Duration d) const {
  if (is_infinite() || d == absl::InfiniteDuration()) return Infinite();
  if (d == -absl::InfiniteDuration()) return Zero();
  const int64_t delta = absl::ToInt64Nanoseconds(d);
  if (delta > 0 && ns_ > std::numeric_limits<int64_t>::max() - delta) {
    return Infinite();
  }
  return Instant(ns_ + delta);
}

std::string Instant::ToString() const {
  if (is_infinite()) return "never";
  const char* sign = ns_ < 0 ? "-" : "";
  const uint64_t mag = ns_ < 0 ? -static_cast<uint64_t>(ns_) : ns_;
  return absl::StrFormat("%s%d.%09ds", sign, mag / 1000000000,
                         mag % 1000000000);
}

}  // namespace tcplab
