#include "netsim/distributions.h"

#include <cmath>

#include "netsim/det_math.h"

namespace tcplab::netsim {
namespace {

// Pareto(alpha 3, xm 1): mean 3/2, variance 3/4.
constexpr double kParetoAlpha = 3.0;
constexpr double kParetoMean = 1.5;
constexpr double kParetoStddev = 0.86602540378443864676;  // sqrt(3/4)
// Standard deviation of 0.25 N + 0.75 P for independent standardized N, P:
// sqrt(0.25^2 + 0.75^2) = sqrt(0.625).
constexpr double kParetoNormalStddev = 0.79056941504209483300;

double StandardPareto(Rng& rng) {
  return (SamplePareto(rng, kParetoAlpha, 1.0) - kParetoMean) / kParetoStddev;
}

}  // namespace

double SampleUniform(Rng& rng, double lo, double hi) {
  return lo + (hi - lo) * rng.Uniform01();
}

double SampleNormal(Rng& rng, double mean, double stddev) {
  double u, v, s;
  do {
    u = 2.0 * rng.Uniform01() - 1.0;
    v = 2.0 * rng.Uniform01() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  // std::sqrt is correctly rounded by IEEE 754, hence deterministic.
  return mean + stddev * u * std::sqrt(-2.0 * det::Log(s) / s);
}

double SampleExponential(Rng& rng, double mean) {
  return -mean * det::Log(rng.UniformOpen01());
}

double SamplePareto(Rng& rng, double alpha, double xm) {
  const double u = rng.UniformOpen01();
  return xm * det::Exp(-det::Log(u) / alpha);
}

absl::string_view DistributionName(Distribution d) {
  switch (d) {
    case Distribution::kUniform:
      return "uniform";
    case Distribution::kNormal:
      return "normal";
    case Distribution::kPareto:
      return "pareto";
    case Distribution::kParetoNormal:
      return "paretonormal";
  }
  return "unknown";
}

double SampleStandard(Rng& rng, Distribution d) {
  switch (d) {
    case Distribution::kUniform:
      return 2.0 * rng.Uniform01() - 1.0;
    case Distribution::kNormal:
      return SampleNormal(rng, 0.0, 1.0);
    case Distribution::kPareto:
      return StandardPareto(rng);
    case Distribution::kParetoNormal: {
      const double n = SampleNormal(rng, 0.0, 1.0);
      const double p = StandardPareto(rng);
      return (0.25 * n + 0.75 * p) / kParetoNormalStddev;
    }
  }
  return 0.0;
}

}  // namespace tcplab::netsim
