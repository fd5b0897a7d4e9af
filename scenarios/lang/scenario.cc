#include "scenarios/lang/scenario.h"

#include <string>
#include <variant>

#include "absl/strings/str_cat.h"

namespace tcplab::scenario {
namespace {

std::string OnOff(bool b) { return b ? "on" : "off"; }

template <typename T>
void Overwrite(std::optional<T>& to, const std::optional<T>& from) {
  if (from.has_value()) to = from;
}

std::string LinkRefString(const LinkRef& l) {
  return absl::StrCat(l.from, l.both_directions ? " -- " : " -> ", l.to);
}

std::string ValueString(Metric m, const ExpectValue& v) {
  if (const auto* n = std::get_if<uint64_t>(&v)) {
    if (IsSizeMetric(m)) return SizeToString(*n);
    return absl::StrCat(*n);
  }
  if (const auto* d = std::get_if<absl::Duration>(&v)) return DurationToString(*d);
  if (const auto* s = std::get_if<TcpState>(&v)) return std::string(Name(*s));
  if (const auto* e = std::get_if<ErrorKind>(&v)) return std::string(Name(*e));
  return std::get<bool>(v) ? "true" : "false";
}

}  // namespace

void LinkParams::MergeFrom(const LinkParams& o) {
  Overwrite(delay, o.delay);
  Overwrite(jitter, o.jitter);
  Overwrite(delay_correlation, o.delay_correlation);
  Overwrite(distribution, o.distribution);
  Overwrite(loss, o.loss);
  Overwrite(duplicate, o.duplicate);
  Overwrite(duplicate_correlation, o.duplicate_correlation);
  Overwrite(reorder, o.reorder);
  Overwrite(reorder_correlation, o.reorder_correlation);
  Overwrite(reorder_gap, o.reorder_gap);
  Overwrite(corrupt, o.corrupt);
  Overwrite(corrupt_correlation, o.corrupt_correlation);
  Overwrite(rate_bps, o.rate_bps);
  Overwrite(limit_packets, o.limit_packets);
  Overwrite(limit_bytes, o.limit_bytes);
  Overwrite(mtu, o.mtu);
}

absl::string_view Name(CongestionControl c) {
  switch (c) {
    case CongestionControl::kNone: return "none";
    case CongestionControl::kReno: return "reno";
    case CongestionControl::kNewReno: return "newreno";
    case CongestionControl::kCubic: return "cubic";
  }
  return "?";
}

absl::string_view Name(Distribution d) {
  switch (d) {
    case Distribution::kUniform: return "uniform";
    case Distribution::kNormal: return "normal";
    case Distribution::kPareto: return "pareto";
    case Distribution::kParetoNormal: return "paretonormal";
  }
  return "?";
}

absl::string_view Name(AppKind k) {
  switch (k) {
    case AppKind::kBulk: return "bulk";
    case AppKind::kSink: return "sink";
    case AppKind::kEcho: return "echo";
    case AppKind::kHttpServer: return "http_server";
    case AppKind::kHttpGet: return "http_get";
  }
  return "?";
}

absl::string_view Name(AppActionKind k) {
  switch (k) {
    case AppActionKind::kShutdown: return "shutdown";
    case AppActionKind::kClose: return "close";
    case AppActionKind::kAbort: return "abort";
    case AppActionKind::kStopReading: return "stop_reading";
    case AppActionKind::kResumeReading: return "resume_reading";
  }
  return "?";
}

absl::string_view Name(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return "==";
    case CompareOp::kNe: return "!=";
    case CompareOp::kLt: return "<";
    case CompareOp::kLe: return "<=";
    case CompareOp::kGt: return ">";
    case CompareOp::kGe: return ">=";
  }
  return "?";
}

absl::string_view Name(ProgressMetric m) {
  return m == ProgressMetric::kSent ? "sent" : "received";
}

absl::string_view Name(TcpState s) {
  switch (s) {
    case TcpState::kClosed: return "CLOSED";
    case TcpState::kListen: return "LISTEN";
    case TcpState::kSynSent: return "SYN_SENT";
    case TcpState::kSynReceived: return "SYN_RECEIVED";
    case TcpState::kEstablished: return "ESTABLISHED";
    case TcpState::kFinWait1: return "FIN_WAIT_1";
    case TcpState::kFinWait2: return "FIN_WAIT_2";
    case TcpState::kCloseWait: return "CLOSE_WAIT";
    case TcpState::kClosing: return "CLOSING";
    case TcpState::kLastAck: return "LAST_ACK";
    case TcpState::kTimeWait: return "TIME_WAIT";
  }
  return "?";
}

absl::string_view Name(ErrorKind e) {
  switch (e) {
    case ErrorKind::kNone: return "none";
    case ErrorKind::kTimedOut: return "timed_out";
    case ErrorKind::kReset: return "reset";
    case ErrorKind::kRefused: return "refused";
  }
  return "?";
}

absl::string_view Name(Metric m) {
  switch (m) {
    case Metric::kState: return "state";
    case Metric::kError: return "error";
    case Metric::kSent: return "sent";
    case Metric::kReceived: return "received";
    case Metric::kIntact: return "intact";
    case Metric::kCompleted: return "completed";
    case Metric::kRetransmits: return "retransmits";
    case Metric::kTimeouts: return "timeouts";
    case Metric::kFastRetransmits: return "fast_retransmits";
    case Metric::kZeroWindowProbes: return "zero_window_probes";
    case Metric::kConnections: return "connections";
    case Metric::kSackRetransmits: return "sack_retransmits";
    case Metric::kFastRecoveries: return "fast_recoveries";
    case Metric::kDupAcks: return "dup_acks";
    case Metric::kSackBlocks: return "sack_blocks";
    case Metric::kKeepaliveProbes: return "keepalive_probes";
    case Metric::kCwnd: return "cwnd";
    case Metric::kSsthresh: return "ssthresh";
    case Metric::kSrtt: return "srtt";
  }
  return "?";
}

std::string StackConfigToString(const StackConfig& c, absl::string_view in) {
  std::string o;
  auto line = [&](absl::string_view key, const std::string& value) {
    absl::StrAppend(&o, in, key, " ", value, "\n");
  };
  if (c.mss) line("mss", absl::StrCat(*c.mss));
  if (c.send_buffer) line("send_buffer", SizeToString(*c.send_buffer));
  if (c.recv_buffer) line("recv_buffer", SizeToString(*c.recv_buffer));
  if (c.rto_initial) line("rto_initial", DurationToString(*c.rto_initial));
  if (c.rto_min) line("rto_min", DurationToString(*c.rto_min));
  if (c.rto_max) line("rto_max", DurationToString(*c.rto_max));
  if (c.msl) line("msl", DurationToString(*c.msl));
  if (c.persist_min) line("persist_min", DurationToString(*c.persist_min));
  if (c.persist_max) line("persist_max", DurationToString(*c.persist_max));
  if (c.syn_retries) line("syn_retries", absl::StrCat(*c.syn_retries));
  if (c.data_retries) line("data_retries", absl::StrCat(*c.data_retries));
  if (c.fin_retries) line("fin_retries", absl::StrCat(*c.fin_retries));
  if (c.isn_secret) line("isn_secret", absl::StrCat("0x", absl::Hex(*c.isn_secret)));
  if (c.congestion) line("congestion", std::string(Name(*c.congestion)));
  if (c.sack) line("sack", OnOff(*c.sack));
  if (c.timestamps) line("timestamps", OnOff(*c.timestamps));
  if (c.window_scale_shift) {
    line("window_scale", absl::StrCat(*c.window_scale_shift));
  } else if (c.window_scale) {
    line("window_scale", OnOff(*c.window_scale));
  }
  if (c.delayed_ack_timeout) {
    line("delayed_ack", DurationToString(*c.delayed_ack_timeout));
  } else if (c.delayed_ack) {
    line("delayed_ack", OnOff(*c.delayed_ack));
  }
  if (c.ack_bursts) line("ack_bursts", OnOff(*c.ack_bursts));
  if (c.nagle) line("nagle", OnOff(*c.nagle));
  if (c.keepalive_idle || c.keepalive_interval || c.keepalive_count) {
    std::string v;
    if (c.keepalive_idle) absl::StrAppend(&v, " idle ", DurationToString(*c.keepalive_idle));
    if (c.keepalive_interval) {
      absl::StrAppend(&v, " interval ", DurationToString(*c.keepalive_interval));
    }
    if (c.keepalive_count) absl::StrAppend(&v, " count ", *c.keepalive_count);
    line("keepalive", v.substr(1));
  } else if (c.keepalive) {
    line("keepalive", OnOff(*c.keepalive));
  }
  return o;
}

std::string LinkParamsToString(const LinkParams& p, absl::string_view in) {
  std::string o;
  auto corr = [](const std::optional<Percent>& c) {
    return c ? absl::StrCat(" correlation ", PercentToString(*c)) : std::string();
  };
  if (p.delay || p.jitter || p.delay_correlation || p.distribution) {
    // "delay" needs its base value; the parser never leaves it out.
    absl::StrAppend(&o, in, "delay ", DurationToString(p.delay.value_or(absl::ZeroDuration())));
    if (p.jitter) absl::StrAppend(&o, " jitter ", DurationToString(*p.jitter));
    absl::StrAppend(&o, corr(p.delay_correlation));
    if (p.distribution) absl::StrAppend(&o, " distribution ", Name(*p.distribution));
    o += "\n";
  }
  if (p.loss) {
    if (const auto* r = std::get_if<RandomLoss>(&*p.loss)) {
      absl::StrAppend(&o, in, "loss ", PercentToString(r->percent), corr(r->correlation), "\n");
    } else {
      const auto& g = std::get<GilbertElliottLoss>(*p.loss);
      absl::StrAppend(&o, in, "loss gemodel p ", PercentToString(g.p));
      if (g.r) absl::StrAppend(&o, " r ", PercentToString(*g.r));
      if (g.one_minus_h) absl::StrAppend(&o, " 1-h ", PercentToString(*g.one_minus_h));
      if (g.one_minus_k) absl::StrAppend(&o, " 1-k ", PercentToString(*g.one_minus_k));
      o += "\n";
    }
  }
  if (p.duplicate) {
    absl::StrAppend(&o, in, "duplicate ", PercentToString(*p.duplicate),
                    corr(p.duplicate_correlation), "\n");
  }
  if (p.reorder) {
    absl::StrAppend(&o, in, "reorder ", PercentToString(*p.reorder), corr(p.reorder_correlation));
    if (p.reorder_gap) absl::StrAppend(&o, " gap ", *p.reorder_gap);
    o += "\n";
  }
  if (p.corrupt) {
    absl::StrAppend(&o, in, "corrupt ", PercentToString(*p.corrupt),
                    corr(p.corrupt_correlation), "\n");
  }
  if (p.rate_bps) absl::StrAppend(&o, in, "rate ", RateToString(*p.rate_bps), "\n");
  if (p.limit_packets) absl::StrAppend(&o, in, "limit ", *p.limit_packets, "\n");
  if (p.limit_bytes) absl::StrAppend(&o, in, "limit ", SizeToString(*p.limit_bytes), "\n");
  if (p.mtu) absl::StrAppend(&o, in, "mtu ", *p.mtu, "\n");
  return o;
}

std::string ToString(const Scenario& s) {
  std::string o;
  if (s.seed) absl::StrAppend(&o, "seed ", *s.seed, "\n");
  if (s.time_limit) absl::StrAppend(&o, "time_limit ", DurationToString(*s.time_limit), "\n");
  for (const Host& h : s.hosts) {
    std::string body;
    if (h.address) absl::StrAppend(&body, "  address ", h.address->ToString(), "\n");
    if (h.count != 1) absl::StrAppend(&body, "  count ", h.count, "\n");
    body += StackConfigToString(h.stack, "  ");
    absl::StrAppend(&o, "host ", h.name);
    if (!body.empty()) absl::StrAppend(&o, " {\n", body, "}");
    o += "\n";
  }
  for (const Switch& sw : s.switches) absl::StrAppend(&o, "switch ", sw.name, "\n");
  for (const Link& l : s.links) {
    absl::StrAppend(&o, "link ", l.a, " -- ", l.b);
    std::string body;
    if (l.a_to_b == l.b_to_a) {
      body = LinkParamsToString(l.a_to_b, "  ");
    } else {
      if (!l.a_to_b.empty()) {
        absl::StrAppend(&body, "  ", l.a, " -> ", l.b, " {\n",
                        LinkParamsToString(l.a_to_b, "    "), "  }\n");
      }
      if (!l.b_to_a.empty()) {
        absl::StrAppend(&body, "  ", l.b, " -> ", l.a, " {\n",
                        LinkParamsToString(l.b_to_a, "    "), "  }\n");
      }
    }
    if (!body.empty()) absl::StrAppend(&o, " {\n", body, "}");
    o += "\n";
  }
  for (const App& a : s.apps) {
    absl::StrAppend(&o, "app ", a.name, " ", Name(a.kind), " on ", a.host, " {\n");
    if (a.listen) absl::StrAppend(&o, "  listen ", *a.listen, "\n");
    if (a.connect) absl::StrAppend(&o, "  connect ", a.connect->host, ":", a.connect->port, "\n");
    if (a.local_port) absl::StrAppend(&o, "  local_port ", *a.local_port, "\n");
    if (a.backlog) absl::StrAppend(&o, "  backlog ", *a.backlog, "\n");
    if (a.bytes) absl::StrAppend(&o, "  bytes ", SizeToString(*a.bytes), "\n");
    if (a.requests) absl::StrAppend(&o, "  requests ", *a.requests, "\n");
    if (a.count != 1) absl::StrAppend(&o, "  count ", a.count, "\n");
    if (a.start) absl::StrAppend(&o, "  start ", DurationToString(*a.start), "\n");
    if (a.read_rate_bps) absl::StrAppend(&o, "  read_rate ", RateToString(*a.read_rate_bps), "\n");
    for (const ReadPause& p : a.read_pauses) {
      absl::StrAppend(&o, "  read_pause ", DurationToString(p.at), " for ",
                      DurationToString(p.length), "\n");
    }
    if (a.never_read) o += "  never_read\n";
    if (a.close_after) absl::StrAppend(&o, "  close_after ", SizeToString(*a.close_after), "\n");
    if (a.abort_after) absl::StrAppend(&o, "  abort_after ", SizeToString(*a.abort_after), "\n");
    if (a.write_size) absl::StrAppend(&o, "  write_size ", SizeToString(*a.write_size), "\n");
    if (a.read_size) absl::StrAppend(&o, "  read_size ", SizeToString(*a.read_size), "\n");
    o += "}\n";
  }
  for (const Event& e : s.events) {
    if (const auto* at = std::get_if<absl::Duration>(&e.trigger)) {
      absl::StrAppend(&o, "at ", DurationToString(*at), ": ");
    } else {
      const auto& w = std::get<ProgressTrigger>(e.trigger);
      absl::StrAppend(&o, "when ", w.app, ".", Name(w.metric), " ", Name(w.op), " ",
                      SizeToString(w.bytes), ": ");
    }
    if (const auto* ls = std::get_if<LinkStateAction>(&e.action)) {
      absl::StrAppend(&o, "link ", LinkRefString(ls->link), ls->up ? " up" : " down", "\n");
    } else if (const auto* lc = std::get_if<LinkChangeAction>(&e.action)) {
      absl::StrAppend(&o, "link ", LinkRefString(lc->link), " {\n",
                      LinkParamsToString(lc->params, "  "), "}\n");
    } else {
      const auto& aa = std::get<AppAction>(e.action);
      absl::StrAppend(&o, "app ", aa.app, " ", Name(aa.kind), "\n");
    }
  }
  for (const Expectation& x : s.expectations) {
    absl::StrAppend(&o, "expect ", x.app, ".", Name(x.metric));
    if (x.op) absl::StrAppend(&o, " ", Name(*x.op), " ", ValueString(x.metric, x.value));
    if (x.at) absl::StrAppend(&o, " at ", DurationToString(*x.at));
    o += "\n";
  }
  return o;
}

}  // namespace tcplab::scenario
