#ifndef TCPLAB_TOOLS_CLI_SEED_FLAG_H_
#define TCPLAB_TOOLS_CLI_SEED_FLAG_H_

// --seed as `tcplab plot` and `tcplab run --report` read it: decimal or 0x
// hex; "" keeps the scenario's own (nullopt).

#include <cstdint>
#include <optional>
#include <string>

namespace tcplab::cli {

// False for text that is neither.
bool ParseSeedFlag(const std::string& text, std::optional<uint64_t>* seed);

}  // namespace tcplab::cli

#endif  // TCPLAB_TOOLS_CLI_SEED_FLAG_H_
