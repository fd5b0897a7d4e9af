#include "tcp/rto.h"

#include <algorithm>

namespace tcplab::tcp {

RtoEstimator::RtoEstimator(absl::Duration initial, absl::Duration min,
                           absl::Duration max, absl::Duration granularity)
    : min_(min), max_(std::max(min, max)), granularity_(granularity) {
  rto_ = base_rto_ = Clamp(initial);
}

absl::Duration RtoEstimator::Clamp(absl::Duration d) const {
  return std::min(max_, std::max(min_, d));
}

void RtoEstimator::OnSample(absl::Duration rtt, int64_t samples_per_rtt) {
  const int64_t n = samples_per_rtt < 1 ? 1 : samples_per_rtt;
  if (rtt < absl::ZeroDuration()) rtt = absl::ZeroDuration();
  if (!has_sample_) {
    srtt_ = rtt;
    rttvar_ = rtt / 2;
    has_sample_ = true;
  } else {
    absl::Duration err = srtt_ - rtt;
    if (err < absl::ZeroDuration()) err = -err;
    rttvar_ = rttvar_ - rttvar_ / (4 * n) + err / (4 * n);
    srtt_ = srtt_ - srtt_ / (8 * n) + rtt / (8 * n);
  }
  base_rto_ = Clamp(srtt_ + std::max(granularity_, 4 * rttvar_));
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
