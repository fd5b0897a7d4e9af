#include "scenarios/lang/units.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace tcplab::scenario {
namespace {

using u128 = unsigned __int128;

// More significant digits than this are refused, which keeps every product
// below within 128 bits (10^24 * 3.6e12 < 2^127).
constexpr int kMaxDigits = 24;
// Nor more fraction digits than this, leading zeros included ("0.000...1"):
// 10^38 still fits in 128 bits, and a number with more fraction digits is
// below 10^-38 and cannot make a whole count of any unit (every product
// stays below 10^37).
constexpr int kMaxScale = 38;

struct Decimal {
  u128 mantissa = 0;  // all digits, the fraction's included
  int scale = 0;      // number of fraction digits in the mantissa
  absl::string_view unit;
};

// Splits "<digits>[.<digits>]<unit>". False when there is no digit before
// the unit or too many significant digits.
bool SplitDecimal(absl::string_view text, Decimal* out) {
  size_t i = 0;
  int digits = 0;
  bool any = false;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    any = true;
    if (out->mantissa != 0 || text[i] != '0') {
      if (++digits > kMaxDigits) return false;
      out->mantissa = out->mantissa * 10 + (text[i] - '0');
    }
    ++i;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    bool frac_any = false;
    // Trailing zeros of the fraction do not count against the limit.
    size_t end = i;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    size_t last = end;
    while (last > i && text[last - 1] == '0') --last;
    for (size_t j = i; j < end; ++j) frac_any = true;
    for (size_t j = i; j < last; ++j) {
      if (out->mantissa != 0 || text[j] != '0') ++digits;
      if (digits > kMaxDigits) return false;
      out->mantissa = out->mantissa * 10 + (text[j] - '0');
      if (++out->scale > kMaxScale) return false;
    }
    if (!frac_any) return false;  // "1." or ".5" are not numbers here
    i = end;
  }
  if (!any) return false;
  out->unit = text.substr(i);
  return true;
}

u128 Pow10(int n) {
  u128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

struct Unit {
  absl::string_view name;
  uint64_t factor;
};

// Applies `unit`'s factor; false if the result is not whole or above `max`.
bool Scale(const Decimal& d, uint64_t factor, uint64_t max, uint64_t* out) {
  u128 v = d.mantissa * factor;
  u128 div = Pow10(d.scale);
  if (v % div != 0) return false;
  v /= div;
  if (v > max) return false;
  *out = static_cast<uint64_t>(v);
  return true;
}

template <size_t N>
absl::StatusOr<uint64_t> ParseWithUnits(absl::string_view text,
                                        const Unit (&units)[N], uint64_t max,
                                        absl::string_view expected) {
  Decimal d;
  if (SplitDecimal(text, &d)) {
    for (const Unit& u : units) {
      if (d.unit != u.name) continue;
      uint64_t value = 0;
      if (Scale(d, u.factor, max, &value)) return value;
      break;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("expected ", expected, ", got ", Quote(text)));
}

template <size_t N>
std::string FormatWithUnits(uint64_t value, const Unit (&units)[N]) {
  // units[] is ordered largest first; the last factor is 1.
  for (const Unit& u : units) {
    if (value != 0 && value % u.factor == 0) {
      return absl::StrCat(value / u.factor, u.name);
    }
  }
  return absl::StrCat(value, units[N - 1].name);
}

constexpr uint64_t kMaxDurationNs = static_cast<uint64_t>(INT64_MAX);
constexpr uint64_t kMaxBytes = uint64_t{1} << 62;

constexpr Unit kDurationUnits[] = {
    {"h", 3'600'000'000'000}, {"min", 60'000'000'000}, {"s", 1'000'000'000},
    {"ms", 1'000'000},        {"us", 1'000},           {"ns", 1},
};

constexpr Unit kSizeParseUnits[] = {
    {"TiB", uint64_t{1} << 40}, {"TB", 1'000'000'000'000}, {"GiB", 1 << 30},
    {"GB", 1'000'000'000},      {"MiB", 1 << 20},          {"MB", 1'000'000},
    {"KiB", 1 << 10},           {"KB", 1'000},             {"B", 1},
};
// Printing prefers the decimal units (people write 10MB more often), then
// binary ones.
constexpr Unit kSizeFormatUnits[] = {
    {"TB", 1'000'000'000'000}, {"TiB", uint64_t{1} << 40}, {"GB", 1'000'000'000},
    {"GiB", 1 << 30},          {"MB", 1'000'000},          {"MiB", 1 << 20},
    {"KB", 1'000},             {"KiB", 1 << 10},           {"B", 1},
};

constexpr Unit kRateParseUnits[] = {
    {"Gbit/s", 1'000'000'000}, {"Mbit/s", 1'000'000},
    {"kbit/s", 1'000},         {"bit/s", 1},
    {"GiB/s", uint64_t{8} << 30}, {"GB/s", 8'000'000'000},
    {"MiB/s", 8 << 20},        {"MB/s", 8'000'000},
    {"KiB/s", 8 << 10},        {"KB/s", 8'000},
    {"B/s", 8},
};
constexpr Unit kRateFormatUnits[] = {
    {"Gbit/s", 1'000'000'000}, {"Mbit/s", 1'000'000},
    {"kbit/s", 1'000},         {"bit/s", 1},
};

}  // namespace

std::string Quote(absl::string_view text) {
  constexpr size_t kMax = 40;
  bool cut = text.size() > kMax;
  if (cut) text = text.substr(0, kMax);
  return absl::StrCat("\"", absl::CHexEscape(text), cut ? "...\"" : "\"");
}

absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text) {
  auto ns = ParseWithUnits(text, kDurationUnits, kMaxDurationNs,
                           "a duration like 10ms");
  if (!ns.ok()) return ns.status();
  return absl::Nanoseconds(static_cast<int64_t>(*ns));
}

std::string DurationToString(absl::Duration d) {
  int64_t ns = absl::ToInt64Nanoseconds(d);
  if (ns < 0) return absl::StrCat(ns, "ns");  // never produced by the parser
  return FormatWithUnits(static_cast<uint64_t>(ns), kDurationUnits);
}

absl::StatusOr<uint64_t> ParseSize(absl::string_view text) {
  return ParseWithUnits(text, kSizeParseUnits, kMaxBytes,
                        "a size like 1500B, 64KiB or 10MB");
}

std::string SizeToString(uint64_t bytes) {
  return FormatWithUnits(bytes, kSizeFormatUnits);
}

absl::StatusOr<uint64_t> ParseRate(absl::string_view text) {
  return ParseWithUnits(text, kRateParseUnits, kMaxBytes,
                        "a rate like 10Mbit/s or 100KB/s");
}

std::string RateToString(uint64_t bits_per_second) {
  return FormatWithUnits(bits_per_second, kRateFormatUnits);
}

absl::StatusOr<Percent> ParsePercent(absl::string_view text) {
  static constexpr Unit kPercent[] = {{"%", Percent::kOne / 100}};
  // 10^7 ppb per percent: 7 decimals are exact, an 8th is refused by Scale.
  auto ppb = ParseWithUnits(text, kPercent, Percent::kOne,
                            "a percentage from 0% to 100% like 1.5%");
  if (!ppb.ok()) return ppb.status();
  return Percent{static_cast<uint32_t>(*ppb)};
}

std::string PercentToString(Percent p) {
  constexpr uint32_t kPerPercent = Percent::kOne / 100;
  std::string out = absl::StrCat(p.ppb / kPerPercent);
  uint32_t frac = p.ppb % kPerPercent;
  if (frac != 0) {
    std::string digits = absl::StrCat(frac + kPerPercent).substr(1);  // 7 digits
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    absl::StrAppend(&out, ".", digits);
  }
  out += "%";
  return out;
}

absl::StatusOr<uint64_t> ParseUnsigned(absl::string_view text, uint64_t max,
                                       absl::string_view what,
                                       bool allow_hex) {
  u128 v = 0;
  bool ok = !text.empty();
  if (allow_hex && text.size() > 2 && text[0] == '0' &&
      (text[1] == 'x' || text[1] == 'X')) {
    for (char c : text.substr(2)) {
      int digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        ok = false;
        break;
      }
      v = v * 16 + digit;
      if (v > max) {
        ok = false;
        break;
      }
    }
  } else {
    for (char c : text) {
      if (c < '0' || c > '9') {
        ok = false;
        break;
      }
      v = v * 10 + (c - '0');
      if (v > max) {
        ok = false;
        break;
      }
    }
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected ", what, " (0 to ", max, "), got ", Quote(text)));
  }
  return static_cast<uint64_t>(v);
}

}  // namespace tcplab::scenario
