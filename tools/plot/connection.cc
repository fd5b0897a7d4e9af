#include "tools/plot/connection.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tcp/wire/packet.h"

namespace tcplab::plot {
namespace {

// Checksums are not verified: captures of other stacks often carry
// checksums a NIC fills in later, and a corrupted packet still shows where
// it belongs.
bool Parse(const std::vector<uint8_t>& bytes, wire::Packet* p) {
  wire::ParseOptions po;
  po.verify_checksums = false;
  return wire::ParsePacket(bytes, p, po) == wire::ParseError::kOk;
}

uint64_t Key(wire::Ipv4Address a, uint16_t port) { return (uint64_t{a.value()} << 16) | port; }

struct Flow {
  size_t first = 0;               // index of its first packet
  uint64_t ends[2] = {0, 0};      // the two endpoints' keys, lower first
  uint64_t payload[2] = {0, 0};   // bytes each side sent
  bool syn_first[2] = {false, false};  // that side sent the first SYN (without ACK)
};

std::map<std::pair<uint64_t, uint64_t>, Flow> Flows(const PlotInput& input) {
  std::map<std::pair<uint64_t, uint64_t>, Flow> flows;
  for (size_t i = 0; i < input.sent.size(); ++i) {
    wire::Packet p;
    if (!Parse(input.sent[i].bytes, &p)) continue;
    const uint64_t src = Key(p.ip.src, p.tcp.src_port);
    const uint64_t dst = Key(p.ip.dst, p.tcp.dst_port);
    const auto key = std::minmax(src, dst);
    auto [it, inserted] = flows.try_emplace({key.first, key.second});
    Flow& f = it->second;
    if (inserted) {
      f.first = i;
      f.ends[0] = key.first;
      f.ends[1] = key.second;
    }
    const int side = src == f.ends[0] ? 0 : 1;
    f.payload[side] += p.payload.size() + input.sent[i].cut;
    if (p.tcp.has(wire::flags::kSyn) && !p.tcp.has(wire::flags::kAck) && !f.syn_first[1 - side]) {
      f.syn_first[side] = true;
    }
  }
  return flows;
}

int SenderSide(const Flow& f) {
  if (f.payload[0] != f.payload[1]) return f.payload[0] > f.payload[1] ? 0 : 1;
  return f.syn_first[1] ? 1 : 0;
}

Endpoint EndpointOf(uint64_t key) {
  return {wire::Ipv4Address(static_cast<uint32_t>(key >> 16)), static_cast<uint16_t>(key)};
}

std::string NameOf(const PlotInput& input, const Endpoint& e) {
  auto it = input.names.find(e.address.value());
  return absl::StrCat(it != input.names.end() ? it->second : e.address.ToString(), ":", e.port);
}

std::vector<std::pair<Endpoint, Endpoint>> Ordered(const PlotInput& input) {
  std::vector<std::pair<const Flow*, int>> list;
  const auto flows = Flows(input);
  for (const auto& [key, f] : flows) list.push_back({&f, SenderSide(f)});
  std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
    const uint64_t pa = a.first->payload[0] + a.first->payload[1];
    const uint64_t pb = b.first->payload[0] + b.first->payload[1];
    if (pa != pb) return pa > pb;
    return a.first->first < b.first->first;
  });
  std::vector<std::pair<Endpoint, Endpoint>> out;
  for (const auto& [f, side] : list) {
    out.push_back({EndpointOf(f->ends[side]), EndpointOf(f->ends[1 - side])});
  }
  return out;
}

bool Matches(const PlotInput& input, const Endpoint& e, const std::string& host,
             uint16_t port) {
  if (e.port != port) return false;
  if (e.address.ToString() == host) return true;
  auto it = input.names.find(e.address.value());
  return it != input.names.end() && it->second == host;
}

// "HOST:PORT" at the start of `text`; the rest is left in `text`.
bool TakeEndpoint(std::string* text, std::string* host, uint16_t* port) {
  const size_t colon = text->find(':');
  if (colon == std::string::npos || colon == 0) return false;
  size_t end = colon + 1;
  while (end < text->size() && (*text)[end] >= '0' && (*text)[end] <= '9') ++end;
  uint32_t v = 0;
  if (!absl::SimpleAtoi(text->substr(colon + 1, end - colon - 1), &v) || v == 0 || v > 65535) {
    return false;
  }
  *host = text->substr(0, colon);
  *port = static_cast<uint16_t>(v);
  *text = text->substr(end);
  return true;
}

int64_t Rel(wire::Seq s, uint32_t isn) { return static_cast<int64_t>(s.raw() - isn); }

void AddRttSamples(const PlotInput& input, Connection* c) {
  // Segment end -> send time, for segments never sent again.
  std::map<int64_t, int64_t> pending;
  size_t next = 0;
  for (const TimedPacket& r : input.received) {
    wire::Packet p;
    if (!Parse(r.bytes, &p) || !p.tcp.has(wire::flags::kAck)) continue;
    if (!(Endpoint{p.ip.dst, p.tcp.dst_port} == c->sender) ||
        !(Endpoint{p.ip.src, p.tcp.src_port} == c->receiver)) {
      continue;
    }
    for (; next < c->data.size() && c->data[next].t_ns <= r.t_ns; ++next) {
      const DataSegment& d = c->data[next];
      if (d.kind == DataKind::kNew) {
        pending[d.end] = d.t_ns;
      } else {
        // Karn: an ACK for bytes sent twice says nothing about either send.
        pending.erase(pending.upper_bound(d.begin), pending.end());
      }
    }
    const int64_t ack = Rel(p.tcp.ack, c->isn);
    auto covered = pending.upper_bound(ack);
    if (covered == pending.begin()) continue;
    const int64_t sent = std::prev(covered)->second;
    c->rtts.push_back({r.t_ns, r.t_ns - sent});
    pending.erase(pending.begin(), covered);
  }
}

}  // namespace

std::vector<std::string> ListConnections(const PlotInput& input) {
  std::vector<std::string> out;
  for (const auto& [s, r] : Ordered(input)) {
    out.push_back(absl::StrCat(NameOf(input, s), "-", NameOf(input, r)));
  }
  return out;
}

absl::StatusOr<Connection> SelectConnection(const PlotInput& input, const std::string& spec) {
  const std::vector<std::pair<Endpoint, Endpoint>> all = Ordered(input);
  if (all.empty()) return absl::NotFoundError(absl::StrCat(input.source, ": no TCP packets"));
  Connection c;
  if (spec.empty()) {
    c.sender = all.front().first;
    c.receiver = all.front().second;
  } else {
    std::string rest = spec, src_host, dst_host;
    uint16_t src_port = 0, dst_port = 0;
    if (!TakeEndpoint(&rest, &src_host, &src_port) || rest.empty() || rest[0] != '-' ||
        (rest = rest.substr(1), !TakeEndpoint(&rest, &dst_host, &dst_port)) || !rest.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--conn ", spec, ": expected SRC:PORT-DST:PORT"));
    }
    bool found = false;
    for (const auto& [a, b] : all) {
      for (const auto& [s, r] : {std::pair(a, b), std::pair(b, a)}) {
        if (!found && Matches(input, s, src_host, src_port) &&
            Matches(input, r, dst_host, dst_port)) {
          c.sender = s;
          c.receiver = r;
          found = true;
        }
      }
    }
    if (!found) {
      return absl::NotFoundError(absl::StrCat("--conn ", spec, ": no such connection in ",
                                              input.source, "; there are: ",
                                              absl::StrJoin(ListConnections(input), ", ")));
    }
  }
  c.sender_name = NameOf(input, c.sender);
  c.receiver_name = NameOf(input, c.receiver);

  auto direction = [&c](const wire::Packet& p) {
    const Endpoint src{p.ip.src, p.tcp.src_port}, dst{p.ip.dst, p.tcp.dst_port};
    if (src == c.sender && dst == c.receiver) return 1;
    if (src == c.receiver && dst == c.sender) return -1;
    return 0;
  };

  // The ISN: the sender's SYN, else its first sequence number.
  bool have_isn = false;
  for (const TimedPacket& t : input.sent) {
    wire::Packet p;
    if (!Parse(t.bytes, &p) || direction(p) != 1) continue;
    if (p.tcp.has(wire::flags::kSyn)) {
      c.isn = p.tcp.seq.raw();
      c.isn_from_syn = true;
      break;
    }
    if (!have_isn) {
      c.isn = p.tcp.seq.raw();
      have_isn = true;
    }
  }

  std::optional<uint8_t> sender_ws, receiver_ws;
  bool receiver_window_zero = false;
  bool sent_any = false;
  int64_t max_end = 0;
  for (const TimedPacket& t : input.sent) {
    wire::Packet p;
    if (!Parse(t.bytes, &p)) continue;
    const int dir = direction(p);
    const bool syn = p.tcp.has(wire::flags::kSyn);
    if (dir == 1) {
      if (syn) {
        ++c.syn_count;
        sender_ws = p.tcp.options.window_scale;
      }
      if (p.tcp.has(wire::flags::kFin)) ++c.fin_count;
      const int64_t length = static_cast<int64_t>(p.payload.size()) + t.cut;
      if (length == 0) continue;
      DataSegment d;
      d.t_ns = t.t_ns;
      d.begin = Rel(p.tcp.seq, c.isn) + (syn ? 1 : 0);
      d.end = d.begin + length;
      if (sent_any && d.begin < max_end) {
        d.kind = receiver_window_zero && length == 1 ? DataKind::kProbe
                                                     : DataKind::kRetransmission;
      }
      max_end = std::max(max_end, d.end);
      sent_any = true;
      c.data.push_back(d);
    } else if (dir == -1) {
      if (syn) {
        receiver_ws = p.tcp.options.window_scale;
        // RFC 7323 §2.2: scaling holds only when both SYNs carried the option.
        if (sender_ws && receiver_ws) {
          c.window_scaled = true;
          c.window_shift = std::min<int>(*receiver_ws, 14);
        }
      }
      if (!p.tcp.has(wire::flags::kRst)) receiver_window_zero = p.tcp.window == 0;
      if (!p.tcp.has(wire::flags::kAck)) continue;
      AckSegment a;
      a.t_ns = t.t_ns;
      a.ack = Rel(p.tcp.ack, c.isn);
      // The window of a SYN is never scaled.
      a.window = static_cast<int64_t>(p.tcp.window) << (syn ? 0 : c.window_shift);
      for (int i = 0; i < p.tcp.options.sack_count; ++i) {
        a.sacks.push_back({Rel(p.tcp.options.sack_blocks[i].left, c.isn),
                           Rel(p.tcp.options.sack_blocks[i].right, c.isn)});
      }
      c.acks.push_back(std::move(a));
    }
  }

  for (const DroppedPacket& d : input.drops) {
    wire::Packet p;
    if (!Parse(d.bytes, &p)) continue;
    const int dir = direction(p);
    if (dir == 0) continue;
    Drop drop;
    drop.t_ns = d.t_ns;
    drop.reason = d.reason;
    drop.data_direction = dir == 1;
    if (dir == 1) {
      drop.seq = Rel(p.tcp.seq, c.isn) + (p.tcp.has(wire::flags::kSyn) && !p.payload.empty());
      drop.end = drop.seq + std::max<int64_t>(1, static_cast<int64_t>(p.payload.size()));
    } else {
      drop.seq = drop.end = p.tcp.has(wire::flags::kAck) ? Rel(p.tcp.ack, c.isn) : 0;
    }
    c.drops.push_back(std::move(drop));
  }

  for (const InfoSample& s : input.infos) {
    const tcp::ConnectionInfo& i = s.info;
    if (Endpoint{i.local_address, i.local_port} == c.sender &&
        Endpoint{i.remote_address, i.remote_port} == c.receiver) {
      c.infos.push_back({s.t_ns, i});
    }
  }
  AddRttSamples(input, &c);
  return c;
}

}  // namespace tcplab::plot
