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

// Microseconds are plenty for RTT estimates: "22.049ms", not "22.04924525ms".
std::string Dur(absl::Duration d) {
  return absl::FormatDuration(absl::Trunc(d, absl::Microseconds(1)));
}

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
        if (s.info) {
          const tcp::ConnectionInfo& i = *s.info;
          absl::StrAppend(&out, "    ", CongestionText(i), "; ", OptionsText(i), "\n");
          absl::StrAppend(&out, "    srtt ", Dur(i.srtt), ", rttvar ", Dur(i.rttvar), ", rto ",
                          Dur(i.rto), ", rtt samples ", i.rtt_samples, "\n");
          absl::StrAppend(&out, "    retransmits ", c.retransmits(), " (timeout ",
                          i.timeout_retransmissions, ", fast ", i.fast_retransmissions,
                          ", sack ", i.sack_retransmissions, ", recovery ",
                          i.recovery_retransmissions,
                          // The stack's observer keeps counting after the app
                          // released the socket; the snapshot does not.
                          c.retransmits() > i.retransmissions
                              ? absl::StrCat(s.released ? ", after close " : ", other ",
                                             c.retransmits() - i.retransmissions)
                              : "",
                          "), timeouts ", c.timeouts(), ", fast recoveries ", i.fast_recoveries,
                          "\n");
          absl::StrAppend(&out, "    dup acks ", i.duplicate_acks, ", sack blocks ",
                          i.sack_blocks_received, ", delayed acks ", i.delayed_acks,
                          ", burst acks ", i.burst_acks,
                          ", zero-window probes ", c.zero_window_probes(),
                          ", keepalive probes ", i.keepalive_probes, "\n");
        } else {
          absl::StrAppend(&out, "    retransmits ", c.retransmits(), ", timeouts ",
                          c.timeouts(), ", zero-window probes ", c.zero_window_probes(), "\n");
        }
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
  absl::StrAppend(&out, "stacks:\n");
  for (const auto& host : world.hosts()) {
    const tcp::StackCounters& k = host->stack().counters();
    absl::StrAppend(&out, "  ", host->name(), ": challenge acks ", k.challenge_acks, " (",
                    k.challenge_acks_suppressed, " suppressed), paws drops ", k.paws_rejected,
                    "\n");
  }
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
