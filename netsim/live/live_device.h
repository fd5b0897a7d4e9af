#ifndef TCPLAB_NETSIM_LIVE_LIVE_DEVICE_H_
#define TCPLAB_NETSIM_LIVE_LIVE_DEVICE_H_

// A real network device seen from user space: an AF_PACKET socket on an
// Ethernet interface (frames) or a TUN device (IPv4 packets). Non-blocking;
// the real-time loop polls fd() and calls ReadBatch when it is readable.
// Writes are queued and go out in one batch at Flush (sendmmsg where the
// kernel has it), because a syscall per packet is most of the cost of a
// live link.

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace tcplab::live {

enum class LinkLayer {
  kEthernet,  // frames with an Ethernet II header
  kIpv4,      // bare IPv4 packets (TUN)
};

struct DeviceCounters {
  uint64_t read = 0;
  uint64_t read_bytes = 0;
  uint64_t written = 0;
  uint64_t written_bytes = 0;
  // Read with the transport checksum still to be computed: the kernel
  // sent it through a local device with checksum offload
  // (TP_STATUS_CSUMNOTREADY), so the checksum field holds only the
  // pseudo-header sum and the bytes never crossed a wire.
  uint64_t checksum_pending = 0;
  uint64_t read_truncated = 0;  // larger than the read buffer; dropped
  // Frames the kernel dropped before they could be read: the socket's
  // receive buffer was full (AF_PACKET's PACKET_STATISTICS, read each time
  // the socket is drained). A peer sees these as losses.
  uint64_t kernel_drops = 0;
  uint64_t write_errors = 0;    // the kernel refused a packet; dropped
  uint64_t read_calls = 0;      // syscalls, to judge batching
  uint64_t write_calls = 0;
  // Of `written`: segments that went in GSO frames (segmentation offload),
  // and how many such frames.
  uint64_t gso_segments = 0;
  uint64_t gso_frames = 0;
  // Pure ACKs not sent because the next queued one superseded them
  // (PacketSocket::Options::coalesce_acks).
  uint64_t acks_coalesced = 0;
};

class LiveDevice {
 public:
  virtual ~LiveDevice() = default;

  virtual LinkLayer link_layer() const = 0;
  virtual const std::string& name() const = 0;
  // The largest packet (TUN) or frame payload (Ethernet) the device
  // carries: its MTU.
  virtual int mtu() const = 0;
  virtual int fd() const = 0;

  // Reads what is waiting, up to `max_packets`, and calls `on_packet` for
  // each with its bytes (valid during the call) and whether its transport
  // checksum is still pending (see DeviceCounters). Returns the number
  // read; 0 when nothing was waiting. An error only for a broken device.
  using PacketFn = absl::FunctionRef<void(absl::Span<const uint8_t>, bool checksum_pending)>;
  virtual absl::StatusOr<int> ReadBatch(int max_packets, PacketFn on_packet) = 0;

  // Queues a copy of `packet` for Flush. A full queue flushes first.
  virtual void Queue(absl::Span<const uint8_t> packet) = 0;
  // Writes every queued packet. A packet the kernel refuses is dropped
  // and counted; the others still go. When the device is full (EAGAIN)
  // the rest stay queued: the caller polls for writability and flushes
  // again (has_queued()).
  virtual absl::Status Flush() = 0;
  virtual bool has_queued() const = 0;

  virtual const DeviceCounters& counters() const = 0;
};

}  // namespace tcplab::live

#endif  // TCPLAB_NETSIM_LIVE_LIVE_DEVICE_H_
