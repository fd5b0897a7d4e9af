#include "tcp/rto.h"

#include <algorithm>

namespace tcplab::tcp {

namespace {

// Quarter nanoseconds, absl::Duration's resolution. The durations here are
// finite and far below the int64 range of quarters (73 years).
int64_t ToQuarters(absl::Duration d) {
  const int64_t ns = absl::ToInt64Nanoseconds(d);
  if (absl::Nanoseconds(ns) == d) return 4 * ns;  // every sample the engine takes
  return 4 * ns + (d - absl::Nanoseconds(ns)) / (absl::Nanoseconds(1) / 4);
}

const absl::Duration kQuarters[4] = {absl::ZeroDuration(), absl::Nanoseconds(1) / 4,
                                     absl::Nanoseconds(1) / 2, absl::Nanoseconds(3) / 4};

// For q >= 0 (durations here are not negative).
absl::Duration FromQuarters(int64_t q) {
  const absl::Duration d = absl::Nanoseconds(q / 4);
  return q % 4 == 0 ? d : d + kQuarters[q % 4];
}

}  // namespace

RtoEstimator::RtoEstimator(absl::Duration initial, absl::Duration min,
                           absl::Duration max, absl::Duration granularity)
    : min_(min), max_(std::max(min, max)), granularity_q_(ToQuarters(granularity)) {
  rto_ = base_rto_ = Clamp(initial);
}

absl::Duration RtoEstimator::Clamp(absl::Duration d) const {
  return std::min(max_, std::max(min_, d));
}

void RtoEstimator::OnSample(absl::Duration rtt, int64_t samples_per_rtt) {
  const int64_t n = samples_per_rtt < 1 ? 1 : samples_per_rtt;
  const int64_t r = rtt < absl::ZeroDuration() ? 0 : ToQuarters(rtt);
  if (!has_sample_) {
    srtt_q_ = r;
    rttvar_q_ = r / 2;
    has_sample_ = true;
  } else {
    const int64_t err = srtt_q_ > r ? srtt_q_ - r : r - srtt_q_;
    rttvar_q_ = rttvar_q_ - rttvar_q_ / (4 * n) + err / (4 * n);
    srtt_q_ = srtt_q_ - srtt_q_ / (8 * n) + r / (8 * n);
  }
  srtt_ = FromQuarters(srtt_q_);
  rttvar_ = FromQuarters(rttvar_q_);
  base_rto_ = Clamp(FromQuarters(srtt_q_ + std::max(granularity_q_, 4 * rttvar_q_)));
  rto_ = base_rto_;
  backoffs_ = 0;
}

void RtoEstimator::RaiseAfterSynTimeout(absl::Duration floor) {
  if (has_sample_) return;
  base_rto_ = std::max(base_rto_, Clamp(floor));
  rto_ = base_rto_;
  backoffs_ = 0;
}

void RtoEstimator::Backoff() {
  rto_ = std::min(max_, rto_ * 2);
  ++backoffs_;
}

}  // namespace tcplab::tcp
