#ifndef TCPLAB_SCENARIOS_RUNNER_WORLD_H_
#define TCPLAB_SCENARIOS_RUNNER_WORLD_H_

// A scenario made real: the simulated network (netsim), one tcp::Stack per
// host instance, the applications, and the scenario's events.
//
// Mapping from the scenario language:
//   host NAME (count N)  N SimHosts "NAME[0]".."NAME[N-1]" (or "NAME"), each
//                        with a StackHost; addresses as given, else
//                        10.0.0.1, 10.0.0.2, ... skipping taken ones.
//   switch NAME          a netsim Router with a /32 route per host it
//                        reaches (first hop found breadth-first).
//   link A -- B          a netsim Link per instance of a counted end;
//                        impairments are mapped field by field onto netsim's
//                        defaults (scenario percentages become fractions).
//   stack keys           applied over tcp::StackConfig{}, the engine's
//                        modern default (CUBIC, SACK, timestamps, window
//                        scaling, delayed ACK, Nagle), by ApplyStackKeys
//                        (scenarios/engine_config.h); a value the engine
//                        cannot take fails Build with the host's position.
//                        Without isn_secret, the ISN secret derives from
//                        the seed and the host's name, so the seed changes
//                        every sequence number.
//   app                  an AppInstance per host instance (apps.h).
//   at / when            Apply() of the action; `when` triggers are checked
//                        after every packet and timer (CheckTriggers).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "netsim/link.h"
#include "netsim/live/live_device.h"
#include "netsim/live/wire_node.h"
#include "netsim/network.h"
#include "netsim/sim_host.h"
#include "netsim/simulator.h"
#include "netsim/stack_host.h"
#include "scenarios/lang/scenario.h"
#include "scenarios/runner/apps.h"
#include "tcp/config.h"
#include "tcp/observer.h"
#include "tcp/stack.h"

namespace tcplab::scenario::runner {

class World;

// What the world reports as it runs (the timeline listens).
class WorldObserver {
 public:
  virtual ~WorldObserver() = default;
  virtual void OnStateChange(const std::string& /*host*/, tcp::SocketId /*id*/,
                             tcp::ConnectionState /*from*/, tcp::ConnectionState /*to*/,
                             Instant /*now*/) {}
  virtual void OnZeroWindowProbe(const std::string& /*host*/, tcp::SocketId /*id*/,
                                 Instant /*now*/) {}
  // Scenario events, app milestones and failures.
  virtual void OnNote(Instant /*now*/, const std::string& /*text*/) {}
  // A connection's engine snapshot, taken after activity on its host while
  // the app holds the socket; `before` is the one reported last time (null
  // the first time).
  virtual void OnConnectionInfo(const std::string& /*host*/, tcp::SocketId /*id*/,
                                const tcp::ConnectionInfo* /*before*/,
                                const tcp::ConnectionInfo& /*after*/, Instant /*now*/) {}
};

// A host instance: its SimHost, its stack and the apps on it.
class HostRuntime final : public netsim::BackendClient,
                          private netsim::Application,
                          private tcp::StackObserver {
 public:
  HostRuntime(World* world, std::string name, netsim::SimHost* sim_host,
              tcp::StackConfig config);
  HostRuntime(const HostRuntime&) = delete;
  HostRuntime& operator=(const HostRuntime&) = delete;

  const std::string& name() const { return name_; }
  tcp::Stack& stack() { return stack_host_.stack(); }
  netsim::SimHost& sim_host() { return *sim_host_; }
  World& world() { return *world_; }
  // After user calls made outside a stack callback.
  void Kick(Instant now) { stack_host_.Kick(now); }

  void AddApp(AppInstance* app) { apps_.push_back(app); }
  void RegisterConn(tcp::SocketId id, Conn* conn) { conns_[id] = conn; }
  void RegisterListener(tcp::SocketId id, AppInstance* app) { listeners_[id] = app; }

  // From the stack's observer; also valid after the app released the socket.
  tcp::ConnectionState StateOf(tcp::SocketId id) const;
  uint64_t RetransmitsOf(tcp::SocketId id) const;
  uint64_t ProbesOf(tcp::SocketId id) const;
  // Whether the socket's own FIN was acknowledged (so was all its data).
  bool FinAckedOf(tcp::SocketId id) const;

  // BackendClient (the SimHost calls these).
  void OnPacket(Instant now, absl::Span<const uint8_t> ip_packet) override;
  void OnWake(Instant now) override;

  // Pumps every app on this host (after any activity).
  void PumpApps(Instant now);

 private:
  struct Track {
    tcp::ConnectionState state = tcp::ConnectionState::kClosed;
    uint64_t retransmits = 0;
    uint64_t probes = 0;
    bool fin_acked = false;
  };
  // netsim::Application
  void OnEvent(Instant now, netsim::StackHost& host, const tcp::Event& e) override;
  // tcp::StackObserver (its OnEvent stays the no-op; the name is shared
  // with netsim::Application's).
  using tcp::StackObserver::OnEvent;
  void OnStateChange(tcp::SocketId id, tcp::ConnectionState from, tcp::ConnectionState to,
                     Instant now) override;
  void OnRetransmit(tcp::SocketId id, wire::Seq seq, uint32_t seq_length, int attempt,
                    Instant now) override;
  void OnZeroWindowProbe(tcp::SocketId id, wire::Seq seq, Instant now) override;

  World* world_;
  std::string name_;
  netsim::SimHost* sim_host_;
  netsim::StackHost stack_host_;
  std::vector<AppInstance*> apps_;
  std::map<tcp::SocketId, Conn*> conns_;
  std::map<tcp::SocketId, AppInstance*> listeners_;
  std::map<tcp::SocketId, Track> tracks_;
};

// One netsim link made for a scenario link (several for a counted end).
struct LinkBinding {
  netsim::Link* link = nullptr;
  std::string a;  // the scenario names of its ends, in netsim's a/b order
  std::string b;
};

// Runs one scenario host as the real machine at the far end of a live
// wire (netsim/live): the host's own address must be the real machine's,
// it must have exactly one link, to a single simulated host, and that host's
// address is what tcplab uses on the wire (answering ARP for it). The
// host's apps are the real machine's business and are not run.
struct LiveHostSpec {
  std::string host;                   // the scenario host that is real
  live::LiveDevice* device = nullptr;  // not owned; outlives the World
  int prefix_length = 24;             // Ethernet: the wire's subnet
  std::optional<wire::Ipv4Address> gateway;
};

class World {
 public:
  // Builds everything; nothing runs until the simulator does. Errors: a
  // scenario the runner cannot realize (e.g. a connect to a host with no
  // address, invalid impairments, a stack key value the engine cannot take:
  // "FILE:LINE:COL: host NAME: mss 0: ...").
  static absl::StatusOr<std::unique_ptr<World>> Build(const Scenario& scenario,
                                                      uint64_t seed,
                                                      WorldObserver* observer,
                                                      const LiveHostSpec* live = nullptr);
  ~World();

  const Scenario& scenario() const { return *scenario_; }
  netsim::Simulator& sim() { return sim_; }
  netsim::Network& net() const { return *net_; }
  WorldObserver* observer() const { return observer_; }
  const std::vector<std::unique_ptr<HostRuntime>>& hosts() const { return hosts_; }
  // The live wire standing for LiveHostSpec::host; null in a simulation.
  live::WireNode* wire() const { return wire_; }
  // Whether `scenario_host` is the real machine of a live run.
  bool IsLive(const std::string& scenario_host) const {
    return live_ != nullptr && live_->host == scenario_host;
  }
  // The instances of each app, by app name (in host instance order).
  const std::vector<AppInstance*>& AppInstances(const std::string& app) const;
  // Host instance name for an address ("" if none).
  std::string HostNameOf(wire::Ipv4Address a) const;
  std::optional<wire::Ipv4Address> AddressOf(const std::string& scenario_host) const;

  // Schedules app starts, `at` events and `when` triggers.
  void Arm();
  // Performs an action now.
  void Apply(Instant now, const Action& action);
  // Fires the `when` triggers that hold now.
  void CheckTriggers(Instant now);
  void Note(Instant now, const std::string& text);

 private:
  explicit World(const Scenario& scenario, uint64_t seed, WorldObserver* observer);
  absl::Status BuildLiveWire();
  absl::Status BuildTopology();
  absl::Status BuildRoutes();
  void ApplyLinkAction(Instant now, const LinkRef& ref, const std::function<void(
                                                            netsim::LinkDirection&)>& fn);

  const Scenario* scenario_;
  uint64_t seed_;
  WorldObserver* observer_;
  netsim::Simulator sim_;
  std::unique_ptr<netsim::Network> net_;
  std::vector<std::unique_ptr<HostRuntime>> hosts_;
  // Scenario host name -> its instances (indices into hosts_).
  std::map<std::string, std::vector<size_t>> instances_;
  std::map<std::string, wire::Ipv4Address> first_address_;
  std::map<uint32_t, std::string> host_by_address_;
  const LiveHostSpec* live_ = nullptr;
  live::WireNode* wire_ = nullptr;
  std::map<std::string, netsim::Node*> nodes_by_name_;  // instance or switch name
  std::vector<std::vector<LinkBinding>> links_;  // by scenario link index
  std::vector<std::unique_ptr<AppInstance>> app_storage_;
  std::map<std::string, std::vector<AppInstance*>> apps_;
  std::map<std::string, uint32_t> app_labels_;
  std::vector<const Event*> pending_triggers_;
};

// Maps scenario impairments onto netsim's, over `base` (fields not set keep
// base's value).
netsim::LinkParams ToNetsim(const LinkParams& p, netsim::LinkParams base);
// A host instance's engine config: tcp::StackConfig{} with the ISN secret
// drawn from the seed and the instance name, then the host's stack keys.
// InvalidArgument for a value the engine cannot take.
absl::StatusOr<tcp::StackConfig> ToEngine(const StackConfig& c, const std::string& host,
                                          uint64_t seed);

}  // namespace tcplab::scenario::runner

#endif  // TCPLAB_SCENARIOS_RUNNER_WORLD_H_
