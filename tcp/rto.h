#ifndef TCPLAB_TCP_RTO_H_
#define TCPLAB_TCP_RTO_H_

// The retransmission timeout of RFC 6298: SRTT/RTTVAR smoothing (alpha 1/8,
// beta 1/4, K 4), clamping to [min, max], and exponential backoff.
// Karn's algorithm (no samples from retransmitted segments) is the caller's
// job: it only feeds samples of segments sent once.

#include <cstdint>

#include "absl/time/time.h"

namespace tcplab::tcp {

class RtoEstimator {
 public:
  RtoEstimator(absl::Duration initial, absl::Duration min, absl::Duration max,
               absl::Duration granularity);

  // A round-trip measurement (RFC 6298 §2.2, §2.3). Also clears backoff.
  // `samples_per_rtt` > 1 when samples come with every ACK (timestamps):
  // alpha and beta are divided by it (RFC 7323 Appendix G), so that a
  // window's worth of samples weighs as one per RTT would.
  void OnSample(absl::Duration rtt, int64_t samples_per_rtt = 1);
  // Timer expired (§5.5): RTO doubles, up to max.
  void Backoff();
  // RFC 6298 §5.7: after a SYN timed out, data transmission starts with an
  // RTO of at least `floor` (3 s) unless a valid sample has set it since.
  void RaiseAfterSynTimeout(absl::Duration floor);

  absl::Duration rto() const { return rto_; }
  bool has_sample() const { return has_sample_; }
  absl::Duration srtt() const { return srtt_; }
  absl::Duration rttvar() const { return rttvar_; }
  int backoffs() const { return backoffs_; }

 private:
  absl::Duration Clamp(absl::Duration d) const;

  absl::Duration min_, max_;
  int64_t granularity_q_;
  absl::Duration rto_;
  absl::Duration base_rto_;  // before backoff
  // The smoothing runs on int64 counts of absl::Duration's own unit, a
  // quarter nanosecond: the values absl's (truncating) division gives,
  // without its 128-bit arithmetic on every ACK. srtt_ and rttvar_ are
  // the same values as Durations, for the accessors.
  int64_t srtt_q_ = 0;
  int64_t rttvar_q_ = 0;
  absl::Duration srtt_ = absl::ZeroDuration();
  absl::Duration rttvar_ = absl::ZeroDuration();
  bool has_sample_ = false;
  int backoffs_ = 0;
};

}  // namespace tcplab::tcp

#endif  // TCPLAB_TCP_RTO_H_
