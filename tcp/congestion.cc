#include "tcp/congestion.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>

#include "tcp/cubic.h"
#include "tcp/newreno.h"

namespace tcplab::tcp {
namespace {

// A zero MSS would make every window 0 and every division undefined; the
// connection never passes one, but a controller must not divide by it.
uint32_t AtLeastOne(uint32_t v) { return v == 0 ? 1 : v; }

// RFC 6928: min(10*MSS, max(2*MSS, 14600)), with 10 generalized to the
// configured count (14600 = 10 * 1460): large MSSs get fewer segments.
uint32_t InitialWindow(uint32_t smss, uint32_t segments) {
  const uint64_t n = AtLeastOne(segments);
  const uint64_t bytes = std::min(n * smss, std::max<uint64_t>(2 * uint64_t{smss}, n * 1460));
  return static_cast<uint32_t>(
      std::min<uint64_t>(bytes, std::numeric_limits<uint32_t>::max()));
}

}  // namespace

CongestionControl::CongestionControl(uint32_t smss, uint32_t initial_window_segments)
    : smss_(AtLeastOne(smss)),
      initial_window_(InitialWindow(smss_, initial_window_segments)),
      cwnd_(initial_window_),
      // RFC 5681 §3.1: "arbitrarily high"; slow start runs until the first
      // loss.
      ssthresh_(std::numeric_limits<uint32_t>::max()) {}

void CongestionControl::set_cwnd(uint32_t bytes) { cwnd_ = std::max(bytes, smss_); }

void CongestionControl::OnRecoveryEnd(Instant) { set_cwnd(ssthresh_); }

void CongestionControl::OnIdleRestart(Instant) {
  cwnd_ = std::min(cwnd_, initial_window_);
}

std::unique_ptr<CongestionControl> MakeCongestionControl(
    CongestionAlgorithm algorithm, uint32_t smss, uint32_t initial_window_segments) {
  switch (algorithm) {
    case CongestionAlgorithm::kNone:
      return nullptr;
    case CongestionAlgorithm::kNewReno:
      return std::make_unique<NewReno>(smss, initial_window_segments);
    case CongestionAlgorithm::kCubic:
      return std::make_unique<Cubic>(smss, initial_window_segments);
  }
  return nullptr;
}

}  // namespace tcplab::tcp
