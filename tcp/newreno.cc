#include "tcp/newreno.h"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace tcplab::tcp {
namespace {

uint32_t SaturatingAdd(uint32_t a, uint32_t b) {
  return b > std::numeric_limits<uint32_t>::max() - a
             ? std::numeric_limits<uint32_t>::max()
             : a + b;
}

}  // namespace

void NewReno::OnAck(Instant, uint32_t bytes_acked, absl::Duration, bool cwnd_limited) {
  // RFC 7661: a window the sender did not fill has not been validated by
  // the network, so it earns no growth.
  if (!cwnd_limited || bytes_acked == 0) return;
  if (in_slow_start()) {
    // RFC 5681 (2), RFC 3465 with L = 1: a stretch ACK must not let cwnd
    // jump by more than one segment.
    cwnd_ = SaturatingAdd(cwnd_, std::min(bytes_acked, smss_));
    return;
  }
  // RFC 5681 §3.1 / RFC 3465 §2.1 byte counting: one SMSS per cwnd of bytes
  // acknowledged, in integers, so that ACK sizes (delayed ACKs, stretch
  // ACKs) do not change the rate the way SMSS*SMSS/cwnd per ACK does. At
  // most one SMSS per ACK (RFC 5681 (3)); the remainder carries over.
  ca_acked_ = SaturatingAdd(ca_acked_, bytes_acked);
  if (ca_acked_ >= cwnd_) {
    ca_acked_ -= cwnd_;
    cwnd_ = SaturatingAdd(cwnd_, smss_);
  }
}

void NewReno::ReduceSsthresh(uint32_t flight_size) {
  ssthresh_ = std::max(flight_size / 2, 2 * smss_);
  // The count belonged to the window that just proved too large.
  ca_acked_ = 0;
}

void NewReno::OnCongestionEvent(Instant, uint32_t flight_size) {
  ReduceSsthresh(flight_size);
  set_cwnd(ssthresh_);
}

void NewReno::OnRetransmitTimeout(Instant, uint32_t flight_size) {
  // RFC 5681 (4), (5): the ACK clock is gone; restart from one segment.
  ReduceSsthresh(flight_size);
  set_cwnd(smss_);
}

void NewReno::OnIdleRestart(Instant now) {
  CongestionControl::OnIdleRestart(now);
  ca_acked_ = 0;
}

}  // namespace tcplab::tcp
