#ifndef TCPLAB_NETSIM_ROUTER_H_
#define TCPLAB_NETSIM_ROUTER_H_

// A router (or an L3 switch): forwards each packet out of the port of the
// longest matching prefix of its destination address (ties: the route added
// first). It checks the IPv4 header (malformed or bad header checksum:
// dropped) but not the transport checksum, and leaves the packet's bytes
// untouched (no TTL decrement, so checksums stay as the sender made them).
// Queueing happens in the outgoing link direction, which is where a
// bottleneck's queue is configured.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "netsim/node.h"
#include "tcp/wire/ipv4_address.h"

namespace tcplab::netsim {

class Router final : public Node {
 public:
  // Use Network::AddRouter.
  Router(Network* network, int id, std::string name)
      : Node(network, id, std::move(name)) {}

  absl::string_view kind() const override { return "router"; }

  // Packets to prefix/length leave through `port`. InvalidArgument for a
  // length over 32 or a port that does not exist (yet).
  absl::Status AddRoute(wire::Ipv4Address prefix, int length, int port);

  // The port for `dst`, or -1.
  int Lookup(wire::Ipv4Address dst) const;

 private:
  struct Route {
    uint32_t prefix;
    uint32_t mask;
    int length;
    int port;
  };
  void Receive(Instant now, int port, PacketHandle h) override;

  std::vector<Route> routes_;
};

}  // namespace tcplab::netsim

#endif  // TCPLAB_NETSIM_ROUTER_H_
