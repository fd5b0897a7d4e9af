#ifndef TCPLAB_SCENARIOS_ENGINE_CONFIG_H_
#define TCPLAB_SCENARIOS_ENGINE_CONFIG_H_

// The stack keys of a scenario file or packet script, applied to the
// engine's configuration: the one mapping both runners use. Each runner
// chooses the base the keys apply to: a scenario host starts from
// tcp::StackConfig{} (the modern default: CUBIC, SACK, timestamps, window
// scaling, delayed ACK, Nagle), a packet script's stack under test from
// tcp::BareConfig() (the RFC 9293 core alone).

#include "absl/status/status.h"
#include "scenarios/lang/scenario.h"
#include "tcp/config.h"

namespace tcplab::scenario {

// Longest delayed-ACK timeout the engine takes (RFC 1122 §4.2.3.2, RFC
// 9293 §3.8.6.3: an ACK may be delayed by less than 0.5 s; tcp/config.h
// allows up to 500 ms).
inline constexpr absl::Duration kMaxDelayedAckTimeout = absl::Milliseconds(500);

// Sets the fields that the keys given in `keys` name on *engine; every
// other field keeps *engine's value. Key by key:
//   mss, send_buffer, recv_buffer, rto_*, msl, persist_*, *_retries
//                  the field of the same name (buffers: *_bytes)
//   isn_secret     64 bits s fill the engine's 128-bit secret as {s, ~s}
//   congestion     none -> kNone, newreno -> kNewReno, cubic -> kCubic, and
//                  reno -> kNewReno: the engine implements NewReno (RFC
//                  6582), Reno with a better answer to partial ACKs
//   sack, timestamps, nagle
//                  the bool field
//   window_scale   on|off -> window_scale (the shift stays the engine's
//                  choice); a shift N -> window_scale = true and
//                  window_scale_shift = N
//   delayed_ack    on|off -> delayed_ack; a timeout D -> delayed_ack = true
//                  and delayed_ack_timeout = D
//   ack_bursts     on|off -> ack_arrival_bursts_once
//   keepalive      on|off -> keepalive; idle/interval/count -> keepalive =
//                  true and the given ones of keepalive_idle,
//                  keepalive_interval, keepalive_count
// InvalidArgument, naming the key, for a value the engine cannot take:
// mss 0, a delayed-ACK timeout of 0 or above 500ms, a keepalive idle time
// or interval of 0, a keepalive count of 0. *engine is then unchanged.
absl::Status ApplyStackKeys(const StackConfig& keys, tcp::StackConfig* engine);

}  // namespace tcplab::scenario

#endif  // TCPLAB_SCENARIOS_ENGINE_CONFIG_H_
