#include "netsim/packet_pool.h"

namespace tcplab::netsim {

PacketHandle PacketPool::Acquire(absl::Span<const uint8_t> bytes, uint64_t id) {
  PacketHandle h;
  if (!free_.empty()) {
    h = free_.back();
    free_.pop_back();
  } else {
    h = static_cast<PacketHandle>(size_++);
    if ((h & (kChunkSize - 1)) == 0) chunks_.push_back(std::make_unique<PooledPacket[]>(kChunkSize));
  }
  PooledPacket& p = (*this)[h];
  p.bytes.assign(bytes.begin(), bytes.end());
  p.id = id;
  p.checksums_valid = false;
  p.delivery = EventId();
  p.prev = p.next = PooledPacket::kNil;
  return h;
}


}  // namespace tcplab::netsim
