#include "tools/plot/sim_input.h"

#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "netsim/node.h"
#include "scenarios/lang/scenario_parser.h"
#include "scenarios/runner/run.h"
#include "scenarios/runner/world.h"

namespace tcplab::plot {
namespace {

class Recorder final : public netsim::PacketObserver, public scenario::runner::WorldObserver {
 public:
  explicit Recorder(PlotInput* out) : out_(out) {}

  void OnPacketEvent(const netsim::PacketEvent& e) override {
    using netsim::PacketEventType;
    const bool at_host = e.node != nullptr && e.node->kind() == "host";
    std::vector<uint8_t> bytes(e.bytes.begin(), e.bytes.end());
    if (e.type == PacketEventType::kSent && at_host) {
      out_->sent.push_back({e.time.nanos(), std::move(bytes)});
    } else if (e.type == PacketEventType::kReceived && at_host) {
      out_->received.push_back({e.time.nanos(), std::move(bytes)});
    } else if (e.type == PacketEventType::kDropped) {
      out_->drops.push_back(
          {e.time.nanos(), std::string(netsim::DropReasonName(e.reason)), std::move(bytes)});
    }
  }

  void OnConnectionInfo(const std::string& host, tcp::SocketId /*id*/,
                        const tcp::ConnectionInfo* /*before*/, const tcp::ConnectionInfo& after,
                        Instant now) override {
    out_->infos.push_back({now.nanos(), host, after});
  }

 private:
  PlotInput* out_;
};

}  // namespace

absl::StatusOr<PlotInput> RecordScenario(const scenario::Scenario& scenario,
                                         std::optional<uint64_t> seed) {
  PlotInput in;
  in.source = scenario.file;
  in.time_origin = "since the start of the run";
  in.simulated = true;
  Recorder recorder(&in);
  // The same seed and time limit as scenario::runner::RunScenario, so the
  // packets are those `tcplab run` shows.
  const uint64_t s = seed ? *seed : scenario.seed.value_or(1);
  const Instant limit =
      Instant::Zero() + scenario.time_limit.value_or(scenario::runner::kDefaultTimeLimit);
  absl::StatusOr<std::unique_ptr<scenario::runner::World>> built =
      scenario::runner::World::Build(scenario, s, &recorder);
  if (!built.ok()) return built.status();
  scenario::runner::World& world = **built;
  world.net().AddObserver(&recorder);
  world.Arm();
  world.sim().RunUntilCondition([] { return false; }, limit);
  world.net().RemoveObserver(&recorder);
  // Names for every address seen, from the world (deterministic: std::map).
  for (const auto& p : in.sent) {
    if (p.bytes.size() < 20) continue;
    for (int off : {12, 16}) {
      const uint32_t v = (uint32_t{p.bytes[off]} << 24) | (uint32_t{p.bytes[off + 1]} << 16) |
                         (uint32_t{p.bytes[off + 2]} << 8) | p.bytes[off + 3];
      if (in.names.count(v)) continue;
      const std::string name = world.HostNameOf(wire::Ipv4Address(v));
      if (!name.empty()) in.names[v] = name;
    }
  }
  return in;
}

absl::StatusOr<PlotInput> RecordScenarioFile(const std::string& path,
                                             std::optional<uint64_t> seed) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << f.rdbuf();
  absl::StatusOr<scenario::Scenario> s = scenario::ParseScenario(ss.str(), path);
  if (!s.ok()) return s.status();
  return RecordScenario(*s, seed);
}

}  // namespace tcplab::plot
