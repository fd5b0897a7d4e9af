#include "netsim/router.h"

#include "absl/strings/str_cat.h"
#include "netsim/ip_check.h"
#include "netsim/link.h"
#include "netsim/network.h"

namespace tcplab::netsim {

absl::Status Router::AddRoute(wire::Ipv4Address prefix, int length, int port) {
  if (length < 0 || length > 32) {
    return absl::InvalidArgumentError(absl::StrCat("prefix length ", length));
  }
  if (port < 0 || port >= port_count()) {
    return absl::InvalidArgumentError(absl::StrCat("router ", name(), " has no port ", port));
  }
  const uint32_t mask = length == 0 ? 0 : ~uint32_t{0} << (32 - length);
  routes_.push_back(Route{prefix.value() & mask, mask, length, port});
  return absl::OkStatus();
}

int Router::Lookup(wire::Ipv4Address dst) const {
  int best_length = -1;
  int best_port = -1;
  for (const Route& r : routes_) {
    if ((dst.value() & r.mask) == r.prefix && r.length > best_length) {
      best_length = r.length;
      best_port = r.port;
    }
  }
  return best_port;
}

void Router::Receive(Instant now, int /*port*/, PacketHandle h) {
  Network& net = network();
  PooledPacket& p = net.pool()[h];
  Ipv4Summary ip;
  const DropReason bad = CheckIpv4Packet(p.bytes, CheckLevel::kHeader, &ip);
  if (bad != DropReason::kNone) return DropPacket(h, bad);
  NodeCounters& c = mutable_counters();
  ++c.received;
  c.received_bytes += p.bytes.size();
  const int out = Lookup(ip.dst);
  if (out < 0) return DropPacket(h, DropReason::kNoRoute);
  ++c.sent;
  c.sent_bytes += p.bytes.size();
  if (net.observed()) {
    PacketEvent e;
    e.time = now;
    e.type = PacketEventType::kForwarded;
    e.packet_id = p.id;
    e.node = this;
    e.bytes = p.bytes;
    net.Emit(e);
  }
  egress(out)->Transmit(h);
}

}  // namespace tcplab::netsim
