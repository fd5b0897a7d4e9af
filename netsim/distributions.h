#ifndef TCPLAB_NETSIM_DISTRIBUTIONS_H_
#define TCPLAB_NETSIM_DISTRIBUTIONS_H_

// Random distributions over netsim::Rng, computed with netsim/det_math.h so
// that their output is the same on every machine.
//
// Each sampler documents how many numbers it draws, since that decides what
// every later draw from the same stream returns.

#include <cstdint>

#include "absl/strings/string_view.h"
#include "netsim/random.h"

namespace tcplab::netsim {

// Uniform in [lo, hi). One draw.
double SampleUniform(Rng& rng, double lo, double hi);

// Normal(mean, stddev) by Marsaglia's polar method (needs only log and sqrt).
// Draws two numbers per attempt; about 1.27 attempts on average. The second
// normal the method yields is discarded so that the sampler is stateless.
double SampleNormal(Rng& rng, double mean, double stddev);

// Exponential with the given mean (rate 1/mean), by inversion. One draw.
double SampleExponential(Rng& rng, double mean);

// Pareto with shape alpha > 0 and scale (minimum) xm > 0, by inversion:
// xm / U^(1/alpha) with U in (0, 1]. One draw.
double SamplePareto(Rng& rng, double alpha, double xm);

// The shapes netem offers for delay jitter.
enum class Distribution : uint8_t {
  kUniform,       // netem's default: jitter is the half-width
  kNormal,        // jitter is the standard deviation
  kPareto,        // pareto(alpha 3), shifted and scaled to mean 0, stddev 1
  kParetoNormal,  // 1/4 normal + 3/4 pareto as netem's table, standardized
};

// "uniform", "normal", "pareto", "paretonormal" (netem's names).
absl::string_view DistributionName(Distribution d);

// A sample of mean 0 scaled for `d`: for kUniform uniform in [-1, 1); for
// the others standard deviation 1. Delay = delay + jitter * sample.
double SampleStandard(Rng& rng, Distribution d);

}  // namespace tcplab::netsim

#endif  // TCPLAB_NETSIM_DISTRIBUTIONS_H_
