#include "netsim/random.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "netsim/distributions.h"

namespace tcplab::netsim {
namespace {

TEST(SplitMix64Test, MatchesReferenceOutput) {
  // Reference values of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
  SplitMix64 sm(0);
  EXPECT_EQ(sm.Next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(sm.Next(), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(sm.Next(), 0x06c45d188009454fULL);
}

TEST(StreamIdTest, IsFnv1a) {
  EXPECT_EQ(StreamIdFromName(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(StreamIdFromName("a"), 0xaf63dc4c8601ec8cULL);
}

// Golden values: any change to the generator changes every scenario's
// packets, so it must show up here.
TEST(RngTest, GoldenValues) {
  Rng rng(42);
  const uint64_t want[] = {0x15780b2e0c2ec716ULL, 0x6104d9866d113a7eULL, 0xae17533239e499a1ULL};
  for (uint64_t w : want) EXPECT_EQ(rng.Next(), w);
  Rng stream = Rng::ForStream(42, "link/ab:a>b");
  const uint64_t want_stream[] = {0xfa96899206e76191ULL, 0x726add5030801131ULL, 0xfd393470ab305966ULL};
  for (uint64_t w : want_stream) EXPECT_EQ(stream.Next(), w);
}

TEST(RngTest, SameSeedSameSequenceDifferentSeedDifferent) {
  Rng a(7), b(7), c(8);
  int same_as_c = 0;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t x = a.Next();
    EXPECT_EQ(x, b.Next());
    same_as_c += x == c.Next();
  }
  EXPECT_EQ(same_as_c, 0);
}

// Pearson correlation of paired uniforms; for independent streams its
// standard error is 1/sqrt(n).
double Correlation(Rng a, Rng b, int n) {
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (int i = 0; i < n; ++i) {
    const double x = a.Uniform01(), y = b.Uniform01();
    sx += x;
    sy += y;
    sxx += x * x;
    syy += y * y;
    sxy += x * y;
  }
  const double cov = sxy / n - (sx / n) * (sy / n);
  const double vx = sxx / n - (sx / n) * (sx / n);
  const double vy = syy / n - (sy / n) * (sy / n);
  return cov / std::sqrt(vx * vy);
}

TEST(RngTest, StreamsAreIndependent) {
  const int n = 100000;
  const double bound = 5.0 / std::sqrt(n);
  // Neighbouring ids, names differing in one character, and the lag-1
  // correlation of one stream with itself.
  EXPECT_LT(std::abs(Correlation(Rng::ForStream(1, 0), Rng::ForStream(1, 1), n)), bound);
  EXPECT_LT(std::abs(Correlation(Rng::ForStream(1, "link/ab:a>b"),
                                 Rng::ForStream(1, "link/ab:b>a"), n)),
            bound);
  EXPECT_LT(std::abs(Correlation(Rng::ForStream(1, "x"), Rng::ForStream(2, "x"), n)), bound);
  Rng lagged = Rng::ForStream(3, "y");
  lagged.Next();
  EXPECT_LT(std::abs(Correlation(Rng::ForStream(3, "y"), lagged, n)), bound);
  // Same (seed, name): the same stream.
  Rng s1 = Rng::ForStream(5, "host/a"), s2 = Rng::ForStream(5, "host/a");
  for (int i = 0; i < 100; ++i) EXPECT_EQ(s1.Next(), s2.Next());
}

TEST(RngTest, Uniform01RangeAndMoments) {
  Rng rng(11);
  const int n = 200000;
  double sum = 0, sumsq = 0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.Uniform01();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sumsq += u * u;
  }
  // Mean 1/2, variance 1/12: 5 standard errors.
  EXPECT_NEAR(sum / n, 0.5, 5 * std::sqrt(1.0 / 12 / n));
  EXPECT_NEAR(sumsq / n - (sum / n) * (sum / n), 1.0 / 12, 0.002);
  Rng open(12);
  for (int i = 0; i < 10000; ++i) {
    const double u = open.UniformOpen01();
    ASSERT_GT(u, 0.0);
    ASSERT_LE(u, 1.0);
  }
}

TEST(RngTest, BelowIsUniform) {
  Rng rng(13);
  const int n = 70000, k = 7;
  std::vector<int> counts(k);
  for (int i = 0; i < n; ++i) {
    const uint64_t x = rng.Below(k);
    ASSERT_LT(x, static_cast<uint64_t>(k));
    ++counts[x];
  }
  // Chi-square with 6 degrees of freedom: P(X > 22.46) = 0.001.
  double chi2 = 0;
  const double expected = static_cast<double>(n) / k;
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  EXPECT_LT(chi2, 22.46);
  EXPECT_EQ(rng.Below(1), 0u);
}

TEST(RngTest, BernoulliRate) {
  Rng rng(14);
  const int n = 100000;
  const double p = 0.3;
  int hits = 0;
  for (int i = 0; i < n; ++i) hits += rng.Bernoulli(p);
  EXPECT_NEAR(hits, n * p, 5 * std::sqrt(n * p * (1 - p)));
  EXPECT_FALSE(rng.Bernoulli(0.0));
  EXPECT_TRUE(rng.Bernoulli(1.0));
}

struct Moments {
  double mean;
  double stddev;
};
template <typename F>
Moments Sample(int n, F f) {
  double sum = 0, sumsq = 0;
  for (int i = 0; i < n; ++i) {
    const double x = f();
    sum += x;
    sumsq += x * x;
  }
  const double mean = sum / n;
  return {mean, std::sqrt(sumsq / n - mean * mean)};
}

constexpr int kN = 200000;
// 5 standard errors of a mean of kN samples with standard deviation s.
double MeanBound(double s) { return 5 * s / std::sqrt(kN); }

TEST(DistributionsTest, Normal) {
  Rng rng(21);
  const Moments m = Sample(kN, [&] { return SampleNormal(rng, 3.0, 2.0); });
  EXPECT_NEAR(m.mean, 3.0, MeanBound(2.0));
  // Standard error of the sample stddev of a normal: s / sqrt(2n).
  EXPECT_NEAR(m.stddev, 2.0, 5 * 2.0 / std::sqrt(2.0 * kN));
}

TEST(DistributionsTest, NormalTailFraction) {
  Rng rng(22);
  int beyond = 0;
  for (int i = 0; i < kN; ++i) beyond += std::abs(SampleNormal(rng, 0, 1)) > 1.96;
  // P(|Z| > 1.96) = 0.05.
  EXPECT_NEAR(beyond, 0.05 * kN, 5 * std::sqrt(kN * 0.05 * 0.95));
}

TEST(DistributionsTest, Exponential) {
  Rng rng(23);
  const Moments m = Sample(kN, [&] { return SampleExponential(rng, 4.0); });
  EXPECT_NEAR(m.mean, 4.0, MeanBound(4.0));
  EXPECT_NEAR(m.stddev, 4.0, 0.1);
}

TEST(DistributionsTest, Pareto) {
  Rng rng(24);
  double min = 1e300;
  // alpha 4, xm 2: mean 8/3, variance 4*4/(9*2) = 8/9.
  const Moments m = Sample(kN, [&] {
    const double x = SamplePareto(rng, 4.0, 2.0);
    min = std::min(min, x);
    return x;
  });
  EXPECT_GE(min, 2.0);
  EXPECT_NEAR(m.mean, 8.0 / 3, MeanBound(std::sqrt(8.0 / 9)));
  // P(X > 4) = (2/4)^4 = 1/16.
  Rng rng2(25);
  int above = 0;
  for (int i = 0; i < kN; ++i) above += SamplePareto(rng2, 4.0, 2.0) > 4.0;
  EXPECT_NEAR(above, kN / 16.0, 5 * std::sqrt(kN / 16.0 * 15 / 16));
}

TEST(DistributionsTest, UniformRange) {
  Rng rng(26);
  const Moments m = Sample(kN, [&] { return SampleUniform(rng, -2.0, 6.0); });
  EXPECT_NEAR(m.mean, 2.0, MeanBound(8 / std::sqrt(12.0)));
  EXPECT_NEAR(m.stddev, 8 / std::sqrt(12.0), 0.02);
}

TEST(DistributionsTest, StandardSamplesHaveMeanZeroAndDocumentedSpread) {
  struct Case {
    Distribution d;
    double stddev;
    // Pareto(3) has an infinite fourth moment, so its sample standard
    // deviation converges slowly (and is checked via the mean absolute
    // deviation below); these bounds are loose on purpose.
    double stddev_tolerance;
  };
  const Case cases[] = {
      {Distribution::kUniform, 1 / std::sqrt(3.0), 0.005},
      {Distribution::kNormal, 1.0, 5 / std::sqrt(2.0 * kN)},
      {Distribution::kPareto, 1.0, 0.3},
      {Distribution::kParetoNormal, 1.0, 0.3},
  };
  for (const Case& c : cases) {
    Rng rng(27);
    const Moments m = Sample(kN, [&] { return SampleStandard(rng, c.d); });
    EXPECT_NEAR(m.mean, 0.0, MeanBound(c.stddev)) << DistributionName(c.d);
    EXPECT_NEAR(m.stddev, c.stddev, c.stddev_tolerance) << DistributionName(c.d);
  }
}

TEST(DistributionsTest, StandardParetoMeanAbsoluteDeviation) {
  // For pareto(alpha 3, xm 1), E|X - 3/2| = 4/9; standardized by sqrt(3/4).
  // |X - mean| has finite variance (< E X^2 = 1 after standardizing), so
  // 5 standard errors are at most 5 / sqrt(n).
  Rng rng(28);
  double sum = 0;
  for (int i = 0; i < kN; ++i) sum += std::abs(SampleStandard(rng, Distribution::kPareto));
  EXPECT_NEAR(sum / kN, (4.0 / 9) / std::sqrt(0.75), 5 / std::sqrt(kN));
}

TEST(DistributionsTest, GoldenValues) {
  Rng rng(99);
  EXPECT_EQ(SampleNormal(rng, 0, 1), -0x1.f17d50830b911p+0);
  EXPECT_EQ(SampleExponential(rng, 1), 0x1.e6906520534e4p-2);
  EXPECT_EQ(SamplePareto(rng, 3, 1), 0x1.e7fdd84c64b03p+0);
  EXPECT_EQ(SampleStandard(rng, Distribution::kParetoNormal), -0x1.cf1670bc704efp-3);
}

}  // namespace
}  // namespace tcplab::netsim
