#include "tools/plot/time_sequence.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tools/plot/axis.h"

namespace tcplab::plot {
namespace {

// Layout, in SVG user units (pixels at 100%).
constexpr double kWidth = 1000;
constexpr double kLeft = 80;       // room for the y tick labels
constexpr double kPlotWidth = 700;
constexpr double kLegendX = 800;
constexpr double kTop = 64;        // below the title lines
constexpr double kMainHeight = 420;
constexpr double kPanelHeight = 130;
constexpr double kPanelGap = 72;   // x tick labels, axis label, panel title

constexpr char kStyle[] =
    "text{font-family:sans-serif;font-size:11px;fill:#222}"
    ".title{font-size:16px;font-weight:bold}"
    ".subtitle{fill:#555}"
    ".frame{fill:none;stroke:#333}"
    ".grid{stroke:#e6e6e6}"
    ".seg{stroke:#1f4fbf;stroke-width:1.2;fill:none}"
    ".rexmit{stroke:#d62728;stroke-width:1.8;fill:none}"
    ".probe{stroke:#ff7f0e;stroke-width:1.8;fill:none}"
    ".drop{stroke:#d62728;stroke-width:1.5;fill:none}"
    ".sack{stroke:#9467bd;stroke-width:2.5}"
    ".ack{fill:none;stroke:#2ca02c;stroke-width:1}"
    ".win{fill:none;stroke:#bcbd22;stroke-width:1}"
    ".cwnd{fill:none;stroke:#1f4fbf;stroke-width:1.2}"
    ".ssthresh{fill:none;stroke:#d62728;stroke-width:1.2;stroke-dasharray:5 3}"
    ".srtt{fill:none;stroke:#2ca02c;stroke-width:1.2}"
    ".rto{fill:none;stroke:#ff7f0e;stroke-width:1.2}"
    ".rtt{fill:#1f4fbf;stroke:none}"
    ".inflight{fill:none;stroke:#8c564b;stroke-width:1.2}";

struct Frame {
  double x0, y0, w, h;
  double t_lo, t_hi, v_lo, v_hi;
  double X(double t) const { return x0 + (t - t_lo) / (t_hi - t_lo) * w; }
  double Y(double v) const { return y0 + h - (v - v_lo) / (v_hi - v_lo) * h; }
  bool InTime(double t) const { return t >= t_lo && t <= t_hi; }
};

// The engine's "no loss yet" ssthresh (scenarios/runner/timeline.h,
// IsInfiniteSsthresh): not drawn. Repeated here so that graphs of captures
// need no scenario runner.
bool InfiniteSsthresh(uint32_t ssthresh) { return ssthresh >= (uint32_t{1} << 30); }

double Seconds(int64_t ns) { return static_cast<double>(ns) / 1e9; }

// An axis range: the zoom as given, else the data's widened to nice steps.
void AxisRange(const std::optional<std::pair<double, double>>& zoom, double lo, double hi,
               double* out_lo, double* out_hi, double* step) {
  if (zoom) {
    *out_lo = zoom->first;
    *out_hi = zoom->second;
    *step = NiceStep(*out_lo, *out_hi);
    return;
  }
  if (!(hi > lo)) hi = lo + 1;
  *step = NiceStep(lo, hi);
  *out_lo = lo;
  *out_hi = hi;
  WidenToSteps(*step, out_lo, out_hi);
}

// A step line through (t, v) points, in time order: each value holds until
// the next. Starts at the window's left edge with the value then in force.
std::string StepPoints(const Frame& f, const std::vector<std::pair<double, double>>& pts) {
  std::string out;
  bool have = false;
  double prev = 0;
  auto add = [&out](double x, double y) {
    if (!out.empty()) out += ' ';
    absl::StrAppend(&out, Coord(x), ",", Coord(y));
  };
  for (const auto& [t, v] : pts) {
    if (t < f.t_lo) {
      prev = v;
      have = true;
      continue;
    }
    if (t > f.t_hi) break;
    if (out.empty() && have) add(f.X(f.t_lo), f.Y(prev));
    if (!out.empty() && v == prev) continue;
    if (!out.empty()) add(f.X(t), f.Y(prev));
    add(f.X(t), f.Y(v));
    prev = v;
    have = true;
  }
  // A value holds until the last point (repeats were skipped above).
  if (!out.empty() && !pts.empty()) {
    const double last = std::min(pts.back().first, f.t_hi);
    if (last >= f.t_lo) add(f.X(last), f.Y(prev));
  }
  return out;
}

class Svg {
 public:
  void Add(const std::string& s) { absl::StrAppend(&out_, s, "\n"); }
  void Text(double x, double y, const std::string& text, const std::string& extra = "") {
    Add(absl::StrCat("<text x=\"", Coord(x), "\" y=\"", Coord(y), "\"",
                     extra.empty() ? "" : " ", extra, ">", XmlEscape(text), "</text>"));
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Frame, grid, ticks, labels and the axis groups with their ranges.
void DrawAxes(Svg& svg, const Frame& f, double t_step, double v_step,
              const std::function<std::string(double, double)>& v_label,
              const std::string& x_title, const std::string& y_title, const std::string& name) {
  svg.Add(absl::StrCat("<g class=\"axis\" data-axis=\"", name, "-time\" data-min=\"",
                       absl::StrFormat("%.9f", f.t_lo), "\" data-max=\"",
                       absl::StrFormat("%.9f", f.t_hi), "\">"));
  for (double t : Ticks(f.t_lo, f.t_hi, t_step)) {
    const double x = f.X(t);
    svg.Add(absl::StrCat("<line class=\"grid\" x1=\"", Coord(x), "\" y1=\"", Coord(f.y0),
                         "\" x2=\"", Coord(x), "\" y2=\"", Coord(f.y0 + f.h), "\"/>"));
    svg.Text(x, f.y0 + f.h + 14, SecondsLabel(t, t_step), "text-anchor=\"middle\"");
  }
  svg.Text(f.x0 + f.w / 2, f.y0 + f.h + 30, x_title, "text-anchor=\"middle\"");
  svg.Add("</g>");
  svg.Add(absl::StrCat("<g class=\"axis\" data-axis=\"", name, "-value\" data-min=\"",
                       absl::StrFormat("%.3f", f.v_lo), "\" data-max=\"",
                       absl::StrFormat("%.3f", f.v_hi), "\">"));
  for (double v : Ticks(f.v_lo, f.v_hi, v_step)) {
    const double y = f.Y(v);
    svg.Add(absl::StrCat("<line class=\"grid\" x1=\"", Coord(f.x0), "\" y1=\"", Coord(y),
                         "\" x2=\"", Coord(f.x0 + f.w), "\" y2=\"", Coord(y), "\"/>"));
    svg.Text(f.x0 - 6, y + 4, v_label(v, v_step), "text-anchor=\"end\"");
  }
  const double yc = f.y0 + f.h / 2;
  svg.Text(16, yc, y_title,
           absl::StrCat("text-anchor=\"middle\" transform=\"rotate(-90 16 ", Coord(yc), ")\""));
  svg.Add("</g>");
  svg.Add(absl::StrCat("<rect class=\"frame\" x=\"", Coord(f.x0), "\" y=\"", Coord(f.y0),
                       "\" width=\"", Coord(f.w), "\" height=\"", Coord(f.h), "\"/>"));
}

void Clip(Svg& svg, const std::string& id, const Frame& f) {
  svg.Add(absl::StrCat("<clipPath id=\"", id, "\"><rect x=\"", Coord(f.x0), "\" y=\"",
                       Coord(f.y0), "\" width=\"", Coord(f.w), "\" height=\"", Coord(f.h),
                       "\"/></clipPath>"));
}

struct LegendEntry {
  std::string cls;
  std::string label;
  bool dot = false;
};

void Legend(Svg& svg, double y, const std::vector<LegendEntry>& entries) {
  svg.Add("<g class=\"legend\">");
  for (const LegendEntry& e : entries) {
    if (e.dot) {
      svg.Add(absl::StrCat("<circle class=\"key ", e.cls, "\" cx=\"", Coord(kLegendX + 10),
                           "\" cy=\"", Coord(y - 4), "\" r=\"2.5\"/>"));
    } else {
      svg.Add(absl::StrCat("<line class=\"key ", e.cls, "\" x1=\"", Coord(kLegendX), "\" y1=\"",
                           Coord(y - 4), "\" x2=\"", Coord(kLegendX + 20), "\" y2=\"",
                           Coord(y - 4), "\"/>"));
    }
    svg.Text(kLegendX + 28, y, e.label);
    y += 16;
  }
  svg.Add("</g>");
}

struct Series {
  std::string cls;
  std::string label;
  std::vector<std::pair<double, double>> points;  // (seconds, value)
  bool dots = false;
};

void Panel(Svg& svg, const Frame& base, double t_step, double y0, const std::string& prefix,
           const std::string& id,
           const std::string& title, const std::string& y_title,
           const std::function<std::string(double, double)>& v_label,
           const std::vector<Series>& series, const std::string& x_title) {
  double hi = 0;
  for (const Series& s : series) {
    for (const auto& [t, v] : s.points) {
      if (base.InTime(t)) hi = std::max(hi, v);
    }
  }
  Frame f = base;
  f.y0 = y0;
  f.h = kPanelHeight;
  double v_step = 1;
  // Headroom, so that a line at the maximum does not hide in the frame.
  AxisRange(std::nullopt, 0, hi > 0 ? hi * 1.05 : 1, &f.v_lo, &f.v_hi, &v_step);
  v_step = NiceStep(f.v_lo, f.v_hi, 4);
  svg.Add(absl::StrCat("<g class=\"panel\" data-panel=\"", id, "\">"));
  svg.Text(f.x0, y0 - 8, title, "font-weight=\"bold\"");
  Clip(svg, absl::StrCat(prefix, "clip-", id), f);
  DrawAxes(svg, f, t_step, v_step, v_label, x_title, y_title, id);
  svg.Add(absl::StrCat("<g clip-path=\"url(#", prefix, "clip-", id, ")\">"));
  for (const Series& s : series) {
    if (s.dots) {
      for (const auto& [t, v] : s.points) {
        if (!f.InTime(t)) continue;
        svg.Add(absl::StrCat("<circle class=\"", s.cls, "\" cx=\"", Coord(f.X(t)), "\" cy=\"",
                             Coord(f.Y(v)), "\" r=\"1.8\"/>"));
      }
    } else {
      const std::string pts = StepPoints(f, s.points);
      if (!pts.empty()) {
        svg.Add(absl::StrCat("<polyline class=\"", s.cls, "\" points=\"", pts, "\"/>"));
      }
    }
  }
  svg.Add("</g>");
  std::vector<LegendEntry> keys;
  for (const Series& s : series) keys.push_back({s.cls, s.label, s.dots});
  Legend(svg, y0 + 12, keys);
  svg.Add("</g>");
}

std::string MarkPath(double x, double y1, double y2) {
  // A bar with short serifs at both ends, as tcptrace draws segments; at
  // least 4 units tall, so that a one-byte probe shows at any zoom.
  if (y1 - y2 < 4) y1 = y2 + 4;
  return absl::StrCat("M", Coord(x), " ", Coord(y1), "V", Coord(y2), "M", Coord(x - 2), " ",
                      Coord(y1), "h4M", Coord(x - 2), " ", Coord(y2), "h4");
}

absl::StatusOr<std::pair<double, double>> ParseRange(
    const std::string& text, const std::function<bool(absl::string_view, double*)>& number,
    const std::string& what) {
  std::vector<std::string> parts = absl::StrSplit(text, "..");
  double a = 0, b = 0;
  if (parts.size() != 2 || !number(parts[0], &a) || !number(parts[1], &b) || !(a < b)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\": expected A..B with A < B, ", what));
  }
  return std::make_pair(a, b);
}

}  // namespace

absl::StatusOr<std::pair<double, double>> ParseTimeRange(const std::string& text) {
  return ParseRange(
      text,
      [](absl::string_view s, double* v) {
        absl::ConsumeSuffix(&s, "s");
        return absl::SimpleAtod(s, v) && std::isfinite(*v);
      },
      "in seconds (e.g. 1.5..3)");
}

absl::StatusOr<std::pair<double, double>> ParseSeqRange(const std::string& text) {
  return ParseRange(
      text,
      [](absl::string_view s, double* v) {
        double unit = 1;
        for (const auto& [suffix, scale] :
             std::vector<std::pair<absl::string_view, double>>{{"KiB", 1024.0},
                                                               {"MiB", 1048576.0},
                                                               {"KB", 1e3},
                                                               {"MB", 1e6},
                                                               {"K", 1e3},
                                                               {"M", 1e6},
                                                               {"B", 1.0}}) {
          if (absl::ConsumeSuffix(&s, suffix)) {
            unit = scale;
            break;
          }
        }
        if (!absl::SimpleAtod(s, v) || !std::isfinite(*v)) return false;
        *v *= unit;
        return true;
      },
      "in bytes from the ISN (e.g. 0..500K)");
}

std::string RenderTimeSequenceSvg(const PlotInput& input, const Connection& c,
                                  const PlotOptions& options) {
  // The data's extent: every mark and line of the graph.
  double t_min = std::numeric_limits<double>::infinity(), t_max = -t_min;
  double s_min = t_min, s_max = -t_min;
  auto see = [&](int64_t t_ns, double lo, double hi) {
    t_min = std::min(t_min, Seconds(t_ns));
    t_max = std::max(t_max, Seconds(t_ns));
    s_min = std::min(s_min, lo);
    s_max = std::max(s_max, hi);
  };
  for (const DataSegment& d : c.data) see(d.t_ns, d.begin, d.end);
  for (const AckSegment& a : c.acks) {
    see(a.t_ns, a.ack, a.ack + a.window);
    for (const auto& [l, r] : a.sacks) see(a.t_ns, l, r);
  }
  for (const Drop& d : c.drops) see(d.t_ns, d.seq, d.end);
  // The panels share the time axis: the engine's last snapshot may come
  // after the last packet (a connection that times out).
  for (const auto& [t_ns, info] : c.infos) {
    t_min = std::min(t_min, Seconds(t_ns));
    t_max = std::max(t_max, Seconds(t_ns));
  }
  if (!std::isfinite(t_min)) t_min = t_max = s_min = s_max = 0;
  if (c.isn_from_syn) s_min = std::min(s_min, 0.0);

  Frame f{kLeft, kTop, kPlotWidth, kMainHeight, 0, 1, 0, 1};
  double t_step = 1, s_step = 1;
  AxisRange(options.time, t_min, t_max, &f.t_lo, &f.t_hi, &t_step);
  AxisRange(options.seq, s_min, s_max, &f.v_lo, &f.v_hi, &s_step);
  auto in_seq = [&f](double lo, double hi) { return hi > f.v_lo && lo < f.v_hi; };
  auto at_seq = [&f](double v) { return v >= f.v_lo && v <= f.v_hi; };
  auto clamp = [&f](double v) { return std::clamp(v, f.v_lo, f.v_hi); };

  const bool panels = !c.infos.empty();
  const int panel_count = panels ? 3 : 0;
  const double main_bottom = kTop + kMainHeight + 44;
  const double height = main_bottom + panel_count * (kPanelHeight + kPanelGap) + 16;
  const std::string x_title = absl::StrCat("time (s, ", input.time_origin, ")");

  int64_t n_new = 0, n_rexmit = 0, n_probe = 0;
  for (const DataSegment& d : c.data) {
    (d.kind == DataKind::kNew ? n_new : d.kind == DataKind::kProbe ? n_probe : n_rexmit)++;
  }

  Svg svg;
  svg.Add("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
  svg.Add(absl::StrCat("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"",
                       Coord(kWidth), "\" height=\"", Coord(height), "\" viewBox=\"0 0 ",
                       Coord(kWidth), " ", Coord(height), "\">"));
  svg.Add(absl::StrCat("<title>", XmlEscape(c.sender_name), " -&gt; ",
                       XmlEscape(c.receiver_name), ": time-sequence graph</title>"));
  svg.Add(absl::StrCat("<style>", kStyle, "</style>"));
  svg.Add("<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>");
  svg.Text(kLeft, 22, absl::StrCat("Time-sequence graph: ", c.sender_name, " -> ",
                                   c.receiver_name),
           "class=\"title\"");
  svg.Text(kLeft, 40,
           absl::StrCat(input.source, input.simulated ? " (tcplab simulation)" : " (pcap)", ": ",
                        c.data.size(), " data segments, ", n_rexmit, " retransmitted, ",
                        n_probe, " window probes, ", c.drops.size(), " dropped",
                        input.simulated ? "" : " (drops unknown in a capture)"),
           "class=\"subtitle\"");
  svg.Text(kLeft, 54,
           absl::StrCat("sequence numbers relative to the ISN",
                        c.isn_from_syn ? " (from the SYN)" : " (first seen: no SYN captured)",
                        c.window_scaled
                            ? absl::StrCat("; window scaling negotiated: the receiver's "
                                           "windows times 2^", c.window_shift)
                            : "; no window scaling"),
           "class=\"subtitle\"");

  svg.Add("<defs>");
  Clip(svg, absl::StrCat(options.id_prefix, "clip-main"), f);
  svg.Add("</defs>");
  DrawAxes(svg, f, t_step, s_step, BytesLabel, x_title, "sequence offset (bytes from ISN)",
           "main");

  svg.Add(absl::StrCat("<g clip-path=\"url(#", options.id_prefix, "clip-main)\">"));
  std::vector<std::pair<double, double>> ack_pts, win_pts;
  for (const AckSegment& a : c.acks) {
    ack_pts.push_back({Seconds(a.t_ns), static_cast<double>(a.ack)});
    win_pts.push_back({Seconds(a.t_ns), static_cast<double>(a.ack + a.window)});
  }
  if (std::string p = StepPoints(f, win_pts); !p.empty()) {
    svg.Add(absl::StrCat("<polyline class=\"win\" points=\"", p, "\"/>"));
  }
  if (std::string p = StepPoints(f, ack_pts); !p.empty()) {
    svg.Add(absl::StrCat("<polyline class=\"ack\" points=\"", p, "\"/>"));
  }
  svg.Add("</g>");

  svg.Add("<g class=\"marks\">");
  for (const AckSegment& a : c.acks) {
    const double t = Seconds(a.t_ns);
    if (!f.InTime(t)) continue;
    for (const auto& [l, r] : a.sacks) {
      if (!in_seq(l, r)) continue;
      svg.Add(absl::StrCat("<line class=\"sack\" x1=\"", Coord(f.X(t)), "\" y1=\"",
                           Coord(f.Y(clamp(l))), "\" x2=\"", Coord(f.X(t)), "\" y2=\"",
                           Coord(f.Y(clamp(r))), "\"/>"));
    }
  }
  for (const DataSegment& d : c.data) {
    const double t = Seconds(d.t_ns);
    if (!f.InTime(t) || !in_seq(d.begin, d.end)) continue;
    const char* cls = d.kind == DataKind::kNew             ? "seg"
                      : d.kind == DataKind::kRetransmission ? "rexmit"
                                                            : "probe";
    svg.Add(absl::StrCat("<path class=\"", cls, "\" d=\"",
                         MarkPath(f.X(t), f.Y(clamp(d.begin)), f.Y(clamp(d.end))), "\"/>"));
  }
  for (const Drop& d : c.drops) {
    const double t = Seconds(d.t_ns);
    const double v = d.data_direction ? d.end : d.seq;
    if (!f.InTime(t) || !at_seq(v)) continue;
    const double x = f.X(t), y = f.Y(v);
    svg.Add(absl::StrCat("<path class=\"drop\" data-dir=\"", d.data_direction ? "data" : "ack",
                         "\" data-reason=\"", XmlEscape(d.reason), "\" d=\"M", Coord(x - 4),
                         " ", Coord(y - 4), "l8 8M", Coord(x - 4), " ", Coord(y + 4),
                         "l8 -8\"/>"));
  }
  svg.Add("</g>");

  std::vector<LegendEntry> keys = {{"seg", "data segment"},
                                   {"rexmit", "retransmission"},
                                   {"probe", "zero-window probe"},
                                   {"ack", "ACK"},
                                   {"win", "ACK + receive window"},
                                   {"sack", "SACK block"}};
  if (input.simulated) keys.push_back({"drop", "dropped (x)"});
  Legend(svg, kTop + 12, keys);

  if (panels) {
    Series cwnd{"cwnd", "cwnd"}, ssthresh{"ssthresh", "ssthresh (once finite)"},
        srtt{"srtt", "SRTT"}, rto{"rto", "RTO"}, rtt{"rtt", "RTT sample", {}, true},
        inflight{"inflight", "in flight"};
    for (const auto& [t_ns, i] : c.infos) {
      const double t = Seconds(t_ns);
      cwnd.points.push_back({t, static_cast<double>(i.cwnd)});
      if (!InfiniteSsthresh(i.ssthresh)) {
        ssthresh.points.push_back({t, static_cast<double>(i.ssthresh)});
      }
      if (i.srtt > absl::ZeroDuration()) {
        srtt.points.push_back({t, absl::ToDoubleMilliseconds(i.srtt)});
      }
      rto.points.push_back({t, absl::ToDoubleMilliseconds(i.rto)});
      inflight.points.push_back({t, static_cast<double>(i.bytes_in_flight)});
    }
    for (const RttSample& s : c.rtts) {
      rtt.points.push_back({Seconds(s.t_ns), static_cast<double>(s.rtt_ns) / 1e6});
    }
    const std::string& p = options.id_prefix;
    double y = main_bottom + kPanelGap - 20;
    Panel(svg, f, t_step, y, p, "cwnd", "Congestion window (the sender's engine)", "bytes",
          BytesLabel, {cwnd, ssthresh}, x_title);
    y += kPanelHeight + kPanelGap;
    Panel(svg, f, t_step, y, p, "rtt", "Round-trip time: samples (Karn), SRTT, RTO", "ms",
          MillisLabel, {rtt, srtt, rto}, x_title);
    y += kPanelHeight + kPanelGap;
    Panel(svg, f, t_step, y, p, "inflight", "Bytes in flight (RFC 6675 pipe in recovery)",
          "bytes", BytesLabel, {inflight}, x_title);
  }
  svg.Add("</svg>");
  return svg.Take();
}

}  // namespace tcplab::plot
