#ifndef TCPLAB_NETSIM_LIVE_PACKET_SOCKET_H_
#define TCPLAB_NETSIM_LIVE_PACKET_SOCKET_H_

// An AF_PACKET raw socket bound to one Ethernet interface: tcplab's own
// network card. tcplab puts its own MAC and IPv4 address on the wire (see
// ethernet_interface.h); the kernel owns neither, so it never answers
// tcplab's peers with RSTs, and tcplab's traffic never touches the host's
// own connections.
//
// Frames addressed to other MACs reach the socket too (the interface is put
// in promiscuous mode for the socket's lifetime, as tcpdump does), and the
// layer above ignores them. The socket does not see its own frames
// (PACKET_IGNORE_OUTGOING, or by packet type on older kernels).

#include <array>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "netsim/live/live_device.h"
#include "netsim/live/packet_batch.h"
#include "netsim/live/unique_fd.h"

namespace tcplab::live {

class PacketSocket final : public LiveDevice {
 public:
  struct Options {
    bool promiscuous = true;
    int batch = 64;  // packets per recvmmsg / sendmmsg
  };

  // Errors, each saying what to do: NotFound (no such interface),
  // PermissionDenied (no CAP_NET_RAW), FailedPrecondition (interface down,
  // or not Ethernet).
  static absl::StatusOr<std::unique_ptr<PacketSocket>> Open(const std::string& interface,
                                                           Options options);
  static absl::StatusOr<std::unique_ptr<PacketSocket>> Open(const std::string& interface) {
    return Open(interface, Options());
  }

  // The interface's own MAC (the kernel's; tcplab normally uses another).
  const std::array<uint8_t, 6>& interface_mac() const { return interface_mac_; }
  int ifindex() const { return ifindex_; }

  LinkLayer link_layer() const override { return LinkLayer::kEthernet; }
  const std::string& name() const override { return name_; }
  int mtu() const override { return mtu_; }
  int fd() const override { return fd_.get(); }
  absl::StatusOr<int> ReadBatch(int max_packets, PacketFn on_packet) override;
  void Queue(absl::Span<const uint8_t> frame) override;
  absl::Status Flush() override;
  bool has_queued() const override { return !out_.empty(); }
  const DeviceCounters& counters() const override { return counters_; }

 private:
  PacketSocket(UniqueFd fd, std::string name, int ifindex, int mtu, int batch);

  UniqueFd fd_;
  std::string name_;
  int ifindex_;
  int mtu_;
  bool ignores_outgoing_ = false;
  std::array<uint8_t, 6> interface_mac_{};
  // Reads take whole GSO aggregates (up to 64 KiB) that a kernel peer on
  // the same machine hands over unsegmented.
  PacketBatch in_;
  PacketBatch out_;
  DeviceCounters counters_;
};

}  // namespace tcplab::live

#endif  // TCPLAB_NETSIM_LIVE_PACKET_SOCKET_H_
