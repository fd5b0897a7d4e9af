#include "scenarios/runner/timeline.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "netsim/link.h"
#include "netsim/node.h"
#include "scenarios/lang/units.h"
#include "tcp/wire/packet.h"
#include "tcp/wire/render.h"

namespace tcplab::scenario::runner {

std::string FormatTime(Instant t) {
  const int64_t ns = t.nanos();
  return absl::StrFormat("%4d.%06d", ns / 1'000'000'000, (ns % 1'000'000'000) / 1000);
}

std::string CongestionText(const tcp::ConnectionInfo& info) {
  if (info.congestion == tcp::CongestionAlgorithm::kNone) return "congestion none";
  return absl::StrCat(tcp::CongestionAlgorithmName(info.congestion), " (",
                      tcp::CongestionStateName(info.congestion_state), "), cwnd ",
                      SizeToString(info.cwnd), ", ssthresh ",
                      IsInfiniteSsthresh(info.ssthresh) ? "inf" : SizeToString(info.ssthresh));
}

std::string OptionsText(const tcp::ConnectionInfo& info) {
  std::string out = absl::StrCat("mss ", info.eff_snd_mss, ", sack ",
                                 info.sack_enabled ? "on" : "off", ", ts ",
                                 info.timestamps_enabled ? "on" : "off", ", wscale ");
  if (info.window_scale_enabled) {
    absl::StrAppend(&out, "snd ", info.snd_wscale, " rcv ", info.rcv_wscale);
  } else {
    absl::StrAppend(&out, "off");
  }
  return out;
}

namespace {

// Congestion states as the timeline tells them apart: disorder (duplicate
// ACKs below the threshold) is noise next to open.
int Phase(tcp::CongestionState s) {
  switch (s) {
    case tcp::CongestionState::kOpen:
    case tcp::CongestionState::kDisorder: return 0;
    case tcp::CongestionState::kRecovery: return 1;
    case tcp::CongestionState::kLoss: return 2;
  }
  return 0;
}

}  // namespace

Timeline::Timeline(TimelineOptions options,
                   std::function<std::string(wire::Ipv4Address)> name_of)
    : options_(options), name_of_(std::move(name_of)) {}

void Timeline::Add(Instant t, int conn, std::string text) {
  entries_.push_back({t, conn, std::move(text)});
}

void Timeline::OnPacketEvent(const netsim::PacketEvent& e) {
  using netsim::PacketEventType;
  const bool host_sent = e.type == PacketEventType::kSent && e.node != nullptr &&
                         (e.node->kind() == "host" || e.node->kind() == "wire");
  const bool notable = e.type == PacketEventType::kDropped ||
                       e.type == PacketEventType::kDuplicated ||
                       e.type == PacketEventType::kCorrupted ||
                       e.type == PacketEventType::kReordered;
  if (!host_sent && !notable) return;

  wire::Packet p;
  wire::ParseOptions po;
  po.verify_checksums = false;  // show corrupted packets as they are
  if (wire::ParsePacket(e.bytes, &p, po) != wire::ParseError::kOk) {
    if (notable) {
      Add(e.time, -1,
          absl::StrCat("  ", netsim::PacketEventTypeName(e.type),
                       e.type == PacketEventType::kDropped
                           ? absl::StrCat("(", netsim::DropReasonName(e.reason), ")")
                           : "",
                       " #", e.packet_id, " [unparsed]"));
    }
    return;
  }
  const uint64_t src = (uint64_t{p.ip.src.value()} << 16) | p.tcp.src_port;
  const uint64_t dst = (uint64_t{p.ip.dst.value()} << 16) | p.tcp.dst_port;
  const int side = src < dst ? 0 : 1;
  const auto key = side == 0 ? std::make_pair(src, dst) : std::make_pair(dst, src);
  auto [it, inserted] = flow_index_.emplace(key, static_cast<int>(flows_.size()));
  if (inserted) {
    Flow f;
    f.name = absl::StrCat(name_of_(p.ip.src), ":", p.tcp.src_port, " <> ",
                          name_of_(p.ip.dst), ":", p.tcp.dst_port);
    flows_.push_back(std::move(f));
  }
  const int index = it->second;
  Flow& f = flows_[index];

  const bool syn = p.tcp.has(wire::flags::kSyn);
  const bool fin = p.tcp.has(wire::flags::kFin);
  const bool rst = p.tcp.has(wire::flags::kRst);
  bool retransmission = false;
  bool probe = false;
  if (host_sent) {
    f.peer_window_zero[1 - side] = p.tcp.window == 0 && !rst;
    if (syn && !f.isn_known[side]) {
      f.isn_known[side] = true;
      f.isn[side] = p.tcp.seq.raw();
    }
    const uint32_t len = static_cast<uint32_t>(p.payload.size()) + (syn ? 1 : 0) + (fin ? 1 : 0);
    if (f.isn_known[side] && len > 0) {
      const uint32_t end = p.tcp.seq.raw() - f.isn[side] + len;
      if (f.sent_any[side] && end <= f.max_end[side]) {
        retransmission = true;
        // One byte into a closed window is a probe, not a loss repair.
        probe = f.peer_window_zero[side] && p.payload.size() == 1;
      } else {
        f.max_end[side] = end;
        f.sent_any[side] = true;
      }
    }
  }
  wire::RenderOptions ro;
  ro.with_addresses = false;
  if (f.isn_known[side]) {
    ro.relative = true;
    ro.sender_isn = wire::Seq(f.isn[side]);
    ro.receiver_isn = wire::Seq(f.isn_known[1 - side] ? f.isn[1 - side] : 0);
  }
  std::string line = absl::StrCat(name_of_(p.ip.src), ":", p.tcp.src_port,
                                  notable && e.type == PacketEventType::kDropped ? " -x " : " > ",
                                  name_of_(p.ip.dst), ":", p.tcp.dst_port, "  ",
                                  wire::RenderPacket(p, ro));
  const bool zero_window = p.tcp.window == 0 && !rst;
  if (notable) {
    absl::StrAppend(&line, "   ** ", netsim::PacketEventTypeName(e.type));
    if (e.type == PacketEventType::kDropped) {
      absl::StrAppend(&line, " (", netsim::DropReasonName(e.reason), ")");
    }
    if (e.link != nullptr) absl::StrAppend(&line, " on ", e.link->name());
    if (e.node != nullptr) absl::StrAppend(&line, " at ", e.node->name());
    Add(e.time, -1, std::move(line));
    return;
  }
  if (probe) {
    absl::StrAppend(&line, "   [zero-window probe]");
  } else if (retransmission) {
    absl::StrAppend(&line, "   [retransmission]");
  }
  if (zero_window) absl::StrAppend(&line, "   [zero window]");
  const bool always = syn || fin || rst || retransmission || zero_window;
  if (!always) ++f.ordinary;
  Add(e.time, always ? -1 : index, std::move(line));
}

void Timeline::OnStateChange(const std::string& host, tcp::SocketId id,
                             tcp::ConnectionState from, tcp::ConnectionState to,
                             Instant now) {
  Add(now, -1, absl::StrCat("  ", host, " socket ", id, ": ", tcp::StateName(from), " -> ",
                            tcp::StateName(to)));
}

void Timeline::OnZeroWindowProbe(const std::string&, tcp::SocketId, Instant) {
  // The probe segment itself is marked in the ladder.
}

void Timeline::OnConnectionInfo(const std::string& host, tcp::SocketId id,
                                const tcp::ConnectionInfo* before,
                                const tcp::ConnectionInfo& after, Instant now) {
  const std::string who = absl::StrCat("  ", host, " socket ", id, ": ");
  if (tcp::IsSynchronized(after.state) &&
      (before == nullptr || !tcp::IsSynchronized(before->state))) {
    Add(now, -1, absl::StrCat(who, OptionsText(after), "; ", CongestionText(after)));
  } else if (before != nullptr && after.congestion != tcp::CongestionAlgorithm::kNone &&
             Phase(before->congestion_state) != Phase(after.congestion_state)) {
    Add(now, -1,
        absl::StrCat(who, "congestion ", tcp::CongestionStateName(before->congestion_state),
                     " -> ", tcp::CongestionStateName(after.congestion_state), ", cwnd ",
                     SizeToString(after.cwnd), ", ssthresh ",
                     IsInfiniteSsthresh(after.ssthresh) ? "inf" : SizeToString(after.ssthresh),
                     ", in flight ", SizeToString(after.bytes_in_flight)));
  }
  if (before != nullptr && after.keepalive_probes > before->keepalive_probes) {
    Add(now, -1, absl::StrCat(who, "keepalive probe ", after.keepalive_probes));
  }
}

void Timeline::OnNote(Instant now, const std::string& text) {
  Add(now, -1, absl::StrCat("  == ", text));
}

std::string Timeline::Render() const {
  std::string out;
  std::vector<int> seen(flows_.size(), 0);
  std::vector<bool> gap_noted(flows_.size(), false);
  for (const Entry& e : entries_) {
    if (e.conn >= 0 && !options_.full) {
      const int i = seen[e.conn]++;
      const int total = flows_[e.conn].ordinary;
      if (i >= options_.head && i < total - options_.tail) {
        if (!gap_noted[e.conn]) {
          gap_noted[e.conn] = true;
          const int hidden = total - options_.head - options_.tail;
          absl::StrAppend(&out, FormatTime(e.time), "  ... ", hidden, " more segments of ",
                          flows_[e.conn].name, " (--trace shows them)\n");
        }
        continue;
      }
    }
    absl::StrAppend(&out, FormatTime(e.time), "  ", e.text, "\n");
  }
  return out;
}

}  // namespace tcplab::scenario::runner
