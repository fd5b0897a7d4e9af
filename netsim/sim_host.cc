#include "netsim/sim_host.h"

#include "netsim/ip_check.h"
#include "netsim/link.h"
#include "netsim/network.h"

namespace tcplab::netsim {

SimHost::SimHost(Network* network, int id, std::string name,
                 wire::Ipv4Address address)
    : Node(network, id, name),
      address_(address),
      rng_(network->StreamFor("host/" + name)) {}

SimHost::~SimHost() { network().sim().Cancel(wake_); }

Instant SimHost::Now() const { return network().Now(); }

absl::Span<uint8_t> SimHost::SendBuffer(size_t size) {
  PacketPool& pool = network().pool();
  if (lent_ == PooledPacket::kNil) lent_ = pool.AcquireUninitialized(size);
  PooledPacket& p = pool[lent_];
  p.bytes.resize(size);
  return absl::MakeSpan(p.bytes);
}

void SimHost::Send(absl::Span<const uint8_t> ip_packet) {
  Network& net = network();
  PacketPool& pool = net.pool();
  PacketHandle h;
  if (lent_ != PooledPacket::kNil && ip_packet.data() == pool[lent_].bytes.data() &&
      ip_packet.size() <= pool[lent_].bytes.size()) {
    h = lent_;  // built in place
    pool[h].bytes.resize(ip_packet.size());
    pool[h].id = net.NextPacketId();
  } else {
    h = pool.Acquire(ip_packet, net.NextPacketId());
    if (lent_ != PooledPacket::kNil) pool.Release(lent_);
  }
  lent_ = PooledPacket::kNil;
  PooledPacket& p = pool[h];
  p.checksums_valid = checksums_promised_;
  p.checksum_pending = checksum_offload_;
  NodeCounters& c = mutable_counters();
  ++c.sent;
  c.sent_bytes += ip_packet.size();
  if (net.observed()) {
    // What is watched is whole from the start: every later event of the
    // packet shows the same bytes.
    p.Complete();
    PacketEvent e;
    e.time = net.Now();
    e.type = PacketEventType::kSent;
    e.packet_id = p.id;
    e.node = this;
    e.bytes = p.bytes;
    net.Emit(e);
  }
  if (port_count() == 0) return DropPacket(h, DropReason::kNoRoute);
  egress(0)->Transmit(h);
}

void SimHost::WakeAt(Instant when) {
  Simulator& sim = network().sim();
  if (when.is_infinite()) {
    sim.Cancel(wake_);
    wake_ = EventId();
    wake_time_ = Instant::Infinite();
    return;
  }
  if (when < sim.Now()) when = sim.Now();
  if (when == wake_time_ && sim.IsPending(wake_)) return;
  wake_time_ = when;
  if (!sim.Reschedule(wake_, when)) wake_ = sim.Schedule(when, this, 0);
}

bool SimHost::MoreMayHappenNow() const {
  const Simulator& sim = network().sim();
  return sim.NextEventTime() <= sim.Now();
}

void SimHost::OnEvent(Instant now, uint64_t /*tag*/) {
  wake_ = EventId();
  wake_time_ = Instant::Infinite();
  if (client_ != nullptr) client_->OnWake(now);
}

void SimHost::Receive(Instant now, int /*port*/, PacketHandle h) {
  Network& net = network();
  PooledPacket& p = net.pool()[h];
  if (!p.checksums_valid) p.Complete();  // then it is checked in full
  Ipv4Summary ip;
  // A promised checksum that no link touched is known good (backend.h):
  // the header is still checked, the payload is not summed again.
  const CheckLevel level = p.checksums_valid ? CheckLevel::kHeader : CheckLevel::kFull;
  const DropReason bad = CheckIpv4Packet(p.bytes, level, &ip);
  if (bad != DropReason::kNone) return DropPacket(h, bad);
  if (ip.dst != address_) return DropPacket(h, DropReason::kWrongDestination);
  if (client_ == nullptr) return DropPacket(h, DropReason::kNoClient);
  if (!checksum_offload_) p.Complete();  // a client that may read the field
  NodeCounters& c = mutable_counters();
  ++c.received;
  c.received_bytes += ip.total_length;
  const absl::Span<const uint8_t> packet =
      absl::MakeConstSpan(p.bytes).subspan(0, ip.total_length);
  if (net.observed()) {
    PacketEvent e;
    e.time = now;
    e.type = PacketEventType::kReceived;
    e.packet_id = p.id;
    e.node = this;
    e.bytes = packet;
    net.Emit(e);
  }
  client_->OnPacket(now, packet);
  // OnPacket may have sent packets (growing the pool), but the pool's
  // elements never move, so `h` is still this packet.
  net.pool().Release(h);
}

}  // namespace tcplab::netsim
