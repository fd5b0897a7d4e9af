#ifndef TCPLAB_SCENARIOS_ENGINE_CONFIG_H_
#define TCPLAB_SCENARIOS_ENGINE_CONFIG_H_

// The stack keys of a scenario file or packet script, applied to the
// engine's configuration: the one mapping both runners use.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "scenarios/lang/scenario.h"
#include "tcp/config.h"

namespace tcplab::scenario {

// Sets each key that `keys` gives on *engine; keys not given keep *engine's
// value. An `isn_secret` of 64 bits fills the engine's 128-bit secret as
// {s, ~s}. Keys that ask for a feature the engine does not implement yet
// (congestion other than none; sack, timestamps, window_scale, delayed_ack,
// nagle or keepalive on) are appended by name to *unimplemented, and
// otherwise ignored: each caller decides whether that is an error.
// InvalidArgument for a value the engine cannot take (mss 0).
absl::Status ApplyStackKeys(const StackConfig& keys, tcp::StackConfig* engine,
                            std::vector<std::string>* unimplemented);

}  // namespace tcplab::scenario

#endif  // TCPLAB_SCENARIOS_ENGINE_CONFIG_H_
