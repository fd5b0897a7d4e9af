#include "tcp/cubic.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>

namespace tcplab::tcp {
namespace {

constexpr uint64_t kMantissaMask = (uint64_t{1} << 52) - 1;

double WithExponent(uint64_t mantissa_bits, int exponent) {
  return std::bit_cast<double>(mantissa_bits |
                               (static_cast<uint64_t>(exponent + 1023) << 52));
}

// Seconds from an integer nanosecond count: one correctly rounded division,
// whereas absl's own conversions leave their rounding to the library.
double Seconds(absl::Duration d) {
  return static_cast<double>(absl::ToInt64Nanoseconds(d)) / 1e9;
}

}  // namespace

double DeterministicCbrt(double x) {
  if (x == 0 || x != x || x - x != 0) return x;  // ±0, NaN, ±inf
  const bool negative = x < 0;
  double a = negative ? -x : x;
  int scale = 0;
  uint64_t bits = std::bit_cast<uint64_t>(a);
  if ((bits >> 52) == 0) {  // subnormal: 2^54 = (2^18)^3 makes it normal
    a *= 18014398509481984.0;
    scale = -18;
    bits = std::bit_cast<uint64_t>(a);
  }
  // a = f * 2^e with f in [1, 2); e = 3q + r with r in {0, 1, 2}, so that
  // cbrt(a) = cbrt(f * 2^r) * 2^q, and the power of two is exact.
  const int e = static_cast<int>(bits >> 52) - 1023;
  int q = e / 3;
  int r = e % 3;
  if (r < 0) {
    r += 3;
    --q;
  }
  const uint64_t mantissa = bits & kMantissaMask;
  const double f = WithExponent(mantissa, 0);
  const double m = WithExponent(mantissa, r);  // in [1, 8)
  // The chord of f^(1/3) on [1, 2) is within 1.7% of it; Newton's method
  // squares the relative error per step (1.7e-2, 3e-4, 8e-8, 7e-15, then
  // rounding), so five steps reach full precision and the sixth is margin.
  // A fixed count keeps the operation sequence identical for every input.
  constexpr double kCbrtPow2[3] = {1.0, 1.2599210498948732, 1.5874010519681994};
  double y = (0.75 + 0.25 * f) * kCbrtPow2[r];
  for (int i = 0; i < 6; ++i) y -= (y * y * y - m) / (3 * y * y);
  y *= WithExponent(0, q + scale);
  return negative ? -y : y;
}

double CubicWindow(double t_seconds, double k, double w_max_segments) {
  const double d = t_seconds - k;
  return Cubic::kC * (d * d * d) + w_max_segments;
}

double CubicK(double w_max_segments, double cwnd_epoch_segments) {
  return DeterministicCbrt((w_max_segments - cwnd_epoch_segments) / Cubic::kC);
}

uint32_t Cubic::w_max() const {
  const double bytes = w_max_ * smss_;
  return bytes >= std::numeric_limits<uint32_t>::max()
             ? std::numeric_limits<uint32_t>::max()
             : static_cast<uint32_t>(bytes);
}

double Cubic::CwndSegments() const { return (cwnd_ + carry_) / smss_; }

void Cubic::SetCwndSegments(double segments) {
  const double bytes = segments * smss_;
  if (bytes >= std::numeric_limits<uint32_t>::max()) {
    cwnd_ = std::numeric_limits<uint32_t>::max();
    carry_ = 0;
  } else if (bytes < smss_) {
    cwnd_ = smss_;
    carry_ = 0;
  } else {
    cwnd_ = static_cast<uint32_t>(bytes);
    carry_ = bytes - cwnd_;
  }
}

void Cubic::StartEpoch(Instant now) {
  epoch_ = true;
  epoch_start_ = now;
  const double cwnd_epoch = CwndSegments();
  if (w_max_ == 0 || after_timeout_) {
    // §4.8 (first avoidance stage after a timeout) and §4.10 (avoidance
    // without a congestion event): the curve starts at its plateau.
    if (w_max_ == 0) cwnd_prior_ = cwnd_epoch;
    w_max_ = cwnd_epoch;
    k_ = 0;
  } else {
    k_ = CubicK(w_max_, cwnd_epoch);  // §4.2 eq. 2
  }
  w_est_ = cwnd_epoch;  // §4.3 (and §4.8 after a timeout)
  after_timeout_ = false;
}

void Cubic::OnAck(Instant now, uint32_t bytes_acked, absl::Duration rtt,
                  bool cwnd_limited) {
  if (bytes_acked == 0) return;
  const Instant previous_ack = last_ack_;
  last_ack_ = now;
  if (!cwnd_limited) {
    // RFC 7661 / §5.8: no growth, and t must not include time spent
    // application-limited, or W_cubic(t) is far ahead when sending
    // resumes. The whole gap since the previous ACK counts as limited.
    if (epoch_) epoch_start_ += now - previous_ack;
    return;
  }
  if (in_slow_start()) {
    // §4.10: standard slow start, RFC 5681 (2) with RFC 3465 L = 1.
    // In whole bytes, so that it is exactly NewReno's.
    const uint64_t grown = uint64_t{cwnd_} + std::min(bytes_acked, smss_);
    cwnd_ = static_cast<uint32_t>(
        std::min<uint64_t>(grown, std::numeric_limits<uint32_t>::max()));
    return;
  }
  if (!epoch_) StartEpoch(now);
  const double cwnd = CwndSegments();
  const double segments_acked = static_cast<double>(bytes_acked) / smss_;
  const double t = Seconds(now - epoch_start_);

  // §4.3 Reno-friendly region, Figure 4; alpha goes to 1 once W_est has
  // regained the window of the last reduction.
  const double alpha = w_est_ >= cwnd_prior_ ? 1.0 : kAlpha;
  w_est_ += alpha * segments_acked / cwnd;
  if (CubicWindow(t, k_, w_max_) < w_est_) {
    // Never below cwnd: cwnd follows W_cubic(t + RTT), W_est is compared
    // with W_cubic(t), so at the crossing cwnd may already be above W_est.
    SetCwndSegments(std::max(cwnd, w_est_));
    return;
  }
  // §4.4, §4.5: aim at where the curve will be one RTT from now, moving at
  // most half a window per RTT (the target clamp of §4.2). An RTT of zero
  // (no sample yet) makes that W_cubic(t) itself.
  const double target =
      std::clamp(CubicWindow(t + Seconds(rtt), k_, w_max_), cwnd, 1.5 * cwnd);
  SetCwndSegments(cwnd + (target - cwnd) / cwnd * segments_acked);
}

void Cubic::Reduce(uint32_t flight_size) {
  const double cwnd = CwndSegments();
  // §4.7: a loss below the previous W_max means a new flow is taking
  // bandwidth; release some by aiming lower.
  w_max_ = (w_max_ != 0 && cwnd < w_max_) ? cwnd * (1 + kBeta) / 2 : cwnd;
  cwnd_prior_ = cwnd;
  // §4.6: flight_size, not cwnd, so a window the application never filled
  // is not remembered as capacity. Floor of 2 SMSS as RFC 5681 (4).
  // beta_cubic as the integer ratio 7/10: exact, where the double 0.7
  // times a byte count can land a hair under a whole number and truncate.
  static_assert(kBeta == 0.7);
  const auto reduced = static_cast<uint32_t>(uint64_t{flight_size} * 7 / 10);
  ssthresh_ = std::max(reduced, 2 * smss_);
  // §4.6: the next avoidance stage starts a new epoch at its first ACK.
  epoch_ = false;
  carry_ = 0;
}

void Cubic::OnCongestionEvent(Instant, uint32_t flight_size) {
  Reduce(flight_size);
  set_cwnd(ssthresh_);
}

void Cubic::OnRetransmitTimeout(Instant, uint32_t flight_size) {
  Reduce(flight_size);
  set_cwnd(smss_);  // §4.8: as Reno, RFC 5681 (5)
  after_timeout_ = true;
}

void Cubic::OnIdleRestart(Instant now) {
  CongestionControl::OnIdleRestart(now);
  carry_ = 0;
  // §5.8: the idle time must not count in t, and cwnd may have just
  // shrunk under the curve; the next avoidance ACK starts a fresh epoch
  // from the window we restart with.
  epoch_ = false;
}

}  // namespace tcplab::tcp
