#ifndef TCPLAB_TCP_CUBIC_H_
#define TCPLAB_TCP_CUBIC_H_

// CUBIC (RFC 9438) with standard slow start (§4.10, no HyStart++) and fast
// convergence (§4.7). Windows are kept in segments as doubles, as the RFC
// writes them; cwnd() stays whole bytes, the fraction carried separately.
//
// Deterministic across machines: only + - * / on doubles (IEEE 754 rounds
// each exactly), no libm, built with -ffp-contract=off (tcp/BUILD).

#include <cstdint>

#include "absl/time/time.h"
#include "tcp/base/instant.h"
#include "tcp/config.h"
#include "tcp/congestion.h"

namespace tcplab::tcp {

// Cube root of x (any sign; ±0, ±inf and NaN come back unchanged), within a
// few ulp. Not std::cbrt: libm's result is not specified to the last bit
// and differs between libm versions and platforms, and one different bit
// in K changes every later window, hence every later packet.
double DeterministicCbrt(double x);

// RFC 9438 eq. 1, in segments: W_cubic(t) = C * (t - K)^3 + W_max.
double CubicWindow(double t_seconds, double k, double w_max_segments);

// RFC 9438 eq. 2, in seconds: K = cbrt((W_max - cwnd_epoch) / C). Negative
// when the epoch starts above W_max (the curve is then convex from t = 0).
double CubicK(double w_max_segments, double cwnd_epoch_segments);

class Cubic final : public CongestionControl {
 public:
  static constexpr double kC = 0.4;     // §4.1.1
  static constexpr double kBeta = 0.7;  // beta_cubic, §4.6
  // §4.3: the same average window as Reno's AIMD(1, 0.5).
  static constexpr double kAlpha = 3 * (1 - kBeta) / (1 + kBeta);

  Cubic(uint32_t smss, uint32_t initial_window_segments)
      : CongestionControl(smss, initial_window_segments) {}

  CongestionAlgorithm algorithm() const override { return CongestionAlgorithm::kCubic; }

  void OnAck(Instant now, uint32_t bytes_acked, absl::Duration rtt,
             bool cwnd_limited) override;
  void OnCongestionEvent(Instant now, uint32_t flight_size) override;
  void OnRetransmitTimeout(Instant now, uint32_t flight_size) override;
  void OnIdleRestart(Instant now) override;

  // W_max: cwnd just before the last reduction (less with fast
  // convergence); 0 before any congestion event.
  uint32_t w_max() const;
  double w_max_segments() const { return w_max_; }
  // K of the current epoch, seconds; 0 while no epoch runs.
  double k() const { return epoch_ ? k_ : 0; }
  // W_est (§4.3), segments; meaningful while an epoch runs.
  double w_est_segments() const { return w_est_; }
  // cwnd before the last reduction, segments (§4.1.2).
  double cwnd_prior_segments() const { return cwnd_prior_; }
  // A congestion avoidance stage is running (it starts at its first ACK).
  bool epoch_started() const { return epoch_; }
  // Start of the epoch, shifted later by the application-limited time
  // excluded from t (§5.8).
  Instant epoch_start() const { return epoch_start_; }

 private:
  double CwndSegments() const;
  void SetCwndSegments(double segments);
  void StartEpoch(Instant now);
  // §4.6 and §4.7, shared by loss and timeout.
  void Reduce(uint32_t flight_size);

  double carry_ = 0;  // fraction of a byte that cwnd_ could not hold
  double w_max_ = 0;  // segments; 0: no congestion event yet
  double cwnd_prior_ = 0;
  double k_ = 0;
  double w_est_ = 0;
  bool epoch_ = false;
  bool after_timeout_ = false;
  Instant epoch_start_;
  Instant last_ack_;
};

}  // namespace tcplab::tcp

#endif  // TCPLAB_TCP_CUBIC_H_
