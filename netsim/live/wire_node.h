#ifndef TCPLAB_NETSIM_LIVE_WIRE_NODE_H_
#define TCPLAB_NETSIM_LIVE_WIRE_NODE_H_

// A netsim node that is a real wire: packets the simulated network sends
// into it go out of a live device, and packets the device reads come into
// the network through it. Whatever the network puts between a host and the
// wire (a link's loss, delay, jitter, reordering, duplication, corruption,
// rate) therefore applies to real traffic, in user space, exactly as in a
// simulation; tcplab's host and its stack run unchanged behind the backend
// seam (SimHost), and pcap taps and traces see everything.
//
// On an Ethernet device the node is tcplab's network card: it frames
// packets, answers ARP for tcplab's address and resolves neighbours
// (ethernet_interface.h). On a TUN device packets pass as they are.
//
// Packets read from the device are checked by the receiving host like any
// other, in full. A packet the kernel handed over with its transport
// checksum still to be computed (a kernel peer on the same machine, whose
// veth "offloads" the checksum to nobody) has it computed here first, as
// the NIC it never crossed would have.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "netsim/live/ethernet_interface.h"
#include "netsim/live/live_device.h"
#include "netsim/live/realtime_loop.h"
#include "netsim/network.h"
#include "netsim/node.h"
#include "netsim/simulator.h"

namespace tcplab::live {

struct WireCounters {
  uint64_t to_wire = 0;              // packets the network sent out
  uint64_t from_wire = 0;            // packets read and put on the network
  uint64_t checksums_completed = 0;  // of those, checksum computed here
  uint64_t aggregates_split = 0;     // GSO aggregates cut into segments
  uint64_t dropped_not_ip = 0;       // read from a TUN but not IPv4
};

class WireNode final : public netsim::Node,
                       public RealTimeLoop::Source,
                       private FrameSink,
                       private netsim::EventHandler {
 public:
  // Adds the node to `network`. `device` is not owned and must outlive it.
  // An Ethernet device needs `ethernet` (tcplab's MAC, address, prefix,
  // gateway); a TUN device must not have it. Connect the node to one host
  // or router afterwards (Network::Connect): it has one port.
  static absl::StatusOr<WireNode*> Add(netsim::Network* network, std::string name,
                                       LiveDevice* device,
                                       std::optional<EthernetInterfaceConfig> ethernet);

  WireNode(netsim::Network* network, int id, std::string name, LiveDevice* device);
  ~WireNode() override;

  absl::string_view kind() const override { return "wire"; }
  LiveDevice& device() const { return *device_; }
  // Null on a TUN device.
  EthernetInterface* ethernet() const { return ethernet_.get(); }
  const WireCounters& wire_counters() const { return counters_; }

  // Announces tcplab's address with a gratuitous ARP (Ethernet only).
  void Announce();

  // RealTimeLoop::Source:
  int fd() const override { return device_->fd(); }
  void OnReadable(Instant now) override;
  void Flush(Instant now) override;
  bool WantsWrite() const override { return device_->has_queued(); }

  // Device errors seen (a broken device ends nothing by itself; the caller
  // decides).
  const absl::Status& device_error() const { return device_error_; }

 private:
  void Receive(Instant now, int port, netsim::PacketHandle h) override;
  void SendFrame(absl::Span<const uint8_t> frame) override;  // FrameSink
  void OnEvent(Instant now, uint64_t tag) override;           // ARP timers
  void FromWire(Instant now, absl::Span<const uint8_t> ip_packet, bool checksum_pending);
  void ArmArpTimer();

  LiveDevice* device_;
  std::unique_ptr<EthernetInterface> ethernet_;
  netsim::EventId arp_timer_;
  Instant arp_timer_at_ = Instant::Infinite();
  WireCounters counters_;
  absl::Status device_error_;
};

// Cuts a TCP/IPv4 packet longer than `mtu` (a GSO aggregate) into
// segments that fit, each with its own headers and correct checksums, as
// TCP segmentation offload does. Empty if `ip_packet` is not such a packet
// (then it is passed on, or dropped by the link, as it is).
std::vector<std::vector<uint8_t>> SegmentTcpAggregate(absl::Span<const uint8_t> ip_packet,
                                                      size_t mtu);

}  // namespace tcplab::live

#endif  // TCPLAB_NETSIM_LIVE_WIRE_NODE_H_
