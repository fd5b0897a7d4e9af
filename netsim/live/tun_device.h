#ifndef TCPLAB_NETSIM_LIVE_TUN_DEVICE_H_
#define TCPLAB_NETSIM_LIVE_TUN_DEVICE_H_

// A TUN device (IFF_TUN | IFF_NO_PI): the kernel routes a subnet to tcplab,
// which reads and writes bare IPv4 packets. No Ethernet, no ARP: the
// kernel's side of the device has an address in the subnet, tcplab uses
// another address of it, and the kernel owns only its own, so it never
// sends RSTs for tcplab's connections.

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "netsim/live/live_device.h"
#include "netsim/live/packet_batch.h"
#include "netsim/live/unique_fd.h"
#include "tcp/wire/ipv4_address.h"

namespace tcplab::live {

class TunDevice final : public LiveDevice {
 public:
  struct Options {
    // Set up the kernel's side: this address with this prefix on the
    // device, which then routes the prefix to tcplab, and the device up.
    // Unset: the device is used as someone else configured it.
    std::optional<wire::Ipv4Address> kernel_address;
    int prefix_length = 24;
    int mtu = 1500;
  };

  // Creates (or attaches to) TUN device `name`. Errors say what to do:
  // Unavailable (no /dev/net/tun), PermissionDenied (no CAP_NET_ADMIN),
  // AlreadyExists (the device is in use by another process).
  static absl::StatusOr<std::unique_ptr<TunDevice>> Open(const std::string& name,
                                                        const Options& options);

  LinkLayer link_layer() const override { return LinkLayer::kIpv4; }
  const std::string& name() const override { return name_; }
  int mtu() const override { return mtu_; }
  int fd() const override { return fd_.get(); }
  absl::StatusOr<int> ReadBatch(int max_packets, PacketFn on_packet) override;
  void Queue(absl::Span<const uint8_t> packet) override;
  absl::Status Flush() override;
  bool has_queued() const override { return !out_.empty(); }
  const DeviceCounters& counters() const override { return counters_; }

 private:
  TunDevice(UniqueFd fd, std::string name, int mtu);

  UniqueFd fd_;
  std::string name_;
  int mtu_;
  PacketBatch in_;
  PacketBatch out_;
  DeviceCounters counters_;
};

}  // namespace tcplab::live

#endif  // TCPLAB_NETSIM_LIVE_TUN_DEVICE_H_
