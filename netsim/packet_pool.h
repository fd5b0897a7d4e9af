#ifndef TCPLAB_NETSIM_PACKET_POOL_H_
#define TCPLAB_NETSIM_PACKET_POOL_H_

// Packet buffers owned by the network and reused: a packet in the
// simulation is a handle into the pool, passed (not copied) from host to
// link to router to link to host. Buffers keep their capacity when
// released, so a steady flow allocates nothing.

#include <cstdint>
#include <deque>
#include <vector>

#include "absl/types/span.h"
#include "netsim/simulator.h"

namespace tcplab::netsim {

struct PooledPacket {
  static constexpr uint32_t kNil = UINT32_MAX;

  std::vector<uint8_t> bytes;
  uint64_t id = 0;
  // The sender promised correct checksums and nothing has changed a bit
  // since (Backend::PromiseValidChecksums): the receiving host need not
  // verify the TCP checksum. Corruption on a link clears it.
  bool checksums_valid = false;
  // While in flight on a link direction: its delivery event and its place
  // in that direction's in-flight list (in order of entry).
  EventId delivery;
  uint32_t prev = kNil;
  uint32_t next = kNil;
};

using PacketHandle = uint32_t;

class PacketPool {
 public:
  // A packet holding a copy of `bytes`.
  PacketHandle Acquire(absl::Span<const uint8_t> bytes, uint64_t id);
  void Release(PacketHandle h);
  // References stay valid until the packet is released (std::deque never
  // moves its elements on growth at the back).
  PooledPacket& operator[](PacketHandle h) { return packets_[h]; }
  size_t in_use() const { return packets_.size() - free_.size(); }

 private:
  std::deque<PooledPacket> packets_;
  std::vector<PacketHandle> free_;
};

}  // namespace tcplab::netsim

#endif  // TCPLAB_NETSIM_PACKET_POOL_H_
