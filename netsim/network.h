#ifndef TCPLAB_NETSIM_NETWORK_H_
#define TCPLAB_NETSIM_NETWORK_H_

// The simulated network: nodes (hosts, routers) joined by links, on one
// Simulator, with one scenario seed.
//
// Topologies: two hosts on a point-to-point link, or many hosts attached to
// ports of a router that forwards by destination address (longest prefix).
// Every random stream derives from the seed and the stable name of its owner
// ("link/<link>:<from>><to>" per link direction, "host/<name>" per host), so
// the same scenario and seed give the same packets, traces and pcaps on any
// machine, and adding a link does not change what another link draws.
//
// The Simulator must outlive the Network; destroying the Network cancels
// every event it still has pending.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "netsim/link.h"
#include "netsim/link_params.h"
#include "netsim/node.h"
#include "netsim/packet_pool.h"
#include "netsim/random.h"
#include "netsim/simulator.h"
#include "netsim/trace.h"
#include "tcp/wire/ipv4_address.h"

namespace tcplab::netsim {

class Router;
class SimHost;

class Network {
 public:
  Network(Simulator* sim, uint64_t seed);
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;
  ~Network();

  Simulator& sim() const { return *sim_; }
  Instant Now() const { return sim_->Now(); }
  uint64_t seed() const { return seed_; }

  // Names must be unique among nodes (and among links); they name random
  // streams. Host addresses must be unique too. AlreadyExists otherwise.
  absl::StatusOr<SimHost*> AddHost(std::string name, wire::Ipv4Address address);
  absl::StatusOr<Router*> AddRouter(std::string name);
  // Adds a node of a kind netsim itself does not build (a bridge to a live
  // wire, say): `make(network, id, name)` returns the new T, whose
  // constructor passes those three to Node's.
  template <typename T, typename Make>
  absl::StatusOr<T*> AddNode(std::string name, Make make) {
    if (absl::Status s = CheckNewNodeName(name); !s.ok()) return s;
    std::unique_ptr<T> node = make(this, static_cast<int>(nodes_.size()), std::move(name));
    T* raw = node.get();
    nodes_.push_back(std::move(node));
    return raw;
  }

  // Joins a new port of `a` to a new port of `b`. The name defaults to
  // "<a>-<b>". InvalidArgument if a parameter set is invalid.
  absl::StatusOr<Link*> Connect(Node* a, Node* b, const LinkParams& a_to_b,
                                const LinkParams& b_to_a, std::string name = "");
  absl::StatusOr<Link*> Connect(Node* a, Node* b, const LinkParams& both,
                                std::string name = "") {
    return Connect(a, b, both, both, std::move(name));
  }

  // Gives every router a /32 route to every host it can reach, through the
  // first hop of a shortest path (fewest links; among equal ones the path
  // found first when exploring ports in order). Packets are not forwarded through hosts.
  // Routes a router already has for an address stay and win ties (routes
  // added first win). Call after building a topology with routers joined to
  // routers; hosts attached directly to a router get their route from
  // Connect already.
  void AddRoutesToAllHosts();

  // Lookups by name; nullptr if absent.
  Node* FindNode(absl::string_view name) const;
  Link* FindLink(absl::string_view name) const;
  const std::vector<std::unique_ptr<Node>>& nodes() const { return nodes_; }
  const std::vector<std::unique_ptr<Link>>& links() const { return links_; }

  // Observers see every packet event, in registration order, then the hook.
  void AddObserver(PacketObserver* observer);
  void RemoveObserver(PacketObserver* observer);
  void SetTraceHook(std::function<void(const PacketEvent&)> hook);

  // The random stream named `name` of this scenario's seed.
  Rng StreamFor(absl::string_view name) const { return Rng::ForStream(seed_, name); }

  // For nodes and links.
  PacketPool& pool() { return pool_; }
  uint64_t NextPacketId() { return ++last_packet_id_; }
  void Emit(const PacketEvent& e);
  // Whether anyone sees packet events (an observer or the hook): emitters
  // skip building events nobody would see.
  bool observed() const { return !observers_.empty() || static_cast<bool>(hook_); }

 private:
  absl::Status CheckNewNodeName(absl::string_view name) const;

  Simulator* sim_;
  uint64_t seed_;
  PacketPool pool_;
  uint64_t last_packet_id_ = 0;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::unique_ptr<Link>> links_;
  std::vector<PacketObserver*> observers_;
  std::function<void(const PacketEvent&)> hook_;
};

}  // namespace tcplab::netsim

#endif  // TCPLAB_NETSIM_NETWORK_H_
