#include "scenarios/engine_config.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "scenarios/lang/units.h"

namespace tcplab::scenario {
namespace {

tcp::CongestionAlgorithm ToEngine(CongestionControl c) {
  switch (c) {
    case CongestionControl::kNone: return tcp::CongestionAlgorithm::kNone;
    // The engine's Reno is NewReno (RFC 6582): the same slow start,
    // congestion avoidance and fast retransmit, with partial ACKs handled.
    case CongestionControl::kReno:
    case CongestionControl::kNewReno: return tcp::CongestionAlgorithm::kNewReno;
    case CongestionControl::kCubic: return tcp::CongestionAlgorithm::kCubic;
  }
  return tcp::CongestionAlgorithm::kCubic;
}

absl::Status Check(const StackConfig& keys) {
  // The parser bounds mss by 65535; 0 would mean no segment could carry data.
  if (keys.mss && *keys.mss == 0) {
    return absl::InvalidArgumentError("mss 0: segments could carry no data");
  }
  if (keys.delayed_ack_timeout &&
      (*keys.delayed_ack_timeout <= absl::ZeroDuration() ||
       *keys.delayed_ack_timeout > kMaxDelayedAckTimeout)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "delayed_ack ", DurationToString(*keys.delayed_ack_timeout),
        ": the timeout must be above 0 and at most ", DurationToString(kMaxDelayedAckTimeout)));
  }
  if (keys.keepalive_idle && *keys.keepalive_idle <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("keepalive idle 0s: the idle time must be above 0");
  }
  if (keys.keepalive_interval && *keys.keepalive_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("keepalive interval 0s: the interval must be above 0");
  }
  if (keys.keepalive_count && *keys.keepalive_count == 0) {
    return absl::InvalidArgumentError("keepalive count 0: at least one probe is sent");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyStackKeys(const StackConfig& keys, tcp::StackConfig* engine) {
  if (absl::Status s = Check(keys); !s.ok()) return s;
  tcp::StackConfig& e = *engine;
  if (keys.mss) e.mss = static_cast<uint16_t>(*keys.mss);
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

  if (keys.congestion) e.congestion = ToEngine(*keys.congestion);
  if (keys.sack) e.sack = *keys.sack;
  if (keys.timestamps) e.timestamps = *keys.timestamps;
  if (keys.nagle) e.nagle = *keys.nagle;
  // A shift implies window_scale on (the parser sets both).
  if (keys.window_scale) e.window_scale = *keys.window_scale;
  if (keys.window_scale_shift) {
    e.window_scale = true;
    e.window_scale_shift = static_cast<uint8_t>(*keys.window_scale_shift);
  }
  // A timeout implies delayed_ack on (the parser sets both).
  if (keys.delayed_ack) e.delayed_ack = *keys.delayed_ack;
  if (keys.delayed_ack_timeout) {
    e.delayed_ack = true;
    e.delayed_ack_timeout = *keys.delayed_ack_timeout;
  }
  if (keys.ack_bursts) e.ack_arrival_bursts_once = *keys.ack_bursts;
  // Any of idle / interval / count implies keepalive on (the parser sets it).
  if (keys.keepalive) e.keepalive = *keys.keepalive;
  if (keys.keepalive_idle || keys.keepalive_interval || keys.keepalive_count) {
    e.keepalive = true;
  }
  if (keys.keepalive_idle) e.keepalive_idle = *keys.keepalive_idle;
  if (keys.keepalive_interval) e.keepalive_interval = *keys.keepalive_interval;
  if (keys.keepalive_count) e.keepalive_count = static_cast<int>(*keys.keepalive_count);
  return absl::OkStatus();
}

}  // namespace tcplab::scenario
