#include "netsim/det_math.h"

#include <cstdint>
#include <cstring>
#include <limits>

namespace tcplab::netsim::det {
namespace {

// ln 2 split so that k * kLn2Hi is exact for |k| < 2^20 (the low 32 bits of
// kLn2Hi's significand are zero).
constexpr double kLn2Hi = 6.93147180369123816490e-01;  // 0x3fe62e42fee00000
constexpr double kLn2Lo = 1.90821492927058770002e-10;  // 0x3dea39ef35793c76
constexpr double kInvLn2 = 1.44269504088896338700e+00;

uint64_t Bits(double x) {
  uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}
double FromBits(uint64_t b) {
  double x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

// 2^k for a normal-range k (-1022..1023), exactly.
double TwoPow(int k) { return FromBits(static_cast<uint64_t>(k + 1023) << 52); }

}  // namespace

double Log(double x) {
  if (x != x) return x;  // NaN
  if (x < 0) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0) return -std::numeric_limits<double>::infinity();
  if (x == std::numeric_limits<double>::infinity()) return x;

  int exponent_adjust = 0;
  uint64_t bits = Bits(x);
  if ((bits >> 52) == 0) {  // subnormal: scale into the normal range
    x *= TwoPow(54);
    exponent_adjust = -54;
    bits = Bits(x);
  }
  int e = static_cast<int>(bits >> 52) - 1023 + exponent_adjust;
  // m in [1, 2): same significand, exponent 0.
  double m = FromBits((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
  if (m > 1.4142135623730951) {  // keep m in [sqrt(1/2), sqrt(2)]
    m *= 0.5;
    ++e;
  }
  // log(m) = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716: the odd series
  // 2(s + s^3/3 + s^5/5 + ...) converges to double precision in 12 terms.
  const double s = (m - 1.0) / (m + 1.0);
  const double z = s * s;
  double poly = 1.0 / 25.0;
  for (int k = 11; k >= 0; --k) poly = 1.0 / (2 * k + 1) + z * poly;
  const double log_m = 2.0 * s * poly;
  const double de = static_cast<double>(e);
  return de * kLn2Hi + (de * kLn2Lo + log_m);
}

double Exp(double x) {
  if (x != x) return x;
  if (x > 709.782712893383973096) return std::numeric_limits<double>::infinity();
  if (x < -745.133219101941108420) return 0.0;
  // x = k ln2 + r with |r| <= ln2/2; floor is exact in IEEE arithmetic.
  double kd = x * kInvLn2;
  kd = kd >= 0 ? static_cast<double>(static_cast<int64_t>(kd + 0.5))
               : -static_cast<double>(static_cast<int64_t>(-kd + 0.5));
  const int k = static_cast<int>(kd);
  const double r = (x - kd * kLn2Hi) - kd * kLn2Lo;
  // Taylor series of e^r to degree 13: the remainder is < 5e-18 for
  // |r| <= 0.347.
  double term_coeff[14];
  term_coeff[0] = 1.0;
  double factorial = 1.0;
  for (int i = 1; i < 14; ++i) {
    factorial *= i;  // exact: 13! < 2^53
    term_coeff[i] = 1.0 / factorial;
  }
  double p = term_coeff[13];
  for (int i = 12; i >= 0; --i) p = term_coeff[i] + r * p;
  // Scale by 2^k in steps that stay exact except for the final rounding
  // into subnormals.
  if (k > 1023) return p * TwoPow(1023) * TwoPow(k - 1023);
  if (k < -1022) return p * TwoPow(k + 1000) * TwoPow(-1000);
  return p * TwoPow(k);
}

double Pow(double x, double y) {
  if (x != x || y != y) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0) {
    return y > 0 ? 0.0 : std::numeric_limits<double>::quiet_NaN();
  }
  if (x < 0) return std::numeric_limits<double>::quiet_NaN();
  return Exp(y * Log(x));
}

}  // namespace tcplab::netsim::det
