#include "tools/plot/axis.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace tcplab::plot {
namespace {

int DecimalsFor(double step) {
  if (step <= 0) return 0;
  const int d = static_cast<int>(-std::floor(std::log10(step) + 1e-9));
  return d < 0 ? 0 : (d > 9 ? 9 : d);
}

std::string Fixed(double v, int decimals) {
  std::string s = absl::StrFormat("%.*f", decimals, v);
  if (s.rfind("-", 0) == 0 && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  return s;
}

}  // namespace

double NiceStep(double lo, double hi, int target) {
  const double range = hi - lo;
  if (!(range > 0) || target < 1) return 1;
  const double raw = range / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  const double nice = norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10;
  return nice * mag;
}

void WidenToSteps(double step, double* lo, double* hi) {
  *lo = std::floor(*lo / step + 1e-9) * step;
  *hi = std::ceil(*hi / step - 1e-9) * step;
  if (*hi <= *lo) *hi = *lo + step;
}

std::vector<double> Ticks(double lo, double hi, double step) {
  std::vector<double> out;
  if (!(step > 0)) return out;
  const int64_t first = static_cast<int64_t>(std::ceil(lo / step - 1e-9));
  const int64_t last = static_cast<int64_t>(std::floor(hi / step + 1e-9));
  for (int64_t k = first; k <= last && out.size() < 1000; ++k) out.push_back(k * step);
  return out;
}

std::string SecondsLabel(double seconds, double step) {
  return Fixed(seconds, DecimalsFor(step));
}

std::string MillisLabel(double ms, double step) { return Fixed(ms, DecimalsFor(step)); }

std::string BytesLabel(double bytes, double step) {
  if (bytes == 0) return "0";
  // The unit follows the value, the decimals the step: 500K, 1.0M, 1.5M.
  const double m = std::fabs(bytes);
  if (m >= 1e6) return absl::StrCat(Fixed(bytes / 1e6, DecimalsFor(step / 1e6)), "M");
  if (m >= 1e3) return absl::StrCat(Fixed(bytes / 1e3, DecimalsFor(step / 1e3)), "K");
  return Fixed(bytes, DecimalsFor(step));
}

std::string Coord(double v) { return Fixed(v, 1); }

std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace tcplab::plot
