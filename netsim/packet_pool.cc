#include "netsim/packet_pool.h"

#include "tcp/wire/checksum.h"

namespace tcplab::netsim {

PacketHandle PacketPool::Acquire(absl::Span<const uint8_t> bytes, uint64_t id) {
  const PacketHandle h = Take();
  PooledPacket& p = (*this)[h];
  p.bytes.assign(bytes.begin(), bytes.end());
  p.id = id;
  return h;
}

PacketHandle PacketPool::AcquireUninitialized(size_t size) {
  const PacketHandle h = Take();
  (*this)[h].bytes.resize(size);
  return h;
}

PacketHandle PacketPool::Take() {
  PacketHandle h;
  if (!free_.empty()) {
    h = free_.back();
    free_.pop_back();
  } else {
    h = static_cast<PacketHandle>(size_++);
    if ((h & (kChunkSize - 1)) == 0) chunks_.push_back(std::make_unique<PooledPacket[]>(kChunkSize));
  }
  PooledPacket& p = (*this)[h];
  p.id = 0;
  p.checksums_valid = false;
  p.checksum_pending = false;
  p.delivery = EventId();
  p.prev = p.next = PooledPacket::kNil;
  return h;
}

void PooledPacket::CompleteChecksum() {
  wire::CompletePendingChecksum(absl::MakeSpan(bytes));
  checksum_pending = false;
}

void PacketPool::CompleteAll() {
  // Released packets are completed too (harmless: Acquire resets the flag).
  for (size_t h = 0; h < size_; ++h) (*this)[static_cast<PacketHandle>(h)].Complete();
}

}  // namespace tcplab::netsim
