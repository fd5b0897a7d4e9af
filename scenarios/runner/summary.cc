#include "scenarios/runner/summary.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "scenarios/lang/units.h"
#include "scenarios/runner/timeline.h"

namespace tcplab::scenario::runner {
namespace {

std::string Goodput(uint64_t bytes, absl::Duration d) {
  if (d <= absl::ZeroDuration() || bytes == 0) return "-";
  const double bps = static_cast<double>(bytes) * 8.0 / absl::ToDoubleSeconds(d);
  if (bps >= 1e6) return absl::StrFormat("%.2f Mbit/s", bps / 1e6);
  return absl::StrFormat("%.2f kbit/s", bps / 1e3);
}

std::string Dur(absl::Duration d) { return absl::FormatDuration(d); }

}  // namespace

std::string RenderSummary(const World& world) {
  std::string out = "connections:\n";
  int count = 0;
  for (const App& app : world.scenario().apps) {
    for (const AppInstance* a : world.AppInstances(app.name)) {
      for (const auto& cp : a->conns()) {
        const Conn& c = *cp;
        const ConnStats& s = c.stats();
        ++count;
        absl::StrAppend(&out, "  ", s.label, " (", Name(app.kind), " on ", s.host, ")");
        if (s.info) {
          absl::StrAppend(&out, " ", world.HostNameOf(s.info->local_address), ":",
                          s.info->local_port, " <> ", world.HostNameOf(s.info->remote_address),
                          ":", s.info->remote_port);
        }
        absl::StrAppend(&out, "\n");
        absl::StrAppend(&out, "    wrote ", SizeToString(s.written), ", acked ",
                        SizeToString(c.acked()), ", read ", SizeToString(s.read), ", intact ",
                        s.mismatches == 0 ? "yes" : absl::StrCat("NO (", s.mismatches,
                                                                 " bytes differ)"),
                        "\n");
        absl::StrAppend(&out, "    established ",
                        s.established ? FormatTime(s.established_at) : "never", ", finished ",
                        s.finished ? FormatTime(s.finished_at) : "never");
        if (s.established && s.finished) {
          absl::StrAppend(&out, ", goodput ",
                          Goodput(std::max(c.acked(), s.read), s.finished_at - s.established_at));
        }
        absl::StrAppend(&out, "\n");
        absl::StrAppend(&out, "    retransmits ", c.retransmits(), ", timeouts ", c.timeouts(),
                        ", zero-window probes ", c.zero_window_probes());
        if (s.info) {
          absl::StrAppend(&out, ", rtt samples ", s.info->rtt_samples, ", srtt ",
                          Dur(s.info->srtt), ", rttvar ", Dur(s.info->rttvar), ", rto ",
                          Dur(s.info->rto));
        }
        absl::StrAppend(&out, "\n");
        absl::StrAppend(&out, "    final state ", tcp::StateName(c.state()), ", error ",
                        Name(s.error));
        if (!s.error_text.empty()) absl::StrAppend(&out, " (", s.error_text, ")");
        absl::StrAppend(&out, "\n");
      }
      for (const std::string& p : a->problems()) {
        absl::StrAppend(&out, "  ", app.name, " on ", a->host().name(), ": ", p, "\n");
      }
    }
  }
  if (count == 0) absl::StrAppend(&out, "  (none)\n");
  absl::StrAppend(&out, "links:\n");
  for (const auto& link : world.net().links()) {
    for (const netsim::LinkDirection* d : {&link->a_to_b(), &link->b_to_a()}) {
      absl::StrAppend(&out, "  ", d->name(), ": ", d->counters().ToString(),
                      d->up() ? "" : " (down)", "\n");
    }
  }
  bool header = false;
  for (const auto& node : world.net().nodes()) {
    if (node->counters().dropped_total() == 0) continue;
    if (!header) absl::StrAppend(&out, "hosts and switches with drops:\n");
    header = true;
    absl::StrAppend(&out, "  ", node->name(), ": ", node->counters().ToString(), "\n");
  }
  return out;
}

}  // namespace tcplab::scenario::runner
