#include "netsim/live/wire_node.h"

#include <cstring>
#include <vector>

#include "netsim/link.h"
#include "netsim/trace.h"
#include "tcp/wire/byte_order.h"
#include "tcp/wire/checksum.h"

namespace tcplab::live {
namespace {

constexpr int kReadBatch = 64;
// Batches read per readable event before the due events run: enough to
// drain a burst, few enough that timers are not starved.
constexpr int kReadBatchesPerTurn = 4;


}  // namespace

std::vector<std::vector<uint8_t>> SegmentTcpAggregate(absl::Span<const uint8_t> p, size_t mtu) {
  std::vector<std::vector<uint8_t>> out;
  if (p.size() < 20 || (p[0] >> 4) != 4 || p[9] != 6) return out;
  const size_t ihl = (p[0] & 0x0f) * 4u;
  const size_t total = wire::GetU16(&p[2]);
  if (ihl < 20 || total > p.size() || total < ihl + 20) return out;
  const size_t thl = (p[ihl + 12] >> 4) * 4u;
  if (thl < 20 || ihl + thl > total || ihl + thl >= mtu) return out;
  const size_t headers = ihl + thl;
  const size_t mss = mtu - headers;
  const size_t payload = total - headers;
  if (payload <= mss) return out;
  const uint8_t flags = p[ihl + 13];
  constexpr uint8_t kFin = 0x01, kPsh = 0x08, kCwr = 0x80;
  const uint32_t seq = wire::GetU32(&p[ihl + 4]);
  const uint16_t id = wire::GetU16(&p[4]);
  for (size_t at = 0, i = 0; at < payload; at += mss, ++i) {
    const size_t n = std::min(mss, payload - at);
    std::vector<uint8_t> seg(headers + n);
    std::memcpy(seg.data(), p.data(), headers);
    std::memcpy(seg.data() + headers, p.data() + headers + at, n);
    const bool last = at + n == payload;
    // As a NIC's TSO does: each segment gets its own length, IP id and
    // checksums; FIN and PSH only on the last, CWR only on the first.
    wire::PutU16(&seg[2], static_cast<uint16_t>(headers + n));
    const uint16_t seg_id = static_cast<uint16_t>(id + i);
    wire::PutU16(&seg[4], seg_id);
    wire::PutU16(&seg[10], 0);
    const uint16_t ip_sum = wire::InternetChecksum(absl::MakeConstSpan(seg).subspan(0, ihl));
    wire::PutU16(&seg[10], ip_sum);
    const uint32_t s = seq + static_cast<uint32_t>(at);
    wire::PutU32(&seg[ihl + 4], s);
    uint8_t f = flags;
    if (!last) f &= static_cast<uint8_t>(~(kFin | kPsh));
    if (i > 0) f &= static_cast<uint8_t>(~kCwr);
    seg[ihl + 13] = f;
    wire::CompletePendingChecksum(absl::MakeSpan(seg));
    out.push_back(std::move(seg));
  }
  return out;
}

absl::StatusOr<WireNode*> WireNode::Add(netsim::Network* network, std::string name,
                                        LiveDevice* device,
                                        std::optional<EthernetInterfaceConfig> ethernet) {
  const bool is_ethernet = device->link_layer() == LinkLayer::kEthernet;
  if (is_ethernet != ethernet.has_value()) {
    return absl::InvalidArgumentError(
        is_ethernet ? absl::StrCat(device->name(),
                                   " is an Ethernet device: tcplab needs its own MAC and "
                                   "IPv4 address on it")
                    : absl::StrCat(device->name(), " carries bare IP packets: no Ethernet "
                                                   "settings apply"));
  }
  absl::StatusOr<WireNode*> node = network->AddNode<WireNode>(
      std::move(name), [device](netsim::Network* net, int id, std::string n) {
        return std::make_unique<WireNode>(net, id, std::move(n), device);
      });
  if (!node.ok()) return node.status();
  if (ethernet.has_value()) {
    ethernet->mtu = static_cast<size_t>(device->mtu());
    absl::StatusOr<std::unique_ptr<EthernetInterface>> eth =
        EthernetInterface::Create(*ethernet, *node);
    if (!eth.ok()) return eth.status();
    (*node)->ethernet_ = *std::move(eth);
  }
  return node;
}

WireNode::WireNode(netsim::Network* network, int id, std::string name, LiveDevice* device)
    : Node(network, id, std::move(name)), device_(device) {}

WireNode::~WireNode() { network().sim().Cancel(arp_timer_); }

void WireNode::Announce() {
  if (ethernet_ == nullptr) return;
  ethernet_->AnnounceAt(network().Now());
  ArmArpTimer();
}

void WireNode::Receive(Instant now, int /*port*/, netsim::PacketHandle h) {
  netsim::Network& net = network();
  net.pool()[h].Complete();
  const netsim::PacketBytes& bytes = net.pool()[h].bytes;
  ++counters_.to_wire;
  netsim::NodeCounters& c = mutable_counters();
  ++c.sent;
  c.sent_bytes += bytes.size();
  if (ethernet_ != nullptr) {
    ethernet_->SendIp(now, bytes);
    ArmArpTimer();
  } else {
    device_->Queue(bytes);
  }
  net.pool().Release(h);
}

void WireNode::SendFrame(absl::Span<const uint8_t> frame) { device_->Queue(frame); }

void WireNode::OnReadable(Instant now) {
  for (int round = 0; round < kReadBatchesPerTurn; ++round) {
    absl::StatusOr<int> n = device_->ReadBatch(
        kReadBatch, [&](absl::Span<const uint8_t> packet, bool checksum_pending) {
          if (ethernet_ != nullptr) {
            const absl::Span<const uint8_t> ip = ethernet_->OnFrame(now, packet);
            if (!ip.empty()) FromWire(now, ip, checksum_pending);
          } else {
            FromWire(now, packet, checksum_pending);
          }
        });
    if (!n.ok()) {
      device_error_ = n.status();
      break;
    }
    if (*n < kReadBatch) break;
  }
  if (ethernet_ != nullptr) ArmArpTimer();  // ARP replies may have been sent
}

void WireNode::FromWire(Instant now, absl::Span<const uint8_t> ip_packet,
                        bool checksum_pending) {
  if (ip_packet.empty() || (ip_packet[0] >> 4) != 4) {
    ++counters_.dropped_not_ip;  // a TUN also carries IPv6
    return;
  }
  if (ip_packet.size() > static_cast<size_t>(device_->mtu())) {
    // A kernel peer on this machine hands its TCP segments over unsplit
    // (GSO): split them as the NIC would have, so that the link's loss and
    // the captures see segments, not 64 KiB aggregates.
    std::vector<std::vector<uint8_t>> segments =
        SegmentTcpAggregate(ip_packet, static_cast<size_t>(device_->mtu()));
    if (!segments.empty()) {
      ++counters_.aggregates_split;
      for (const std::vector<uint8_t>& seg : segments) FromWire(now, seg, false);
      return;
    }
  }
  netsim::Network& net = network();
  const netsim::PacketHandle h = net.pool().Acquire(ip_packet, net.NextPacketId());
  netsim::PooledPacket& p = net.pool()[h];
  p.checksums_valid = false;  // the receiving host checks everything
  if (checksum_pending && wire::CompletePendingChecksum(absl::MakeSpan(p.bytes))) {
    ++counters_.checksums_completed;
  }
  ++counters_.from_wire;
  netsim::NodeCounters& c = mutable_counters();
  ++c.received;
  c.received_bytes += p.bytes.size();
  if (net.observed()) {
    netsim::PacketEvent e;
    e.time = now;
    e.type = netsim::PacketEventType::kSent;
    e.packet_id = p.id;
    e.node = this;
    e.bytes = p.bytes;
    net.Emit(e);
  }
  if (port_count() == 0) return DropPacket(h, netsim::DropReason::kNoRoute);
  egress(0)->Transmit(h);
}

void WireNode::Flush(Instant /*now*/) {
  if (!device_->has_queued()) return;
  if (absl::Status s = device_->Flush(); !s.ok()) device_error_ = s;
}

void WireNode::ArmArpTimer() {
  const Instant at = ethernet_->NextDeadline();
  if (at == arp_timer_at_) return;
  netsim::Simulator& sim = network().sim();
  arp_timer_at_ = at;
  if (at.is_infinite()) {
    sim.Cancel(arp_timer_);
    arp_timer_ = netsim::EventId();
    return;
  }
  if (!sim.Reschedule(arp_timer_, at)) arp_timer_ = sim.Schedule(at, this, 0);
}

void WireNode::OnEvent(Instant now, uint64_t /*tag*/) {
  arp_timer_ = netsim::EventId();
  arp_timer_at_ = Instant::Infinite();
  ethernet_->Advance(now);
  ArmArpTimer();
}

}  // namespace tcplab::live
