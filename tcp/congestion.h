#ifndef TCPLAB_TCP_CONGESTION_H_
#define TCPLAB_TCP_CONGESTION_H_

// Congestion control behind a small interface (RFC 5681 and successors).
//
// The controller owns cwnd and ssthresh and decides how they grow and how
// far they fall. The Connection owns loss detection and recovery (RFC 5681
// fast retransmit, RFC 6582 NewReno, RFC 6675 SACK recovery): it tells the
// controller when a congestion event starts and ends, and may set cwnd
// directly while recovery runs (RFC 6582's inflation and deflation).
//
// All byte counts are bytes; `smss` is the connection's effective send MSS.
// Deterministic: no clock, no libm, no randomness.

#include <cstdint>
#include <memory>

#include "absl/time/time.h"
#include "tcp/base/instant.h"
#include "tcp/config.h"

namespace tcplab::tcp {

class CongestionControl {
 public:
  CongestionControl(uint32_t smss, uint32_t initial_window_segments);
  virtual ~CongestionControl() = default;

  virtual CongestionAlgorithm algorithm() const = 0;

  uint32_t cwnd() const { return cwnd_; }
  uint32_t ssthresh() const { return ssthresh_; }
  uint32_t smss() const { return smss_; }
  bool in_slow_start() const { return cwnd_ < ssthresh_; }
  // RFC 6928: min(N * SMSS, max(2 * SMSS, N * 1460)) for N =
  // initial_window_segments (at least 1).
  uint32_t initial_window() const { return initial_window_; }

  // Recovery's own adjustments (RFC 6582 §3.2 steps 3-5); at least 1 SMSS.
  void set_cwnd(uint32_t bytes);

  // New data acknowledged while not in recovery. `bytes_acked` is the
  // number of bytes SND.UNA advanced by; `rtt` is the connection's current
  // smoothed RTT (ZeroDuration before the first sample); `cwnd_limited`
  // says the sender was limited by cwnd (not by the application or the
  // peer's window) when this ACK came, RFC 7661: no growth otherwise.
  virtual void OnAck(Instant now, uint32_t bytes_acked, absl::Duration rtt,
                     bool cwnd_limited) = 0;

  // Loss detected by duplicate ACKs or SACK (fast retransmit): sets
  // ssthresh from `flight_size` (RFC 5681 (4): max(FlightSize/2, 2*SMSS)
  // for NewReno; beta_cubic for CUBIC) and cwnd = ssthresh. The connection
  // may then inflate cwnd itself (NewReno without SACK).
  virtual void OnCongestionEvent(Instant now, uint32_t flight_size) = 0;

  // Recovery ended (the ACK covered the recovery point): cwnd = ssthresh
  // (RFC 6582 §3.2 step 3 "full acknowledgment", first option).
  virtual void OnRecoveryEnd(Instant now);

  // The retransmission timer expired: ssthresh as for a congestion event
  // (from `flight_size`), cwnd = 1 SMSS (RFC 5681 (4), (5)).
  virtual void OnRetransmitTimeout(Instant now, uint32_t flight_size) = 0;

  // RFC 5681 §4.1: the connection was idle longer than an RTO; cwnd =
  // min(cwnd, initial window).
  virtual void OnIdleRestart(Instant now);

 protected:
  uint32_t smss_;
  uint32_t initial_window_;
  uint32_t cwnd_;
  uint32_t ssthresh_;
};

// A controller for `algorithm`, or nullptr for kNone.
std::unique_ptr<CongestionControl> MakeCongestionControl(
    CongestionAlgorithm algorithm, uint32_t smss, uint32_t initial_window_segments);

}  // namespace tcplab::tcp

#endif  // TCPLAB_TCP_CONGESTION_H_
