#ifndef TCPLAB_NETSIM_RANDOM_H_
#define TCPLAB_NETSIM_RANDOM_H_

// The project's own seeded random number generator.
//
// xoshiro256** (Blackman & Vigna), seeded through SplitMix64. tcplab promises
// the same packets for the same seed on every machine and every library
// version, which std:: and absl distributions do not, so every random number
// in the simulator comes from here (and from netsim/distributions.h).
//
// Streams: every source of randomness (each link direction, each host, ...)
// draws from its own stream, derived from the scenario seed and a stable
// stream name. Adding a link or drawing more numbers in one place therefore
// never shifts the numbers another place sees.

#include <cstdint>

#include "absl/strings/string_view.h"

namespace tcplab::netsim {

// SplitMix64 (Steele, Lea, Flood): used to expand seeds.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t state) : state_(state) {}
  uint64_t Next();

 private:
  uint64_t state_;
};

// FNV-1a, 64 bit, of the bytes of `name`: a stable stream id.
uint64_t StreamIdFromName(absl::string_view name);

class Rng {
 public:
  // Seeds the four state words from SplitMix64(seed).
  explicit Rng(uint64_t seed);

  // The stream `stream_id` of scenario seed `seed`. Distinct ids give
  // independent-looking streams (their seeds pass through SplitMix64 twice).
  static Rng ForStream(uint64_t seed, uint64_t stream_id);
  static Rng ForStream(uint64_t seed, absl::string_view stream_name) {
    return ForStream(seed, StreamIdFromName(stream_name));
  }

  // 64 uniformly random bits.
  uint64_t Next();

  // Uniform in [0, 1), a multiple of 2^-53.
  double Uniform01();
  // Uniform in (0, 1], a multiple of 2^-53 (safe to take the log of).
  double UniformOpen01() { return 1.0 - Uniform01(); }
  // Uniform integer in [0, n), without modulo bias; n must be > 0.
  uint64_t Below(uint64_t n);
  // True with probability p (p <= 0: never; p >= 1: always). Draws exactly
  // one number either way, so the stream position does not depend on p.
  bool Bernoulli(double p) { return Uniform01() < p; }

 private:
  Rng() = default;
  uint64_t s_[4] = {};
};

}  // namespace tcplab::netsim

#endif  // TCPLAB_NETSIM_RANDOM_H_
