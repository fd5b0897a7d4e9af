#ifndef TCPLAB_NETSIM_NODE_H_
#define TCPLAB_NETSIM_NODE_H_

// A node of the simulated network: a host or a router. Nodes have numbered
// ports; each port is one end of a link, and the node sends out of a port
// through that link's outgoing direction.

#include <string>
#include <vector>

#include "netsim/packet_pool.h"
#include "netsim/trace.h"
#include "tcp/base/instant.h"

namespace tcplab::netsim {

class LinkDirection;
class Network;

class Node {
 public:
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  virtual ~Node() = default;

  // Creation order within the network, from 0.
  int id() const { return id_; }
  const std::string& name() const { return name_; }
  // "host" or "router", for traces.
  virtual absl::string_view kind() const = 0;

  int port_count() const { return static_cast<int>(ports_.size()); }
  // The link direction leaving through `port`.
  LinkDirection* egress(int port) const { return ports_[port]; }

  const NodeCounters& counters() const { return counters_; }

 protected:
  Node(Network* network, int id, std::string name)
      : network_(network), id_(id), name_(std::move(name)) {}

  Network& network() const { return *network_; }
  NodeCounters& mutable_counters() { return counters_; }
  // Counts the drop, reports it and releases the packet.
  void DropPacket(PacketHandle h, DropReason reason);

 private:
  friend class Network;
  friend class LinkDirection;

  // A packet arrived on `port`; the node now owns the handle (it must
  // forward or release it).
  virtual void Receive(Instant now, int port, PacketHandle h) = 0;

  Network* network_;
  int id_;
  std::string name_;
  std::vector<LinkDirection*> ports_;
  NodeCounters counters_;
};

}  // namespace tcplab::netsim

#endif  // TCPLAB_NETSIM_NODE_H_
