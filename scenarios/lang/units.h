#ifndef TCPLAB_SCENARIOS_LANG_UNITS_H_
#define TCPLAB_SCENARIOS_LANG_UNITS_H_

// Quantities with units, as written in scenario files and on the command
// line. Every parser is exact (decimal text, integer arithmetic: "1.5ms" is
// exactly 1500000ns), total (any input gives a value or an error, never UB)
// and strict (no spaces, no sign, the unit is required and case-sensitive).
//
// Errors are absl::InvalidArgumentError whose message says what was expected
// and what was found, e.g.  expected a duration like 10ms, got "10"
// so that callers can prefix a position ("bulk.scn:7:12: ").
//
// The *ToString functions print the exact value in the largest unit that
// divides it; Parse(Format(x)) == x.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace tcplab::scenario {

// Durations: <decimal><unit>, unit one of ns, us, ms, s, min, h.
// Non-negative, at most ~292 years, a whole number of nanoseconds.
absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text);
std::string DurationToString(absl::Duration d);

// Sizes in bytes: <decimal><unit>, unit one of B, KB, MB, GB, TB (powers of
// 1000) or KiB, MiB, GiB, TiB (powers of 1024). A whole number of bytes,
// at most 2^62.
absl::StatusOr<uint64_t> ParseSize(absl::string_view text);
std::string SizeToString(uint64_t bytes);

// Rates, stored in bits per second: <decimal><unit>, unit one of bit/s,
// kbit/s, Mbit/s, Gbit/s (powers of 1000 bits) or the byte forms B/s, KB/s,
// MB/s, GB/s, KiB/s, MiB/s, GiB/s (8 bits per byte). A whole number of
// bits per second, at most 2^62.
absl::StatusOr<uint64_t> ParseRate(absl::string_view text);
// Prints with the bit units: RateToString(ParseRate("1KB/s")) is "8kbit/s".
std::string RateToString(uint64_t bits_per_second);

// A percentage, 0% to 100%, with up to 7 decimals (exact in parts per
// billion of one: 1% is 10'000'000).
struct Percent {
  static constexpr uint32_t kOne = 1'000'000'000;  // 100%
  uint32_t ppb = 0;

  double fraction() const { return ppb / static_cast<double>(kOne); }
  friend bool operator==(Percent, Percent) = default;
};
absl::StatusOr<Percent> ParsePercent(absl::string_view text);
std::string PercentToString(Percent p);

// Plain non-negative decimal integer (no unit, no sign, no leading '+'),
// at most `max`. Also accepts 0x-prefixed hex when `allow_hex`.
absl::StatusOr<uint64_t> ParseUnsigned(absl::string_view text, uint64_t max,
                                       absl::string_view what,
                                       bool allow_hex = false);

// `text` quoted for an error message: "got \"...\"", with control and
// non-ASCII bytes escaped and long text cut to 40 characters + "...".
std::string Quote(absl::string_view text);

}  // namespace tcplab::scenario

#endif  // TCPLAB_SCENARIOS_LANG_UNITS_H_
