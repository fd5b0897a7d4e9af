#include "netsim/network.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "netsim/router.h"
#include "netsim/sim_host.h"

namespace tcplab::netsim {

Network::Network(Simulator* sim, uint64_t seed) : sim_(sim), seed_(seed) {}

Network::~Network() {
  // Links first: their in-flight packets reference nodes and the pool.
  links_.clear();
  nodes_.clear();
}

absl::Status Network::CheckNewNodeName(absl::string_view name) const {
  if (name.empty()) return absl::InvalidArgumentError("node name is empty");
  if (FindNode(name) != nullptr) {
    return absl::AlreadyExistsError(absl::StrCat("node ", name, " exists"));
  }
  return absl::OkStatus();
}

absl::StatusOr<SimHost*> Network::AddHost(std::string name, wire::Ipv4Address address) {
  if (absl::Status s = CheckNewNodeName(name); !s.ok()) return s;
  for (const auto& n : nodes_) {
    if (const auto* h = dynamic_cast<const SimHost*>(n.get());
        h != nullptr && h->address() == address) {
      return absl::AlreadyExistsError(
          absl::StrCat("address ", address.ToString(), " belongs to host ", h->name()));
    }
  }
  auto host = std::make_unique<SimHost>(this, static_cast<int>(nodes_.size()),
                                        std::move(name), address);
  SimHost* raw = host.get();
  nodes_.push_back(std::move(host));
  return raw;
}

absl::StatusOr<Router*> Network::AddRouter(std::string name) {
  if (absl::Status s = CheckNewNodeName(name); !s.ok()) return s;
  auto router = std::make_unique<Router>(this, static_cast<int>(nodes_.size()),
                                         std::move(name));
  Router* raw = router.get();
  nodes_.push_back(std::move(router));
  return raw;
}

absl::StatusOr<Link*> Network::Connect(Node* a, Node* b, const LinkParams& a_to_b,
                                       const LinkParams& b_to_a, std::string name) {
  if (a == nullptr || b == nullptr || a == b) {
    return absl::InvalidArgumentError("Connect needs two distinct nodes");
  }
  if (absl::Status s = a_to_b.Validate(); !s.ok()) return s;
  if (absl::Status s = b_to_a.Validate(); !s.ok()) return s;
  if (name.empty()) name = absl::StrCat(a->name(), "-", b->name());
  if (FindLink(name) != nullptr) {
    return absl::AlreadyExistsError(absl::StrCat("link ", name, " exists"));
  }
  const int a_port = a->port_count();
  const int b_port = b->port_count();
  auto link = std::make_unique<Link>(this, std::move(name), a, a_port, b, b_port,
                                     a_to_b, b_to_a);
  a->ports_.push_back(&link->a_to_b());
  b->ports_.push_back(&link->b_to_a());
  // A host behind a router is reachable through the port it hangs off.
  if (auto* router = dynamic_cast<Router*>(a); router != nullptr) {
    if (auto* host = dynamic_cast<SimHost*>(b); host != nullptr) {
      (void)router->AddRoute(host->address(), 32, a_port);
    }
  }
  if (auto* router = dynamic_cast<Router*>(b); router != nullptr) {
    if (auto* host = dynamic_cast<SimHost*>(a); host != nullptr) {
      (void)router->AddRoute(host->address(), 32, b_port);
    }
  }
  Link* raw = link.get();
  links_.push_back(std::move(link));
  return raw;
}

void Network::AddRoutesToAllHosts() {
  for (const auto& start : nodes_) {
    auto* router = dynamic_cast<Router*>(start.get());
    if (router == nullptr) continue;
    // Breadth-first from the router, remembering each node's first hop.
    std::vector<int> first_port(nodes_.size(), -1);
    std::vector<bool> seen(nodes_.size(), false);
    std::vector<std::pair<Node*, int>> frontier;
    seen[router->id()] = true;
    for (int port = 0; port < router->port_count(); ++port) {
      Node* next = router->egress(port)->to();
      if (seen[next->id()]) continue;
      seen[next->id()] = true;
      first_port[next->id()] = port;
      frontier.push_back({next, port});
    }
    for (size_t i = 0; i < frontier.size(); ++i) {
      auto [node, port] = frontier[i];
      if (dynamic_cast<Router*>(node) == nullptr) continue;  // hosts do not forward
      for (int p = 0; p < node->port_count(); ++p) {
        Node* next = node->egress(p)->to();
        if (seen[next->id()]) continue;
        seen[next->id()] = true;
        first_port[next->id()] = port;
        frontier.push_back({next, port});
      }
    }
    for (const auto& n : nodes_) {
      const auto* host = dynamic_cast<const SimHost*>(n.get());
      if (host == nullptr || first_port[host->id()] < 0) continue;
      // Routes already present for this exact /32 win (Lookup keeps the
      // first of equal length), so adding is harmless either way.
      (void)router->AddRoute(host->address(), 32, first_port[host->id()]);
    }
  }
}

Node* Network::FindNode(absl::string_view name) const {
  for (const auto& n : nodes_) {
    if (n->name() == name) return n.get();
  }
  return nullptr;
}

Link* Network::FindLink(absl::string_view name) const {
  for (const auto& l : links_) {
    if (l->name() == name) return l.get();
  }
  return nullptr;
}

void Network::AddObserver(PacketObserver* observer) {
  pool_.CompleteAll();  // observers see every packet whole (SimHost::Send)
  observers_.push_back(observer);
}

void Network::RemoveObserver(PacketObserver* observer) {
  observers_.erase(std::remove(observers_.begin(), observers_.end(), observer),
                   observers_.end());
}

void Network::SetTraceHook(std::function<void(const PacketEvent&)> hook) {
  pool_.CompleteAll();
  hook_ = std::move(hook);
}

void Network::Emit(const PacketEvent& e) {
  for (PacketObserver* o : observers_) o->OnPacketEvent(e);
  if (hook_) hook_(e);
}

}  // namespace tcplab::netsim
