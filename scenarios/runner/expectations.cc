#include "scenarios/runner/expectations.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "scenarios/lang/units.h"
#include "scenarios/runner/timeline.h"

namespace tcplab::scenario::runner {
namespace {

TcpState ToScenario(tcp::ConnectionState s) {
  // The two enums list the RFC states in the same order.
  return static_cast<TcpState>(static_cast<int>(s));
}

std::string ValueText(Metric m, const ExpectValue& v) {
  if (const auto* n = std::get_if<uint64_t>(&v)) {
    return IsSizeMetric(m) ? SizeToString(*n) : absl::StrCat(*n);
  }
  if (const auto* d = std::get_if<absl::Duration>(&v)) return DurationToString(*d);
  if (const auto* s = std::get_if<TcpState>(&v)) return std::string(Name(*s));
  if (const auto* e = std::get_if<ErrorKind>(&v)) return std::string(Name(*e));
  return std::get<bool>(v) ? "true" : "false";
}

// One connection (or instance) checked: its label, whether it holds, what
// it showed.
struct Item {
  std::string label;
  bool ok;
  std::string value;
};

Item CheckConn(const Conn& c, const Expectation& e) {
  const ConnStats& s = c.stats();
  const CompareOp op = e.op.value_or(CompareOp::kEq);
  Item it{s.label, false, ""};
  switch (e.metric) {
    case Metric::kState: {
      const TcpState st = ToScenario(c.state());
      it.value = std::string(Name(st));
      it.ok = Compare(st, op, std::get<TcpState>(e.value));
      break;
    }
    case Metric::kError:
      it.value = std::string(Name(s.error));
      it.ok = Compare(s.error, op, std::get<ErrorKind>(e.value));
      break;
    case Metric::kIntact: {
      const bool intact = s.mismatches == 0;
      it.value = intact ? "true" : absl::StrCat("false (", s.mismatches, " bytes differ)");
      it.ok = Compare(intact, op, e.op ? std::get<bool>(e.value) : true);
      break;
    }
    case Metric::kSrtt: {
      const absl::Duration srtt = s.info ? s.info->srtt : absl::ZeroDuration();
      it.value = absl::FormatDuration(srtt);
      it.ok = Compare(srtt, op, std::get<absl::Duration>(e.value));
      break;
    }
    case Metric::kCompleted:
      if (!s.finished) {
        it.value = "not finished";
        it.ok = false;
      } else {
        it.value = absl::FormatDuration(s.finished_at.since_start());
        it.ok = !e.op || Compare(s.finished_at.since_start(), op,
                                 std::get<absl::Duration>(e.value));
      }
      break;
    default: {
      uint64_t n = 0;
      // The last snapshot's counters (zero before the first).
      const tcp::ConnectionInfo info = s.info.value_or(tcp::ConnectionInfo{});
      switch (e.metric) {
        case Metric::kSent: n = c.acked(); break;
        case Metric::kReceived: n = s.read; break;
        case Metric::kRetransmits: n = c.retransmits(); break;
        case Metric::kTimeouts: n = c.timeouts(); break;
        case Metric::kFastRetransmits: n = c.fast_retransmits(); break;
        case Metric::kZeroWindowProbes: n = c.zero_window_probes(); break;
        case Metric::kSackRetransmits: n = info.sack_retransmissions; break;
        case Metric::kFastRecoveries: n = info.fast_recoveries; break;
        case Metric::kDupAcks: n = info.duplicate_acks; break;
        case Metric::kSackBlocks: n = info.sack_blocks_received; break;
        case Metric::kKeepaliveProbes: n = info.keepalive_probes; break;
        case Metric::kCwnd: n = info.cwnd; break;
        case Metric::kSsthresh: n = info.ssthresh; break;
        default: break;
      }
      it.value = IsSizeMetric(e.metric) ? SizeToString(n) : absl::StrCat(n);
      if (e.metric == Metric::kSsthresh && IsInfiniteSsthresh(info.ssthresh)) {
        absl::StrAppend(&it.value, " (infinite)");
      }
      it.ok = Compare(n, op, std::get<uint64_t>(e.value));
      break;
    }
  }
  return it;
}

}  // namespace

std::string ExpectationText(const Expectation& e) {
  std::string out = absl::StrCat(e.app, ".", Name(e.metric));
  if (e.op) absl::StrAppend(&out, " ", Name(*e.op), " ", ValueText(e.metric, e.value));
  if (e.at) absl::StrAppend(&out, " at ", DurationToString(*e.at));
  return out;
}

ExpectationResult CheckExpectation(const World& world, const Expectation& e, Instant now) {
  ExpectationResult r;
  r.checked_at = now;
  std::vector<Item> items;
  const std::vector<AppInstance*>& instances = world.AppInstances(e.app);
  if (e.metric == Metric::kConnections) {
    for (const AppInstance* a : instances) {
      const uint64_t n = a->established();
      items.push_back({absl::StrCat(e.app, "@", a->host().name()),
                       Compare(n, e.op.value_or(CompareOp::kEq), std::get<uint64_t>(e.value)),
                       absl::StrCat(n)});
    }
  } else {
    for (const AppInstance* a : instances) {
      for (const auto& c : a->conns()) items.push_back(CheckConn(*c, e));
    }
  }
  if (items.empty()) {
    r.passed = false;
    r.seen = "no connection";
    return r;
  }
  int failing = 0;
  for (const Item& i : items) failing += i.ok ? 0 : 1;
  r.passed = failing == 0;
  // Everyone the same: one value. Otherwise the failing ones first.
  bool same = true;
  for (const Item& i : items) same = same && i.value == items[0].value;
  if (items.size() == 1) {
    r.seen = absl::StrCat(items[0].label, ": ", items[0].value);
  } else if (same) {
    r.seen = absl::StrCat("all ", items.size(), ": ", items[0].value);
  } else {
    std::vector<std::string> shown;
    for (const Item& i : items) {
      if (!i.ok && shown.size() < 4) shown.push_back(absl::StrCat(i.label, ": ", i.value));
    }
    for (const Item& i : items) {
      if (i.ok && shown.size() < 4) shown.push_back(absl::StrCat(i.label, ": ", i.value));
    }
    r.seen = absl::StrCat(absl::StrJoin(shown, ", "), " (", items.size() - failing, " of ",
                          items.size(), " hold)");
  }
  return r;
}

}  // namespace tcplab::scenario::runner
