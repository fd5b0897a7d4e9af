#include "tools/cli/run_command.h"

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "netsim/live/live_host.h"
#include "netsim/pcap/pcap_writer.h"
#include "scenarios/lang/packet_script_parser.h"
#include "scenarios/lang/scenario_parser.h"
#include "scenarios/lang/units.h"
#include "scenarios/pkt/pkt_runner.h"
#include "scenarios/runner/run.h"

namespace tcplab::cli {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<std::optional<uint64_t>> ParseSeed(const std::string& text) {
  if (text.empty()) return std::optional<uint64_t>();
  absl::StatusOr<uint64_t> v =
      scenario::ParseUnsigned(text, UINT64_MAX, "a seed", /*allow_hex=*/true);
  if (!v.ok()) return absl::InvalidArgumentError(absl::StrCat("--seed: ", v.status().message()));
  return std::optional<uint64_t>(*v);
}

int RunPacketScriptFile(const RunFlags& flags, const std::string& text, std::FILE* out,
                        std::FILE* err) {
  absl::StatusOr<scenario::PacketScript> script = scenario::ParsePacketScript(text, flags.file);
  if (!script.ok()) {
    absl::FPrintF(err, "%s\n", script.status().message());
    return 2;
  }
  scenario::PktRunOptions options;
  options.ignore_window = flags.ignore_window;
  options.ignore_timestamp_values = flags.ignore_timestamp_values;
  if (!flags.tolerance.empty()) {
    absl::StatusOr<absl::Duration> t = scenario::ParseDuration(flags.tolerance);
    if (!t.ok()) {
      absl::FPrintF(err, "tcplab run: --tolerance %s: %s\n", flags.tolerance, t.status().message());
      return 2;
    }
    options.tolerance_override = *t;
  }
  absl::StatusOr<scenario::PktRunResult> r = scenario::RunPacketScript(*script, options);
  if (!r.ok()) {
    absl::FPrintF(err, "tcplab run: %s: %s\n", flags.file, r.status().message());
    return 2;
  }
  absl::FPrintF(out, "%s", r->report);
  absl::FPrintF(out, "\nresult: %s\n", r->passed ? "PASS" : "FAIL");
  if (!r->passed) {
    // The same comparison, so that the replay shows the same differences.
    absl::FPrintF(out, "replay: tcplab run %s%s%s%s\n", flags.file,
                  flags.ignore_window ? " --ignore_window" : "",
                  flags.ignore_timestamp_values ? " --ignore_timestamp_values" : "",
                  flags.tolerance.empty() ? "" : absl::StrCat(" --tolerance ", flags.tolerance));
  }
  if (!flags.pcap.empty()) {
    absl::StatusOr<netsim::PcapWriter> w =
        netsim::PcapWriter::OpenFile(flags.pcap, netsim::LinkType::kRaw);
    absl::Status s = w.status();
    for (size_t i = 0; s.ok() && i < r->packets.size(); ++i) {
      s = w->Write(r->packets[i].first, r->packets[i].second);
    }
    if (s.ok()) s = w->Close();
    if (!s.ok()) {
      absl::FPrintF(err, "tcplab run: %s\n", s.message());
      return 2;
    }
  }
  return r->passed ? 0 : 1;
}

absl::StatusOr<std::unique_ptr<live::LiveDevice>> OpenLiveDevice(const RunFlags& flags) {
  if (flags.iface.empty() == flags.tun.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--live ", flags.live_host, " needs the wire to the real machine: --iface=IF (Ethernet, "
        "AF_PACKET) or --tun=NAME"));
  }
  live::TunDevice::Options o;
  if (!flags.tun_kernel_ip.empty()) {
    absl::StatusOr<wire::Ipv4Address> k = wire::Ipv4Address::Parse(flags.tun_kernel_ip);
    if (!k.ok()) return absl::InvalidArgumentError("--tun_kernel_ip: expected an IPv4 address");
    o.kernel_address = *k;
  }
  o.prefix_length = flags.prefix_length;
  return live::OpenLiveDevice(flags.iface, live::PacketSocket::Options(), flags.tun, o);
}

}  // namespace

int RunCommand(const RunFlags& flags, std::FILE* out, std::FILE* err) {
  absl::StatusOr<std::string> text = ReadFile(flags.file);
  if (!text.ok()) {
    absl::FPrintF(err, "tcplab run: %s\n", text.status().message());
    return 2;
  }
  if (absl::EndsWith(flags.file, ".pkt")) return RunPacketScriptFile(flags, *text, out, err);
  if (flags.ignore_window || flags.ignore_timestamp_values || !flags.tolerance.empty()) {
    absl::FPrintF(err,
                  "tcplab run: --ignore_window, --ignore_timestamp_values and --tolerance "
                  "apply to packet scripts (.pkt) only\n");
    return 2;
  }
  absl::StatusOr<std::optional<uint64_t>> seed = ParseSeed(flags.seed);
  if (!seed.ok()) {
    absl::FPrintF(err, "tcplab run: %s\n", seed.status().message());
    return 2;
  }
  absl::StatusOr<scenario::Scenario> s = scenario::ParseScenario(*text, flags.file);
  if (!s.ok()) {
    absl::FPrintF(err, "%s\n", s.status().message());
    return 2;
  }
  scenario::runner::RunOptions options;
  options.seed = *seed;
  options.pcap_path = flags.pcap;
  options.trace = flags.trace;
  std::unique_ptr<live::LiveDevice> device;
  scenario::runner::LiveHostSpec live_spec;
  if (!flags.live_host.empty()) {
    absl::StatusOr<std::unique_ptr<live::LiveDevice>> d = OpenLiveDevice(flags);
    if (!d.ok()) {
      absl::FPrintF(err, "tcplab run --live: %s\n", d.status().message());
      return d.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
    }
    device = *std::move(d);
    live_spec.host = flags.live_host;
    live_spec.device = device.get();
    live_spec.prefix_length = flags.prefix_length;
    if (!flags.gateway.empty()) {
      absl::StatusOr<wire::Ipv4Address> g = wire::Ipv4Address::Parse(flags.gateway);
      if (!g.ok()) {
        absl::FPrintF(err, "tcplab run --live: --gateway=%s: expected an IPv4 address\n",
                      flags.gateway);
        return 2;
      }
      live_spec.gateway = *g;
    }
    options.live = &live_spec;
    options.replay_prefix = "(a live run does not replay) tcplab run";
  }
  absl::StatusOr<scenario::runner::RunResult> r = scenario::runner::RunScenario(*s, options);
  if (!r.ok()) {
    absl::FPrintF(err, "tcplab run: %s\n", r.status().message());
    return 2;
  }
  absl::FPrintF(out, "%s", r->output);
  return r->passed ? 0 : 1;
}

int SweepCommand(const RunFlags& flags, std::FILE* out, std::FILE* err) {
  std::vector<std::string> range = absl::StrSplit(flags.seeds, "..");
  uint64_t first = 0, last = 0;
  if (range.size() != 2 || !absl::SimpleAtoi(range[0], &first) ||
      !absl::SimpleAtoi(range[1], &last) || last < first) {
    absl::FPrintF(err, "tcplab sweep: --seeds must be FIRST..LAST, got \"%s\"\n", flags.seeds);
    return 2;
  }
  uint64_t shards = 1, index = 0;
  if (const char* t = std::getenv("TEST_TOTAL_SHARDS")) {
    if (!absl::SimpleAtoi(t, &shards) || shards == 0) shards = 1;
  }
  if (const char* i = std::getenv("TEST_SHARD_INDEX")) {
    if (!absl::SimpleAtoi(i, &index) || index >= shards) index = 0;
  }
  if (const char* status = std::getenv("TEST_SHARD_STATUS_FILE")) {
    std::ofstream touch(status, std::ios::app);
  }
  absl::StatusOr<std::string> text = ReadFile(flags.file);
  if (!text.ok()) {
    absl::FPrintF(err, "tcplab sweep: %s\n", text.status().message());
    return 2;
  }
  absl::StatusOr<scenario::Scenario> s = scenario::ParseScenario(*text, flags.file);
  if (!s.ok()) {
    absl::FPrintF(err, "%s\n", s.status().message());
    return 2;
  }
  scenario::runner::RunOptions options;
  options.timeline = false;
  options.summary = false;
  uint64_t runs = 0, failures = 0;
  for (uint64_t seed = first + index; seed <= last && seed >= first; seed += shards) {
    options.seed = seed;
    absl::StatusOr<scenario::runner::RunResult> r = scenario::runner::RunScenario(*s, options);
    if (!r.ok()) {
      absl::FPrintF(err, "tcplab sweep: %s\n", r.status().message());
      return 2;
    }
    ++runs;
    if (r->passed) continue;
    ++failures;
    absl::FPrintF(out, "FAIL seed %d: replay: %s\n", seed, r->replay);
    for (const auto& e : r->expectations) {
      if (!e.passed) absl::FPrintF(out, "    expect %s  (seen %s)  %s\n", e.text, e.seen, e.where);
    }
    if (last - seed < shards) break;  // no overflow past the end
  }
  absl::FPrintF(out, "sweep %s: seeds %d..%d, shard %d of %d: %d runs, %d failed\n", flags.file,
                first, last, index, shards, runs, failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace tcplab::cli
