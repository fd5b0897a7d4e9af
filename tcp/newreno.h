#ifndef TCPLAB_TCP_NEWRENO_H_
#define TCPLAB_TCP_NEWRENO_H_

// RFC 5681 slow start and congestion avoidance with RFC 3465 byte counting.
// The loss recovery that gives NewReno its name (RFC 6582) lives in the
// Connection; this class only sizes the window around it.

#include <cstdint>

#include "absl/time/time.h"
#include "tcp/base/instant.h"
#include "tcp/config.h"
#include "tcp/congestion.h"

namespace tcplab::tcp {

class NewReno final : public CongestionControl {
 public:
  NewReno(uint32_t smss, uint32_t initial_window_segments)
      : CongestionControl(smss, initial_window_segments) {}

  CongestionAlgorithm algorithm() const override { return CongestionAlgorithm::kNewReno; }

  void OnAck(Instant now, uint32_t bytes_acked, absl::Duration rtt,
             bool cwnd_limited) override;
  void OnCongestionEvent(Instant now, uint32_t flight_size) override;
  void OnRetransmitTimeout(Instant now, uint32_t flight_size) override;
  void OnIdleRestart(Instant now) override;

  // Bytes acknowledged in congestion avoidance since cwnd last grew.
  uint32_t bytes_acked_in_avoidance() const { return ca_acked_; }

 private:
  // RFC 5681 (4): max(FlightSize / 2, 2*SMSS).
  void ReduceSsthresh(uint32_t flight_size);

  uint32_t ca_acked_ = 0;
};

}  // namespace tcplab::tcp

#endif  // TCPLAB_TCP_NEWRENO_H_
