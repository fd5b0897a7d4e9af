#include "scenarios/runner/world.h"

#include <deque>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "netsim/random.h"
#include "scenarios/engine_config.h"
#include "netsim/router.h"
#include "scenarios/lang/units.h"

namespace tcplab::scenario::runner {

// ---------------------------------------------------------------- HostRuntime

HostRuntime::HostRuntime(World* world, std::string name, netsim::SimHost* sim_host,
                         tcp::StackConfig config)
    : world_(world),
      name_(std::move(name)),
      sim_host_(sim_host),
      stack_host_(sim_host, std::move(config)) {
  stack_host_.SetApplication(this);
  stack_host_.stack().SetObserver(this);
  sim_host_->SetClient(this);
}

tcp::ConnectionState HostRuntime::StateOf(tcp::SocketId id) const {
  auto it = tracks_.find(id);
  return it == tracks_.end() ? tcp::ConnectionState::kClosed : it->second.state;
}
uint64_t HostRuntime::RetransmitsOf(tcp::SocketId id) const {
  auto it = tracks_.find(id);
  return it == tracks_.end() ? 0 : it->second.retransmits;
}
uint64_t HostRuntime::ProbesOf(tcp::SocketId id) const {
  auto it = tracks_.find(id);
  return it == tracks_.end() ? 0 : it->second.probes;
}

bool HostRuntime::FinAckedOf(tcp::SocketId id) const {
  auto it = tracks_.find(id);
  return it != tracks_.end() && it->second.fin_acked;
}

void HostRuntime::OnPacket(Instant now, absl::Span<const uint8_t> ip_packet) {
  stack_host_.OnPacket(now, ip_packet);
  PumpApps(now);
}

void HostRuntime::OnWake(Instant now) {
  stack_host_.OnWake(now);
  PumpApps(now);
}

void HostRuntime::PumpApps(Instant now) {
  for (AppInstance* app : apps_) app->Pump(now);
  stack_host_.Kick(now);
  world_->CheckTriggers(now);
}

void HostRuntime::OnEvent(Instant now, netsim::StackHost& /*host*/, const tcp::Event& e) {
  if (auto it = listeners_.find(e.socket); it != listeners_.end()) {
    it->second->OnListenerEvent(now, e);
    return;
  }
  if (auto it = conns_.find(e.socket); it != conns_.end()) it->second->OnEvent(now, e);
}

void HostRuntime::OnStateChange(tcp::SocketId id, tcp::ConnectionState from,
                                tcp::ConnectionState to, Instant now) {
  Track& t = tracks_[id];
  t.state = to;
  using S = tcp::ConnectionState;
  if (to == S::kFinWait2 || to == S::kTimeWait || (from == S::kLastAck && to == S::kClosed)) {
    t.fin_acked = true;
  }
  if (world_->observer() != nullptr) world_->observer()->OnStateChange(name_, id, from, to, now);
}

void HostRuntime::OnRetransmit(tcp::SocketId id, wire::Seq, uint32_t, int, Instant) {
  ++tracks_[id].retransmits;
}

void HostRuntime::OnZeroWindowProbe(tcp::SocketId id, wire::Seq, Instant now) {
  ++tracks_[id].probes;
  if (world_->observer() != nullptr) world_->observer()->OnZeroWindowProbe(name_, id, now);
}

// ---------------------------------------------------------------- mapping

namespace {

double Fraction(Percent p) { return p.fraction(); }

netsim::Distribution ToNetsim(Distribution d) {
  switch (d) {
    case Distribution::kUniform: return netsim::Distribution::kUniform;
    case Distribution::kNormal: return netsim::Distribution::kNormal;
    case Distribution::kPareto: return netsim::Distribution::kPareto;
    case Distribution::kParetoNormal: return netsim::Distribution::kParetoNormal;
  }
  return netsim::Distribution::kUniform;
}

std::string InstanceName(const Host& h, uint32_t i) {
  return h.count == 1 ? h.name : absl::StrCat(h.name, "[", i, "]");
}

}  // namespace

netsim::LinkParams ToNetsim(const LinkParams& p, netsim::LinkParams base) {
  if (p.delay) base.delay = *p.delay;
  if (p.jitter) base.jitter = *p.jitter;
  if (p.delay_correlation) base.jitter_correlation = Fraction(*p.delay_correlation);
  if (p.distribution) base.jitter_distribution = ToNetsim(*p.distribution);
  if (p.loss) {
    if (const auto* r = std::get_if<RandomLoss>(&*p.loss)) {
      base.gemodel.reset();
      base.loss = Fraction(r->percent);
      base.loss_correlation = r->correlation ? Fraction(*r->correlation) : 0;
    } else {
      const auto& g = std::get<GilbertElliottLoss>(*p.loss);
      netsim::GilbertElliott ge;
      ge.p = Fraction(g.p);
      ge.r = g.r ? Fraction(*g.r) : 1.0 - ge.p;
      ge.one_minus_h = g.one_minus_h ? Fraction(*g.one_minus_h) : 1.0;
      ge.one_minus_k = g.one_minus_k ? Fraction(*g.one_minus_k) : 0.0;
      base.gemodel = ge;
    }
  }
  if (p.duplicate) base.duplicate = Fraction(*p.duplicate);
  if (p.duplicate_correlation) base.duplicate_correlation = Fraction(*p.duplicate_correlation);
  if (p.reorder) base.reorder = Fraction(*p.reorder);
  if (p.reorder_correlation) base.reorder_correlation = Fraction(*p.reorder_correlation);
  if (p.reorder_gap) base.reorder_gap = static_cast<int>(*p.reorder_gap);
  if (p.corrupt) base.corrupt = Fraction(*p.corrupt);
  if (p.corrupt_correlation) base.corrupt_correlation = Fraction(*p.corrupt_correlation);
  if (p.rate_bps) base.rate_bps = static_cast<int64_t>(*p.rate_bps);
  if (p.limit_packets) base.limit_packets = static_cast<int>(*p.limit_packets);
  if (p.limit_bytes) base.limit_bytes = static_cast<int64_t>(*p.limit_bytes);
  if (p.mtu) base.mtu = static_cast<int>(*p.mtu);
  return base;
}

absl::StatusOr<tcp::StackConfig> ToEngine(const StackConfig& c, const std::string& host,
                                          uint64_t seed) {
  // The modern default (CUBIC, SACK, timestamps, window scaling, delayed
  // ACK, Nagle); the host's keys apply over it.
  tcp::StackConfig e;
  if (!c.isn_secret) {
    // Each host and seed its own secret, so ISNs differ between seeds.
    netsim::Rng rng = netsim::Rng::ForStream(seed, absl::StrCat("isn/", host));
    const uint64_t a = rng.Next();
    e.isn_secret = {a, rng.Next()};
  }
  if (absl::Status s = ApplyStackKeys(c, &e); !s.ok()) return s;
  return e;
}

// ---------------------------------------------------------------- World

World::World(const Scenario& scenario, uint64_t seed, WorldObserver* observer)
    : scenario_(&scenario), seed_(seed), observer_(observer) {}

World::~World() {
  // Apps and stacks go before the network (which cancels its events).
  app_storage_.clear();
  hosts_.clear();
  net_.reset();
}

absl::StatusOr<std::unique_ptr<World>> World::Build(const Scenario& scenario, uint64_t seed,
                                                    WorldObserver* observer,
                                                    const LiveHostSpec* live) {
  std::unique_ptr<World> w(new World(scenario, seed, observer));
  w->live_ = live;
  w->net_ = std::make_unique<netsim::Network>(&w->sim_, seed);
  if (absl::Status s = w->BuildTopology(); !s.ok()) return s;
  if (absl::Status s = w->BuildRoutes(); !s.ok()) return s;
  return w;
}

absl::Status World::BuildLiveWire() {
  const Host* host = nullptr;
  for (const Host& h : scenario_->hosts) {
    if (h.name == live_->host) host = &h;
  }
  if (host == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(scenario_->file, ": --live ", live_->host, ": the scenario has no such host"));
  }
  const std::string where =
      absl::StrCat(scenario_->file, ":", host->pos.line, ":", host->pos.column, ": host ",
                   host->name, " (--live): ");
  if (!host->address || host->count != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, "a live host is one real machine: give it its real address (address A.B.C.D) "
               "and no count"));
  }
  const Link* link = nullptr;
  for (const Link& l : scenario_->links) {
    if (l.a != host->name && l.b != host->name) continue;
    if (link != nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "a live host must have exactly one link"));
    }
    link = &l;
  }
  if (link == nullptr) return absl::InvalidArgumentError(absl::StrCat(where, "it has no link"));
  const std::string& other = link->a == host->name ? link->b : link->a;
  auto inst = instances_.find(other);
  if (inst == instances_.end() || inst->second.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, "its link must lead to one simulated host (tcplab takes that host's address "
               "on the wire), not to ", other));
  }
  std::optional<live::EthernetInterfaceConfig> eth;
  if (live_->device->link_layer() == live::LinkLayer::kEthernet) {
    live::EthernetInterfaceConfig c;
    c.address = first_address_[other];
    c.mac = live::MacAddress::LocallyAdministeredFor(c.address);
    c.prefix_length = live_->prefix_length;
    c.gateway = live_->gateway;
    eth = c;
  }
  absl::StatusOr<live::WireNode*> wire = live::WireNode::Add(net_.get(), host->name, live_->device, eth);
  if (!wire.ok()) return absl::InvalidArgumentError(absl::StrCat(where, wire.status().message()));
  wire_ = *wire;
  nodes_by_name_[host->name] = wire_;
  host_by_address_[host->address->value()] = host->name;
  return absl::OkStatus();
}

absl::Status World::BuildTopology() {
  // Addresses: given ones first, then 10.0.0.1... for the rest.
  std::set<uint32_t> taken;
  for (const Host& h : scenario_->hosts) {
    if (!h.address) continue;
    for (uint32_t i = 0; i < h.count; ++i) taken.insert(h.address->value() + i);
  }
  uint32_t next_auto = wire::Ipv4Address(10, 0, 0, 1).value();
  // The simulated host across the live host's link takes the wire
  // (BuildLiveWire checks the rest): unless its block says otherwise, its
  // stack acknowledges arrival bursts once, as live::LiveHost's does.
  std::string wire_host;
  if (live_ != nullptr) {
    for (const Link& l : scenario_->links) {
      if (l.a == live_->host) wire_host = l.b;
      if (l.b == live_->host) wire_host = l.a;
    }
  }
  for (const Host& h : scenario_->hosts) {
    wire::Ipv4Address first;
    if (h.address) {
      first = *h.address;
    } else {
      // A free run of `count` addresses.
      for (;;) {
        bool free = true;
        for (uint32_t i = 0; i < h.count && free; ++i) free = !taken.contains(next_auto + i);
        if (free) break;
        ++next_auto;
      }
      first = wire::Ipv4Address(next_auto);
      for (uint32_t i = 0; i < h.count; ++i) taken.insert(next_auto + i);
      next_auto += h.count;
    }
    first_address_[h.name] = first;
    if (IsLive(h.name)) continue;  // BuildLiveWire, once every address is known
    for (uint32_t i = 0; i < h.count; ++i) {
      const std::string name = InstanceName(h, i);
      const wire::Ipv4Address addr(first.value() + i);
      absl::StatusOr<netsim::SimHost*> sh = net_->AddHost(name, addr);
      if (!sh.ok()) return sh.status();
      nodes_by_name_[name] = *sh;
      host_by_address_[addr.value()] = name;
      instances_[h.name].push_back(hosts_.size());
      absl::StatusOr<tcp::StackConfig> config = ToEngine(h.stack, name, seed_);
      if (!config.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(scenario_->file, ":", h.pos.line, ":",
                                                       h.pos.column, ": host ", h.name, ": ",
                                                       config.status().message()));
      }
      config->local_address = addr;
      if (h.name == wire_host && !h.stack.ack_bursts) config->ack_arrival_bursts_once = true;
      hosts_.push_back(std::make_unique<HostRuntime>(this, name, *sh, *std::move(config)));
    }
  }
  if (live_ != nullptr) {
    if (absl::Status s = BuildLiveWire(); !s.ok()) return s;
  }
  for (const Switch& s : scenario_->switches) {
    absl::StatusOr<netsim::Router*> r = net_->AddRouter(s.name);
    if (!r.ok()) return r.status();
    nodes_by_name_[s.name] = *r;
  }
  // Links: one per instance of a counted end.
  for (const Link& l : scenario_->links) {
    std::vector<LinkBinding> bindings;
    auto names = [&](const std::string& n) -> std::vector<std::string> {
      auto it = instances_.find(n);
      if (it == instances_.end()) return {n};
      std::vector<std::string> out;
      for (size_t idx : it->second) out.push_back(hosts_[idx]->name());
      return out;
    };
    const std::vector<std::string> as = names(l.a), bs = names(l.b);
    const netsim::LinkParams ab = ToNetsim(l.a_to_b, {});
    const netsim::LinkParams ba = ToNetsim(l.b_to_a, {});
    for (const std::string& a : as) {
      for (const std::string& b : bs) {
        absl::StatusOr<netsim::Link*> link =
            net_->Connect(nodes_by_name_[a], nodes_by_name_[b], ab, ba);
        if (!link.ok()) {
          return absl::InvalidArgumentError(absl::StrCat(
              scenario_->file, ":", l.pos.line, ":", l.pos.column, ": ", link.status().message()));
        }
        bindings.push_back({*link, l.a, l.b});
      }
    }
    links_.push_back(std::move(bindings));
  }
  // Apps.
  for (const App& app : scenario_->apps) {
    std::vector<AppInstance*>& list = apps_[app.name];
    for (size_t idx : instances_[app.host]) {
      app_storage_.push_back(
          std::make_unique<AppInstance>(&app, hosts_[idx].get(), &app_labels_[app.name]));
      list.push_back(app_storage_.back().get());
      hosts_[idx]->AddApp(list.back());
    }
  }
  return absl::OkStatus();
}

absl::Status World::BuildRoutes() {
  // Ports are numbered per node in link creation order.
  std::map<const netsim::Node*, std::vector<const netsim::Node*>> ports;
  for (const auto& bindings : links_) {
    for (const LinkBinding& b : bindings) {
      const netsim::Node* a = b.link->a_to_b().from();
      const netsim::Node* z = b.link->a_to_b().to();
      ports[a].push_back(z);
      ports[z].push_back(a);
    }
  }
  for (const Switch& s : scenario_->switches) {
    auto* router = static_cast<netsim::Router*>(nodes_by_name_[s.name]);
    // Breadth-first from the router; hosts are leaves.
    std::map<const netsim::Node*, int> first_port;
    std::deque<const netsim::Node*> queue;
    const auto& own = ports[router];
    for (int p = 0; p < static_cast<int>(own.size()); ++p) {
      if (first_port.emplace(own[p], p).second) queue.push_back(own[p]);
    }
    while (!queue.empty()) {
      const netsim::Node* n = queue.front();
      queue.pop_front();
      if (n->kind() == "host") continue;
      for (const netsim::Node* m : ports[n]) {
        if (m == router) continue;
        if (first_port.emplace(m, first_port[n]).second) queue.push_back(m);
      }
    }
    for (const auto& host : hosts_) {
      auto it = first_port.find(&host->sim_host());
      if (it == first_port.end()) continue;
      if (absl::Status st = router->AddRoute(host->sim_host().address(), 32, it->second);
          !st.ok()) {
        return st;
      }
    }
  }
  return absl::OkStatus();
}

const std::vector<AppInstance*>& World::AppInstances(const std::string& app) const {
  static const std::vector<AppInstance*> kNone;
  auto it = apps_.find(app);
  return it == apps_.end() ? kNone : it->second;
}

std::string World::HostNameOf(wire::Ipv4Address a) const {
  auto it = host_by_address_.find(a.value());
  return it == host_by_address_.end() ? a.ToString() : it->second;
}

std::optional<wire::Ipv4Address> World::AddressOf(const std::string& scenario_host) const {
  auto it = first_address_.find(scenario_host);
  if (it == first_address_.end()) return std::nullopt;
  return it->second;
}

void World::Note(Instant now, const std::string& text) {
  if (observer_ != nullptr) observer_->OnNote(now, text);
}

void World::Arm() {
  for (const auto& app : app_storage_) {
    AppInstance* a = app.get();
    const Instant at = Instant::Zero() + a->spec().start.value_or(absl::ZeroDuration());
    sim_.ScheduleFn(at, [this, a] {
      const Instant now = sim_.Now();
      a->Start(now);
      a->host().PumpApps(now);
    });
  }
  for (const Event& e : scenario_->events) {
    if (const auto* t = std::get_if<absl::Duration>(&e.trigger)) {
      const Event* ev = &e;
      sim_.ScheduleFn(Instant::Zero() + *t, [this, ev] { Apply(sim_.Now(), ev->action); });
    } else {
      pending_triggers_.push_back(&e);
    }
  }
}

namespace {

std::string LinkRefText(const LinkRef& r) {
  return absl::StrCat(r.from, r.both_directions ? " -- " : " -> ", r.to);
}

}  // namespace

void World::CheckTriggers(Instant now) {
  for (size_t i = 0; i < pending_triggers_.size();) {
    const Event* e = pending_triggers_[i];
    const auto& t = std::get<ProgressTrigger>(e->trigger);
    uint64_t total = 0;
    for (const AppInstance* a : AppInstances(t.app)) {
      total += t.metric == ProgressMetric::kSent ? a->SentTotal() : a->ReceivedTotal();
    }
    if (Compare(total, t.op, t.bytes)) {
      pending_triggers_.erase(pending_triggers_.begin() + static_cast<long>(i));
      Note(now, absl::StrCat("when ", t.app, ".", Name(t.metric), " ", Name(t.op), " ",
                             SizeToString(t.bytes), " (", SizeToString(total), ")"));
      Apply(now, e->action);
    } else {
      ++i;
    }
  }
}

void World::ApplyLinkAction(Instant now, const LinkRef& ref,
                            const std::function<void(netsim::LinkDirection&)>& fn) {
  (void)now;
  for (size_t i = 0; i < scenario_->links.size(); ++i) {
    const Link& l = scenario_->links[i];
    const bool forward = l.a == ref.from && l.b == ref.to;
    const bool backward = l.a == ref.to && l.b == ref.from;
    if (!forward && !backward) continue;
    for (const LinkBinding& b : links_[i]) {
      if (ref.both_directions || forward) fn(b.link->a_to_b());
      if (ref.both_directions || backward) fn(b.link->b_to_a());
    }
  }
}

void World::Apply(Instant now, const Action& action) {
  if (const auto* s = std::get_if<LinkStateAction>(&action)) {
    Note(now, absl::StrCat("link ", LinkRefText(s->link), s->up ? " up" : " down"));
    ApplyLinkAction(now, s->link, [&](netsim::LinkDirection& d) { d.SetUp(s->up); });
  } else if (const auto* c = std::get_if<LinkChangeAction>(&action)) {
    std::string params = LinkParamsToString(c->params, "");
    while (!params.empty() && params.back() == '\n') params.pop_back();
    absl::StrReplaceAll({{"\n", "; "}}, &params);
    Note(now, absl::StrCat("link ", LinkRefText(c->link), " { ", params, " }"));
    ApplyLinkAction(now, c->link, [&](netsim::LinkDirection& d) {
      absl::Status st = d.SetParams(ToNetsim(c->params, d.params()));
      if (!st.ok()) Note(now, absl::StrCat("link change rejected: ", st.message()));
    });
  } else {
    const auto& a = std::get<AppAction>(action);
    Note(now, absl::StrCat("app ", a.app, " ", Name(a.kind)));
    for (AppInstance* inst : AppInstances(a.app)) {
      inst->Act(now, a.kind);
      inst->host().PumpApps(now);
    }
  }
}

}  // namespace tcplab::scenario::runner
