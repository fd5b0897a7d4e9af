#ifndef TCPLAB_TOOLS_PLOT_AXIS_H_
#define TCPLAB_TOOLS_PLOT_AXIS_H_

// Axis arithmetic: "nice" tick steps (1, 2 or 5 times a power of ten) and
// tick labels with units, formatted with fixed rules so that the same data
// gives the same text.

#include <string>
#include <vector>

namespace tcplab::plot {

// About `target` steps across [lo, hi]; 1 when the range is empty.
double NiceStep(double lo, double hi, int target = 8);

// [lo, hi] widened outward to multiples of the step (the axis then spans
// the data).
void WidenToSteps(double step, double* lo, double* hi);

// The multiples of `step` inside [lo, hi], computed from integers so that
// no rounding drift adds or loses a tick.
std::vector<double> Ticks(double lo, double hi, double step);

// "0.25" for seconds with as many decimals as the step needs.
std::string SecondsLabel(double seconds, double step);
// "0", "500K", "1.5M", "750": bytes, decimal K = 1000, M = 1000000; the
// unit follows the value, the decimals the step.
std::string BytesLabel(double bytes, double step);
// Milliseconds, as SecondsLabel.
std::string MillisLabel(double ms, double step);

// A coordinate for an SVG attribute: one decimal, "-0.0" avoided.
std::string Coord(double v);
// XML text or attribute value with &, <, >, " and ' escaped.
std::string XmlEscape(const std::string& s);

}  // namespace tcplab::plot

#endif  // TCPLAB_TOOLS_PLOT_AXIS_H_
