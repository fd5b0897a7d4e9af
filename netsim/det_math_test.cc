#include "netsim/det_math.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include "gtest/gtest.h"

namespace tcplab::netsim::det {
namespace {

double RelativeError(double got, double want) {
  if (want == 0) return std::abs(got);
  return std::abs((got - want) / want);
}

// A fixed sweep of arguments: a tiny LCG so the test needs nothing else.
class Sweep {
 public:
  double Next01() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state_ >> 11) * 0x1.0p-53;
  }

 private:
  uint64_t state_ = 12345;
};

TEST(DetMathTest, LogMatchesLibmAcrossRanges) {
  Sweep sweep;
  for (int i = 0; i < 200000; ++i) {
    // Exponents from 2^-1074 (subnormal) to 2^1023, and values near 1.
    const double x = i % 4 == 0 ? 1.0 + (sweep.Next01() - 0.5) * 1e-6
                                : std::ldexp(0.5 + sweep.Next01(),
                                             static_cast<int>(sweep.Next01() * 2090) - 1070);
    ASSERT_LT(RelativeError(Log(x), std::log(x)), 1e-13) << x;
  }
}

TEST(DetMathTest, LogSpecialValues) {
  EXPECT_EQ(Log(1.0), 0.0);
  EXPECT_EQ(Log(0.0), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(Log(-1.0)));
  EXPECT_TRUE(std::isnan(Log(std::numeric_limits<double>::quiet_NaN())));
  EXPECT_EQ(Log(std::numeric_limits<double>::infinity()),
            std::numeric_limits<double>::infinity());
  EXPECT_LT(RelativeError(Log(std::numeric_limits<double>::denorm_min()),
                          -744.44007192138126),
            1e-15);
}

TEST(DetMathTest, ExpMatchesLibmAcrossRanges) {
  Sweep sweep;
  for (int i = 0; i < 200000; ++i) {
    const double x = i % 4 == 0 ? (sweep.Next01() - 0.5) * 1e-6
                                : (sweep.Next01() - 0.5) * 1400.0;  // +-700
    ASSERT_LT(RelativeError(Exp(x), std::exp(x)), 1e-13) << x;
  }
}

TEST(DetMathTest, ExpSpecialValuesAndSubnormals) {
  EXPECT_EQ(Exp(0.0), 1.0);
  EXPECT_EQ(Exp(1000.0), std::numeric_limits<double>::infinity());
  EXPECT_EQ(Exp(-1000.0), 0.0);
  EXPECT_TRUE(std::isnan(Exp(std::numeric_limits<double>::quiet_NaN())));
  // Subnormal results: relative error grows as precision runs out, so
  // compare absolutely in units of the smallest subnormal.
  for (double x = -744.0; x < -708.0; x += 0.37) {
    EXPECT_LE(std::abs(Exp(x) - std::exp(x)),
              std::max(std::exp(x) * 1e-13, 2 * std::numeric_limits<double>::denorm_min()))
        << x;
  }
}

TEST(DetMathTest, PowMatchesLibm) {
  Sweep sweep;
  for (int i = 0; i < 50000; ++i) {
    const double x = sweep.Next01() + 1e-300;
    const double y = -1.0 / (0.5 + 4.0 * sweep.Next01());  // pareto exponents
    ASSERT_LT(RelativeError(Pow(x, y), std::pow(x, y)), 1e-12) << x << " " << y;
  }
  EXPECT_EQ(Pow(0.0, 2.0), 0.0);
  EXPECT_TRUE(std::isnan(Pow(-2.0, 0.5)));
}

// Golden bits: a change in the algorithms (or in how the compiler treats
// them) changes every simulation's packets, so it must be deliberate.
TEST(DetMathTest, GoldenValues) {
  EXPECT_EQ(Log(2.0), 0x1.62e42fefa39efp-1);
  EXPECT_EQ(Log(10.0), 0x1.26bb1bbb55516p+1);
  EXPECT_EQ(Log(0.1), -0x1.26bb1bbb55515p+1);
  EXPECT_EQ(Exp(1.0), 0x1.5bf0a8b14576ap+1);  // 1 ulp above e
  EXPECT_EQ(Exp(-2.5), 0x1.50385c094f425p-4);
}

}  // namespace
}  // namespace tcplab::netsim::det
