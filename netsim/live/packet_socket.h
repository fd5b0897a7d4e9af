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
#include <vector>

#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/uio.h>

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
    // Segmentation offload, as a NIC's TSO: consecutive full-size TCP
    // segments of one connection queued for the same Flush go to the
    // kernel as one GSO frame (PACKET_VNET_HDR), which the kernel cuts
    // into the very segments queued if the frame leaves the machine, and
    // a local peer (veth) takes whole, as it takes its own TCP's. Off, or
    // where the kernel refuses PACKET_VNET_HDR: one frame per segment.
    bool gso = true;
    // ACK coalescing: of pure ACKs of one connection queued back to back
    // for the same Flush, each acknowledging more than the one before,
    // only the last goes out (it says all the others say, and the newest
    // window). Off by default: it thins the ACK clock the engine chose.
    bool coalesce_acks = false;
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
  bool gso() const { return gso_; }
  const DeviceCounters& counters() const override { return counters_; }

 private:
  PacketSocket(UniqueFd fd, std::string name, int ifindex, int mtu, int batch);
  // With gso_: how many queued frames from `first` go in one GSO frame,
  // whose headers (virtio_net_hdr + Ethernet/IPv4/TCP) it writes to `hdr`
  // (their length to *hdr_len). 1: the frame goes alone.
  int Coalesce(int first, int last, uint8_t* hdr, size_t* hdr_len);

  UniqueFd fd_;
  std::string name_;
  int ifindex_;
  int mtu_;
  bool ignores_outgoing_ = false;
  bool gso_ = false;  // PACKET_VNET_HDR is on: every frame has a virtio_net_hdr
  bool coalesce_acks_ = false;
  std::array<uint8_t, 6> interface_mac_{};
  // Reads take whole GSO aggregates (up to 64 KiB) that a kernel peer on
  // the same machine hands over unsegmented.
  PacketBatch in_;
  PacketBatch out_;
  // Per-call scratch of ReadBatch / Flush, allocated once.
  std::vector<mmsghdr> in_msgs_;
  std::vector<iovec> in_iov_;
  std::vector<sockaddr_ll> in_from_;
  std::vector<uint8_t> in_control_;
  std::vector<uint8_t> in_vnet_;     // a virtio_net_hdr per read slot
  std::vector<mmsghdr> out_msgs_;
  std::vector<iovec> out_iov_;       // header + one payload per segment
  std::vector<uint8_t> out_hdrs_;    // a header block per message
  std::vector<int> out_frames_;      // queued frames per message
  std::vector<int> out_skipped_;     // of those, ACKs coalesced away
  DeviceCounters counters_;
};

}  // namespace tcplab::live

#endif  // TCPLAB_NETSIM_LIVE_PACKET_SOCKET_H_
