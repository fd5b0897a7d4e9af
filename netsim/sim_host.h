#ifndef TCPLAB_NETSIM_SIM_HOST_H_
#define TCPLAB_NETSIM_SIM_HOST_H_

// A simulated host: one IPv4 address, the netsim implementation of the
// Backend seam for the stack (BackendClient) running on it.
//
// Send: the packet enters the link of the host's first port (a host's
// default route) at Now(); nothing is delivered synchronously, so the client
// is never re-entered. Receive: a packet arriving from a link is checked as a
// host's IP layer would (well-formed IPv4, header checksum, TCP/UDP checksum,
// addressed to this host); failures are dropped and counted with their
// reason (a corrupted packet shows up as kBadChecksum here), the rest are
// passed to the client's OnPacket. WakeAt: one pending wake, replaced by each
// call; a time not after Now() wakes after the current event, never
// re-entrantly.

#include <cstdint>
#include <string>

#include "netsim/backend.h"
#include "netsim/node.h"
#include "netsim/random.h"
#include "netsim/simulator.h"
#include "tcp/wire/ipv4_address.h"

namespace tcplab::netsim {

class SimHost final : public Node, public Backend, private EventHandler {
 public:
  // Use Network::AddHost.
  SimHost(Network* network, int id, std::string name, wire::Ipv4Address address);
  ~SimHost() override;

  absl::string_view kind() const override { return "host"; }
  wire::Ipv4Address address() const { return address_; }

  // The stack on this host; not owned. Packets arriving while there is none
  // are dropped (kNoClient).
  void SetClient(BackendClient* client) { client_ = client; }
  BackendClient* client() const { return client_; }

  // This host's own random stream ("host/<name>"), e.g. for ISNs and ports.
  Rng& rng() { return rng_; }

  // The pending wake time, or Infinite().
  Instant wake_time() const { return wake_time_; }

  // Backend:
  Instant Now() const override;
  void Send(absl::Span<const uint8_t> ip_packet) override;
  absl::Span<uint8_t> SendBuffer(size_t size) override;
  void PromiseValidChecksums() override { checksums_promised_ = true; }
  bool OffloadChecksums() override {
    checksum_offload_ = true;
    return true;
  }
  void WakeAt(Instant when) override;
  bool MoreMayHappenNow() const override;

 private:
  void Receive(Instant now, int port, PacketHandle h) override;
  void OnEvent(Instant now, uint64_t tag) override;  // the wake

  wire::Ipv4Address address_;
  BackendClient* client_ = nullptr;
  bool checksums_promised_ = false;
  bool checksum_offload_ = false;
  PacketHandle lent_ = PooledPacket::kNil;  // SendBuffer's packet, until Send
  Rng rng_;
  EventId wake_;
  Instant wake_time_ = Instant::Infinite();
};

}  // namespace tcplab::netsim

#endif  // TCPLAB_NETSIM_SIM_HOST_H_
