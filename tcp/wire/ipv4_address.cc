#include "tcp/wire/ipv4_address.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace tcplab::wire {

absl::StatusOr<Ipv4Address> Ipv4Address::Parse(absl::string_view text) {
  auto fail = [text](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid IPv4 address \"", absl::CHexEscape(text), "\": ", why));
  };
  const std::vector<absl::string_view> parts = absl::StrSplit(text, '.');
  if (parts.size() != 4) {
    return fail(absl::StrFormat("expected 4 dot-separated decimal parts, found %d", parts.size()));
  }
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    const absl::string_view part = parts[i];
    if (part.empty()) return fail(absl::StrFormat("part %d is empty", i + 1));
    for (char c : part) {
      if (c < '0' || c > '9') {
        return fail(absl::StrFormat("part %d \"%s\" is not a decimal number", i + 1,
                                    absl::CHexEscape(part)));
      }
    }
    if (part.size() > 1 && part[0] == '0') {
      return fail(absl::StrFormat("part %d \"%s\" has a leading zero", i + 1, part));
    }
    uint32_t v = 0;
    for (char c : part) {
      v = v * 10 + static_cast<uint32_t>(c - '0');
      if (v > 255) break;
    }
    if (part.size() > 3 || v > 255) {
      return fail(absl::StrFormat("part %d \"%s\" is out of range 0..255", i + 1, part));
    }
    value = value << 8 | v;
  }
  return Ipv4Address(value);
}

std::string Ipv4Address::ToString() const {
  return absl::StrFormat("%d.%d.%d.%d", value_ >> 24, (value_ >> 16) & 0xff, (value_ >> 8) & 0xff,
                         value_ & 0xff);
}

}  // namespace tcplab::wire
