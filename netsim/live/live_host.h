#ifndef TCPLAB_NETSIM_LIVE_LIVE_HOST_H_
#define TCPLAB_NETSIM_LIVE_LIVE_HOST_H_

// tcplab's stack on a real wire, assembled: one simulated host running a
// tcp::Stack, joined by a link (which may carry impairments) to a wire
// node on a live device, all driven in real time.
//
//   StackHost("tcplab") --link (impairments)-- WireNode --> AF_PACKET / TUN
//
// The same engine, the same backend seam and the same link code as in a
// simulation; only the clock and the far end of the link are real.

#include <memory>
#include <optional>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "netsim/link_params.h"
#include "netsim/live/ethernet.h"
#include "netsim/live/live_device.h"
#include "netsim/live/packet_socket.h"
#include "netsim/live/realtime_loop.h"
#include "netsim/live/tun_device.h"
#include "netsim/live/wire_node.h"
#include "netsim/network.h"
#include "netsim/pcap_tap.h"
#include "netsim/sim_host.h"
#include "netsim/simulator.h"
#include "netsim/stack_host.h"
#include "tcp/config.h"
#include "tcp/wire/ipv4_address.h"

namespace tcplab::live {

struct LiveHostOptions {
  // Exactly one: an Ethernet interface for an AF_PACKET socket, or a TUN
  // device (created if it does not exist).
  std::string interface;
  std::string tun;

  wire::Ipv4Address address;  // tcplab's own
  int prefix_length = 24;
  std::optional<wire::Ipv4Address> gateway;  // Ethernet: for off-link peers
  std::optional<MacAddress> mac;  // Ethernet; default MacAddress::LocallyAdministeredFor
  // TUN: give the kernel's side this address (in the prefix) and bring the
  // device up. Unset: the device is already configured.
  std::optional<wire::Ipv4Address> tun_kernel_address;
  int tun_mtu = 1500;
  // Ethernet: the AF_PACKET socket's segmentation offload and ACK
  // coalescing (PacketSocket::Options).
  bool gso = true;
  bool coalesce_acks = false;
  // Turns the engine's tcp::StackConfig::ack_arrival_bursts_once on: a
  // read hands the engine the kernel's GSO aggregates, cut into segments,
  // at one instant, and one ACK for them is what a GRO receiver sends.
  bool ack_bursts = true;

  // Impairments on the way out (tcplab to the wire) and in.
  netsim::LinkParams outbound;
  netsim::LinkParams inbound;
  uint64_t seed = 1;  // for the impairments' random streams

  // A pcap of tcplab's own packets (raw IPv4), as its host sees them.
  std::string pcap_path;
};

class LiveHost {
 public:
  // Opens the device and builds everything. Errors say what to do (see
  // PacketSocket::Open and TunDevice::Open). If the kernel already owns
  // `address` on this machine, warning() says that it will answer
  // tcplab's peers with RSTs.
  static absl::StatusOr<std::unique_ptr<LiveHost>> Open(const LiveHostOptions& options,
                                                       const tcp::StackConfig& config);
  // (config.local_address is replaced by options.address.)
  ~LiveHost();

  netsim::StackHost& host() { return *stack_host_; }
  tcp::Stack& stack() { return stack_host_->stack(); }
  netsim::Network& network() { return *network_; }
  netsim::SimHost& sim_host() { return *sim_host_; }
  WireNode& wire() { return *wire_; }
  RealTimeLoop& loop() { return *loop_; }
  LiveDevice& device() { return *device_; }
  Instant Now() const { return sim_.Now(); }
  const std::string& warning() const { return warning_; }

  // Runs in real time until done() holds or `timeout` has passed. Returns
  // whether done() held.
  absl::StatusOr<bool> Run(absl::FunctionRef<bool()> done, absl::Duration timeout);
  // After user calls made outside an application callback.
  void Kick() { stack_host_->Kick(sim_.Now()); }

 private:
  LiveHost() = default;

  netsim::Simulator sim_;
  std::unique_ptr<netsim::Network> network_;
  std::unique_ptr<RealTimeLoop> loop_;
  std::unique_ptr<LiveDevice> device_;
  netsim::SimHost* sim_host_ = nullptr;
  WireNode* wire_ = nullptr;
  std::unique_ptr<netsim::StackHost> stack_host_;
  std::unique_ptr<netsim::PcapTap> pcap_;
  std::string warning_;
};

// Opens the one device given: the Ethernet `interface` through an AF_PACKET
// socket, or the TUN device `tun` (the other name empty). Errors as
// PacketSocket::Open and TunDevice::Open give them.
absl::StatusOr<std::unique_ptr<LiveDevice>> OpenLiveDevice(const std::string& interface,
                                                           const PacketSocket::Options& socket,
                                                           const std::string& tun,
                                                           const TunDevice::Options& tun_options);

// Whether the kernel of this machine (this network namespace) has `address`
// on one of its interfaces: it would then answer tcplab's peers itself.
bool KernelOwnsAddress(wire::Ipv4Address address);

}  // namespace tcplab::live

#endif  // TCPLAB_NETSIM_LIVE_LIVE_HOST_H_
