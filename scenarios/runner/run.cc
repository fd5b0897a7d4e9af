#include "scenarios/runner/run.h"

#include <fstream>
#include <memory>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "netsim/live/realtime_loop.h"
#include "netsim/node.h"
#include "netsim/pcap/pcap_writer.h"
#include "scenarios/lang/scenario_parser.h"
#include "scenarios/lang/units.h"
#include "scenarios/runner/expectations.h"
#include "scenarios/runner/summary.h"
#include "scenarios/runner/timeline.h"
#include "scenarios/runner/world.h"

namespace tcplab::scenario::runner {
namespace {

// Every packet a host hands to the network, once, at the time it is sent.
class SendCapture final : public netsim::PacketObserver {
 public:
  explicit SendCapture(netsim::PcapWriter writer) : writer_(std::move(writer)) {}
  void OnPacketEvent(const netsim::PacketEvent& e) override {
    if (e.type != netsim::PacketEventType::kSent || e.node == nullptr ||
        e.node->kind() != "host" || !status_.ok()) {
      return;
    }
    status_ = writer_.Write(e.time, e.bytes);
  }
  netsim::PcapWriter& writer() { return writer_; }
  const absl::Status& status() const { return status_; }

 private:
  netsim::PcapWriter writer_;
  absl::Status status_;
};

// A live run is over when every app has had its connections and each has
// finished (the real machine's side cannot be waited for otherwise).
bool AllConnectionsFinished(const World& world) {
  size_t conns = 0;
  for (const App& app : world.scenario().apps) {
    for (const AppInstance* a : world.AppInstances(app.name)) {
      if (app.connect && a->conns().empty()) return false;  // not started yet
      for (const auto& c : a->conns()) {
        ++conns;
        if (!c->stats().finished) return false;
      }
    }
  }
  return conns > 0;
}

bool OnLiveHost(const Scenario& scenario, const World& world, const std::string& app_name) {
  for (const App& app : scenario.apps) {
    if (app.name == app_name) return world.IsLive(app.host);
  }
  return false;
}

std::string Where(const Scenario& s, const SourcePos& pos) {
  return absl::StrCat(s.file, ":", pos.line, ":", pos.column);
}

}  // namespace

absl::StatusOr<RunResult> RunScenario(const Scenario& scenario, const RunOptions& options) {
  RunResult result;
  result.seed = options.seed ? *options.seed : scenario.seed.value_or(1);
  result.replay = absl::StrCat(options.replay_prefix, " ", scenario.file, " --seed ", result.seed);
  const Instant limit = Instant::Zero() + scenario.time_limit.value_or(kDefaultTimeLimit);

  // The timeline needs names the world only knows once built; it asks late.
  const World* world_ptr = nullptr;
  TimelineOptions topt;
  topt.full = options.trace;
  Timeline timeline(topt, [&world_ptr](wire::Ipv4Address a) {
    return world_ptr ? world_ptr->HostNameOf(a) : a.ToString();
  });
  WorldObserver* observer = options.timeline ? &timeline : nullptr;
  absl::StatusOr<std::unique_ptr<World>> built =
      World::Build(scenario, result.seed, observer, options.live);
  if (!built.ok()) return built.status();
  World& world = **built;
  world_ptr = &world;
  if (options.timeline) world.net().AddObserver(&timeline);

  std::unique_ptr<SendCapture> capture;
  std::unique_ptr<SendCapture> memory_capture;
  if (!options.pcap_path.empty()) {
    absl::StatusOr<netsim::PcapWriter> w =
        netsim::PcapWriter::OpenFile(options.pcap_path, netsim::LinkType::kRaw);
    if (!w.ok()) return w.status();
    capture = std::make_unique<SendCapture>(std::move(*w));
    world.net().AddObserver(capture.get());
  }
  if (options.pcap_in_memory) {
    memory_capture = std::make_unique<SendCapture>(
        netsim::PcapWriter::InMemory(netsim::LinkType::kRaw));
    world.net().AddObserver(memory_capture.get());
  }

  // Expectations with a time are checked then; the rest at the end.
  std::vector<std::optional<ExpectationResult>> checked(scenario.expectations.size());
  for (size_t i = 0; i < scenario.expectations.size(); ++i) {
    const Expectation& e = scenario.expectations[i];
    if (!e.at) continue;
    const Instant at = Instant::Zero() + *e.at;
    if (at > limit) continue;
    world.sim().ScheduleFn(at, [&world, &checked, &e, i] {
      checked[i] = CheckExpectation(world, e, world.sim().Now());
    });
  }
  world.Arm();
  if (options.live == nullptr) {
    world.sim().RunUntilCondition([] { return false; }, limit);
    result.hit_time_limit = world.sim().pending_events() > 0;
  } else {
    absl::StatusOr<std::unique_ptr<live::RealTimeLoop>> loop =
        live::RealTimeLoop::Create(&world.sim());
    if (!loop.ok()) return loop.status();
    if (absl::Status s = (*loop)->Add(world.wire()); !s.ok()) return s;
    world.wire()->Announce();
    absl::StatusOr<bool> done = (*loop)->Run([&world] { return AllConnectionsFinished(world); },
                                             limit);
    if (!done.ok()) return done.status();
    result.hit_time_limit = !*done;
  }
  result.end = world.sim().Now();

  int failed = 0;
  std::string expect_text;
  int skipped = 0;
  for (size_t i = 0; i < scenario.expectations.size(); ++i) {
    const Expectation& e = scenario.expectations[i];
    if (options.live != nullptr && OnLiveHost(scenario, world, e.app)) {
      absl::StrAppend(&expect_text, "  SKIP  expect ", ExpectationText(e), "  (", e.app,
                      " runs on the real machine ", options.live->host, ")  ",
                      Where(scenario, e.pos), "\n");
      ++skipped;
      continue;
    }
    ExpectationResult r;
    if (checked[i]) {
      r = *checked[i];
    } else if (e.at) {
      r.passed = false;
      r.seen = absl::StrCat("the run ended at ", absl::FormatDuration(result.end.since_start()),
                            ", before the check time");
    } else {
      r = CheckExpectation(world, e, result.end);
    }
    ExpectationOutcome o{Where(scenario, e.pos), ExpectationText(e), r.passed, r.seen};
    failed += r.passed ? 0 : 1;
    absl::StrAppend(&expect_text, "  ", r.passed ? "PASS" : "FAIL", "  expect ", o.text,
                    "  (seen ", o.seen, ")  ", o.where, "\n");
    result.expectations.push_back(std::move(o));
  }
  result.passed = failed == 0;

  std::string& out = result.output;
  absl::StrAppend(&out, "scenario ", scenario.file, "  seed ", result.seed, "\n");
  if (options.timeline) {
    absl::StrAppend(&out, "\ntimeline (seconds; seq/ack relative to each side's ISN):\n",
                    timeline.Render());
  }
  if (options.summary) absl::StrAppend(&out, "\nsummary:\n", RenderSummary(world));
  absl::StrAppend(&out, "\nexpectations:\n", expect_text);
  if (scenario.expectations.empty()) absl::StrAppend(&out, "  (none)\n");
  absl::StrAppend(&out, "\nresult: ", result.passed ? "PASS" : "FAIL", " (",
                  scenario.expectations.size() - skipped - failed, " of ",
                  scenario.expectations.size() - skipped, " expectations hold",
                  skipped > 0 ? absl::StrCat(", ", skipped, " skipped") : "", "); ",
                  options.live != nullptr ? "real time " : "simulated time ",
                  absl::FormatDuration(result.end.since_start()),
                  result.hit_time_limit ? " (time limit reached)" : "", "\n");
  if (!result.passed) absl::StrAppend(&out, "replay: ", result.replay, "\n");

  if (capture) {
    world.net().RemoveObserver(capture.get());
    if (!capture->status().ok()) return capture->status();
    if (absl::Status s = capture->writer().Close(); !s.ok()) return s;
  }
  if (memory_capture) {
    world.net().RemoveObserver(memory_capture.get());
    result.pcap = memory_capture->writer().bytes();
  }
  if (options.timeline) world.net().RemoveObserver(&timeline);
  return result;
}

absl::StatusOr<RunResult> RunScenarioFile(const std::string& path, const RunOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  absl::StatusOr<Scenario> s = ParseScenario(ss.str(), path);
  if (!s.ok()) return s.status();
  return RunScenario(*s, options);
}

}  // namespace tcplab::scenario::runner
