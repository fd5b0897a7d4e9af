#ifndef TCPLAB_NETSIM_PACKET_POOL_H_
#define TCPLAB_NETSIM_PACKET_POOL_H_

// Packet buffers owned by the network and reused: a packet in the
// simulation is a handle into the pool, passed (not copied) from host to
// link to router to link to host. Buffers keep their capacity when
// released, so a steady flow allocates nothing.

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "netsim/simulator.h"

namespace tcplab::netsim {

// The bytes of a pooled packet. Growing them leaves the new bytes as they
// were, where std::vector would zero them first: a packet built in place
// (SimHost::SendBuffer) has every byte written by its serializer.
template <typename T>
struct UninitializedAllocator : std::allocator<T> {
  using value_type = T;
  UninitializedAllocator() = default;
  template <typename U>
  UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}
  template <typename U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
using PacketBytes = std::vector<uint8_t, UninitializedAllocator<uint8_t>>;

struct PooledPacket {
  static constexpr uint32_t kNil = UINT32_MAX;

  PacketBytes bytes;
  uint64_t id = 0;
  // The sender promised correct checksums and nothing has changed a bit
  // since (Backend::PromiseValidChecksums): the receiving host need not
  // verify the TCP checksum. Corruption on a link clears it.
  bool checksums_valid = false;
  // The TCP checksum was left to the network (Backend::OffloadChecksums)
  // and is not in the bytes yet: Complete() it before anything reads them
  // (an observer, a corruption, a live wire, a client that checks).
  bool checksum_pending = false;
  void Complete() {
    if (checksum_pending) CompleteChecksum();
  }
  void CompleteChecksum();
  // While in flight on a link direction: its delivery event and its place
  // in that direction's in-flight list (in order of entry).
  EventId delivery;
  uint32_t prev = kNil;
  uint32_t next = kNil;
  // While queued behind another delivery in the direction's lane (see
  // LinkDirection): when it arrives, the sequence number its delivery
  // event holds, and the next packet in the lane.
  uint32_t lane_next = kNil;
  int64_t arrival_ns = 0;
  uint64_t seq = 0;
};

using PacketHandle = uint32_t;

class PacketPool {
 public:
  // A packet holding a copy of `bytes`.
  PacketHandle Acquire(absl::Span<const uint8_t> bytes, uint64_t id);
  // A packet of `size` bytes whose contents are undefined, to be written in
  // place; its id is 0 until the caller sets it.
  PacketHandle AcquireUninitialized(size_t size);
  void Release(PacketHandle h) { free_.push_back(h); }
  // References stay valid until the packet is released: packets live in
  // fixed-size chunks that never move (the chunk table may grow). Handles
  // index them with a shift and a mask, on every hop of every packet.
  PooledPacket& operator[](PacketHandle h) {
    return chunks_[h >> kChunkBits][h & (kChunkSize - 1)];
  }
  size_t in_use() const { return size_ - free_.size(); }
  // Completes the pending checksum of every packet (for an observer that
  // starts watching while packets are in flight).
  void CompleteAll();

 private:
  PacketHandle Take();  // a free or new packet, its flags reset
  static constexpr uint32_t kChunkBits = 6;
  static constexpr uint32_t kChunkSize = uint32_t{1} << kChunkBits;

  std::vector<std::unique_ptr<PooledPacket[]>> chunks_;
  size_t size_ = 0;  // packets ever created (handles 0 .. size_-1)
  std::vector<PacketHandle> free_;
};

}  // namespace tcplab::netsim

#endif  // TCPLAB_NETSIM_PACKET_POOL_H_
