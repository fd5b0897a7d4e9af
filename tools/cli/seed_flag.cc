#include "tools/cli/seed_flag.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace tcplab::cli {

bool ParseSeedFlag(const std::string& text, std::optional<uint64_t>* seed) {
  *seed = std::nullopt;
  if (text.empty()) return true;
  uint64_t v = 0;
  const bool ok = absl::StartsWith(text, "0x") ? absl::SimpleHexAtoi(text.substr(2), &v)
                                               : absl::SimpleAtoi(text, &v);
  if (ok) *seed = v;
  return ok;
}

}  // namespace tcplab::cli
