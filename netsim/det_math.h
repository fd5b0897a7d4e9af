#ifndef TCPLAB_NETSIM_DET_MATH_H_
#define TCPLAB_NETSIM_DET_MATH_H_

// Deterministic transcendental functions.
//
// tcplab promises the same packets for the same seed on any machine, and the
// random distributions need log and exp. libm's results are not specified to
// the last bit and differ between versions and platforms, so these are
// computed here with fixed algorithms that use only + - * / and sqrt (which
// IEEE 754 rounds exactly) plus exact bit manipulation. The targets that
// compile this code use -ffp-contract=off so that no compiler fuses a*b+c into
// an FMA on one platform and not on another.
//
// Accuracy: within a few ulp (tested to 1e-13 relative against libm).

namespace tcplab::netsim::det {

// Natural logarithm. Log(0) = -inf, Log(x < 0) = NaN, Log(inf) = inf.
double Log(double x);

// e^x. Overflows to inf above ~709.78, underflows to 0 below ~-745.13.
double Exp(double x);

// x^y for x > 0, as Exp(y * Log(x)); for the few powers the distributions
// need (pareto), not a general pow (x <= 0 gives NaN, except Pow(0, y > 0)
// which is 0).
double Pow(double x, double y);

}  // namespace tcplab::netsim::det

#endif  // TCPLAB_NETSIM_DET_MATH_H_
