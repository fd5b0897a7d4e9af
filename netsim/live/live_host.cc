#include "netsim/live/live_host.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "netsim/live/packet_socket.h"
#include "netsim/live/tun_device.h"
#include "netsim/pcap/pcap_writer.h"

namespace tcplab::live {

bool KernelOwnsAddress(wire::Ipv4Address address) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return false;
  bool owned = false;
  for (ifaddrs* a = list; a != nullptr && !owned; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    owned = ntohl(in->sin_addr.s_addr) == address.value();
  }
  freeifaddrs(list);
  return owned;
}

absl::StatusOr<std::unique_ptr<LiveDevice>> OpenLiveDevice(const std::string& interface,
                                                           const PacketSocket::Options& socket,
                                                           const std::string& tun,
                                                           const TunDevice::Options& tun_options) {
  if (interface.empty() == tun.empty()) {
    return absl::InvalidArgumentError("give exactly one live device: an interface or a TUN device");
  }
  if (!interface.empty()) {
    absl::StatusOr<std::unique_ptr<PacketSocket>> p = PacketSocket::Open(interface, socket);
    if (!p.ok()) return p.status();
    return std::unique_ptr<LiveDevice>(*std::move(p));
  }
  absl::StatusOr<std::unique_ptr<TunDevice>> t = TunDevice::Open(tun, tun_options);
  if (!t.ok()) return t.status();
  return std::unique_ptr<LiveDevice>(*std::move(t));
}

LiveHost::~LiveHost() {
  pcap_.reset();
  stack_host_.reset();
  network_.reset();
}

absl::StatusOr<std::unique_ptr<LiveHost>> LiveHost::Open(const LiveHostOptions& o,
                                                        const tcp::StackConfig& config) {
  if (o.interface.empty() == o.tun.empty()) {
    return absl::InvalidArgumentError(
        "give exactly one live device: an Ethernet interface (--iface) or a TUN device (--tun)");
  }
  auto h = std::unique_ptr<LiveHost>(new LiveHost());
  h->network_ = std::make_unique<netsim::Network>(&h->sim_, o.seed);
  absl::StatusOr<std::unique_ptr<RealTimeLoop>> loop = RealTimeLoop::Create(&h->sim_);
  if (!loop.ok()) return loop.status();
  h->loop_ = *std::move(loop);

  PacketSocket::Options po;
  po.gso = o.gso;
  po.coalesce_acks = o.coalesce_acks;
  TunDevice::Options t;
  t.kernel_address = o.tun_kernel_address;
  t.prefix_length = o.prefix_length;
  t.mtu = o.tun_mtu;
  absl::StatusOr<std::unique_ptr<LiveDevice>> device = OpenLiveDevice(o.interface, po, o.tun, t);
  if (!device.ok()) return device.status();
  h->device_ = *std::move(device);
  std::optional<EthernetInterfaceConfig> eth;
  if (h->device_->link_layer() == LinkLayer::kEthernet) {
    EthernetInterfaceConfig c;
    c.mac = o.mac.value_or(MacAddress::LocallyAdministeredFor(o.address));
    c.address = o.address;
    c.prefix_length = o.prefix_length;
    c.gateway = o.gateway;
    eth = c;
  }
  if (KernelOwnsAddress(o.address)) {
    h->warning_ = absl::StrCat(
        "warning: this machine's kernel owns ", o.address.ToString(),
        " itself: it will answer tcplab's peers too, with RSTs for connections it does not "
        "know. Give tcplab an address of its own (--ip) that no interface here has.");
  }

  absl::StatusOr<netsim::SimHost*> host = h->network_->AddHost("tcplab", o.address);
  if (!host.ok()) return host.status();
  h->sim_host_ = *host;
  absl::StatusOr<WireNode*> wire =
      WireNode::Add(h->network_.get(), "wire", h->device_.get(), eth);
  if (!wire.ok()) return wire.status();
  h->wire_ = *wire;
  // The link to the wire carries what the device does: on a jumbo
  // interface the engine's segments are larger than netsim's default MTU.
  netsim::LinkParams out = o.outbound, in = o.inbound;
  out.mtu = std::max(out.mtu, h->device_->mtu());
  in.mtu = std::max(in.mtu, h->device_->mtu());
  absl::StatusOr<netsim::Link*> link =
      h->network_->Connect(h->sim_host_, h->wire_, out, in, "tcplab-wire");
  if (!link.ok()) return link.status();
  tcp::StackConfig c = config;
  if (o.ack_bursts) c.ack_arrival_bursts_once = true;
  c.local_address = o.address;
  h->stack_host_ = std::make_unique<netsim::StackHost>(h->sim_host_, c);
  h->sim_host_->SetClient(h->stack_host_.get());
  if (!o.pcap_path.empty()) {
    absl::StatusOr<netsim::PcapWriter> w =
        netsim::PcapWriter::OpenFile(o.pcap_path, netsim::LinkType::kRaw);
    if (!w.ok()) return w.status();
    h->pcap_ = netsim::PcapTap::ForHost(h->network_.get(), h->sim_host_, *std::move(w));
  }
  if (absl::Status s = h->loop_->Add(h->wire_); !s.ok()) return s;
  h->wire_->Announce();
  return h;
}

absl::StatusOr<bool> LiveHost::Run(absl::FunctionRef<bool()> done, absl::Duration timeout) {
  const Instant limit = loop_->Now() + timeout;
  return loop_->Run(done, limit);
}

}  // namespace tcplab::live
