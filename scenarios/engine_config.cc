#include "scenarios/engine_config.h"

#include <cstdint>

namespace tcplab::scenario {

absl::Status ApplyStackKeys(const StackConfig& keys, tcp::StackConfig* engine,
                            std::vector<std::string>* unimplemented) {
  tcp::StackConfig& e = *engine;
  if (keys.mss) {
    // The parser bounds it by 65535; 0 would mean no segment could carry data.
    if (*keys.mss == 0) return absl::InvalidArgumentError("mss 0: segments could carry no data");
    e.mss = static_cast<uint16_t>(*keys.mss);
  }
  if (keys.send_buffer) e.send_buffer_bytes = *keys.send_buffer;
  if (keys.recv_buffer) e.recv_buffer_bytes = *keys.recv_buffer;
  if (keys.rto_initial) e.rto_initial = *keys.rto_initial;
  if (keys.rto_min) e.rto_min = *keys.rto_min;
  if (keys.rto_max) e.rto_max = *keys.rto_max;
  if (keys.msl) e.msl = *keys.msl;
  if (keys.persist_min) e.persist_min = *keys.persist_min;
  if (keys.persist_max) e.persist_max = *keys.persist_max;
  if (keys.syn_retries) e.syn_retries = static_cast<int>(*keys.syn_retries);
  if (keys.data_retries) e.data_retries = static_cast<int>(*keys.data_retries);
  if (keys.fin_retries) e.fin_retries = static_cast<int>(*keys.fin_retries);
  if (keys.isn_secret) e.isn_secret = {*keys.isn_secret, ~*keys.isn_secret};

  if (keys.congestion && *keys.congestion != CongestionControl::kNone) {
    unimplemented->push_back("congestion");
  }
  const std::pair<const char*, const std::optional<bool>*> switches[] = {
      {"sack", &keys.sack},           {"timestamps", &keys.timestamps},
      {"window_scale", &keys.window_scale}, {"delayed_ack", &keys.delayed_ack},
      {"nagle", &keys.nagle},         {"keepalive", &keys.keepalive},
  };
  for (const auto& [name, value] : switches) {
    if (value->value_or(false)) unimplemented->push_back(name);
  }
  return absl::OkStatus();
}

}  // namespace tcplab::scenario
