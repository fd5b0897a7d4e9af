#include "netsim/packet_pool.h"

namespace tcplab::netsim {

PacketHandle PacketPool::Acquire(absl::Span<const uint8_t> bytes, uint64_t id) {
  PacketHandle h;
  if (!free_.empty()) {
    h = free_.back();
    free_.pop_back();
  } else {
    h = static_cast<PacketHandle>(packets_.size());
    packets_.emplace_back();
  }
  PooledPacket& p = packets_[h];
  p.bytes.assign(bytes.begin(), bytes.end());
  p.id = id;
  p.checksums_valid = false;
  p.delivery = EventId();
  p.prev = p.next = PooledPacket::kNil;
  return h;
}

void PacketPool::Release(PacketHandle h) { free_.push_back(h); }

}  // namespace tcplab::netsim
