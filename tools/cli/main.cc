// tcplab: the command line. One binary, one subcommand per job.

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "tools/cli/demo.h"
#include "tools/cli/from_pcap_command.h"
#include "tools/cli/live_command.h"
#include "tools/cli/plot_command.h"
#include "tools/cli/report_command.h"
#include "tools/cli/run_command.h"

ABSL_FLAG(std::string, pcap, "",
          "a pcap file to write: `tcplab demo` writes its packets there (default "
          "tcplab-demo.pcap); `tcplab run` every packet a host sends (none unless given)");
ABSL_FLAG(std::string, seed, "",
          "`tcplab run`: the simulation seed (decimal or 0x hex), overriding the "
          "scenario's own");
ABSL_FLAG(bool, trace, false, "`tcplab run`: print every segment in the timeline (no cap)");
ABSL_FLAG(std::string, seeds, "0..199",
          "`tcplab sweep`: the seeds to run, FIRST..LAST inclusive; under Bazel's test "
          "sharding each shard runs every TEST_TOTAL_SHARDS-th seed");

// The live commands (get, serve, connect).
ABSL_FLAG(std::string, iface, "",
          "live: the Ethernet interface tcplab uses through an AF_PACKET socket, with its "
          "own MAC and IPv4 address (needs CAP_NET_RAW)");
ABSL_FLAG(std::string, tun, "",
          "live: a TUN device instead of --iface (created if missing; needs CAP_NET_ADMIN)");
ABSL_FLAG(std::string, tun_kernel_ip, "",
          "live, --tun: give the kernel's side of the device this address and bring it up");
ABSL_FLAG(std::string, ip, "", "live: tcplab's own IPv4 address, ADDR/PREFIX (e.g. 10.0.0.2/24)");
ABSL_FLAG(std::string, gateway, "", "live, --iface: the next hop for off-link addresses");
ABSL_FLAG(std::string, mac, "",
          "live, --iface: tcplab's MAC (default 02:74:AA:BB:CC:DD from the address)");
ABSL_FLAG(std::string, loss, "", "live: random loss tcplab applies each way, e.g. 1%");
ABSL_FLAG(std::string, delay, "", "live: delay tcplab adds each way, e.g. 20ms");
ABSL_FLAG(std::string, jitter, "", "live: jitter on that delay, e.g. 5ms");
ABSL_FLAG(std::string, reorder, "", "live: share of packets sent ahead of the delay, e.g. 2%");
ABSL_FLAG(std::string, timeout, "30s", "`tcplab get`: give up after this long");
ABSL_FLAG(int, port, 0, "`tcplab serve`: the port to listen on");
ABSL_FLAG(std::string, mode, "echo", "`tcplab serve`: echo, discard or http");
ABSL_FLAG(int, exit_after, 0,
          "`tcplab serve`: exit after this many connections (0: until Ctrl-C)");
ABSL_FLAG(std::string, live, "",
          "`tcplab run`: run with this scenario host as the real machine behind --iface or "
          "--tun, in real time");
ABSL_FLAG(int, prefix, 24, "`tcplab run --live`: the prefix length of the wire's subnet");
ABSL_FLAG(bool, timeline, true, "live: print the timeline and summary on stderr at the end");

// `tcplab plot`.
ABSL_FLAG(std::string, o, "",
          "`tcplab plot`: the SVG file to write; `tcplab from-pcap`: the .pkt file to write");
ABSL_FLAG(std::string, conn, "",
          "`tcplab plot`: the connection, SRC:PORT-DST:PORT with SRC the data sender (address "
          "or scenario host name); default the largest. `tcplab from-pcap`: the connection, "
          "either way round; needed when the capture holds several");
ABSL_FLAG(std::string, time, "", "`tcplab plot`: zoom to seconds A..B");
ABSL_FLAG(std::string, seq, "", "`tcplab plot`: zoom to bytes A..B from the ISN (K, M suffixes)");
ABSL_FLAG(std::string, under_test, "",
          "`tcplab from-pcap` (also spelled --under-test): the side that becomes the stack "
          "under test: client (default: the side that sent the first SYN), server, or ADDR:PORT");
ABSL_FLAG(bool, ignore_window, false,
          "`tcplab run FILE.pkt`: do not compare the window of expected segments");
ABSL_FLAG(bool, ignore_timestamp_values, false,
          "`tcplab run FILE.pkt`: do not compare TS val/ecr of expected segments (the option "
          "must still be there)");
ABSL_FLAG(std::string, tolerance, "",
          "`tcplab run FILE.pkt`: how far a segment or call may be from its scripted time, "
          "e.g. 10ms, replacing the script's --tolerance_usecs");
ABSL_FLAG(std::string, report, "",
          "`tcplab run`: also write DIR/index.html (the report with the graphs inline) and "
          "DIR/run.pcap");

namespace {

constexpr char kUsage[] =
    "a deterministic TCP simulator and test harness.\n"
    "\n"
    "usage: tcplab COMMAND [ARGS] [flags]\n"
    "\n"
    "commands:\n"
    "  demo          build the packets of a short TCP conversation (handshake,\n"
    "                request, response, close), print them decoded and write\n"
    "                them to a pcap file (--pcap, default tcplab-demo.pcap)\n"
    "  run FILE      run a scenario (.scn) or a packet script (.pkt) in\n"
    "                simulated time; print the timeline, a summary and every\n"
    "                expectation; exit 0 when all hold, 1 otherwise\n"
    "                [--seed N] [--pcap OUT] [--trace] [--report DIR: an HTML\n"
    "                report with graphs, DIR/index.html, and DIR/run.pcap]\n"
    "                [--live HOST --iface IF|--tun NAME [--prefix N] [--gateway A]]:\n"
    "                HOST is the real machine on that wire, in real time\n"
    "                .pkt: [--ignore_window] [--ignore_timestamp_values]\n"
    "                [--tolerance 10ms]: what not to compare, how close in time\n"
    "  sweep FILE    run a scenario once per seed (--seeds=0..9999), print the\n"
    "                failing seeds with the command that replays each; honours\n"
    "                Bazel's TEST_TOTAL_SHARDS / TEST_SHARD_INDEX\n"
    "  plot INPUT -o OUT.svg\n"
    "                time-sequence graph of one connection of a pcap or of a\n"
    "                scenario (.scn: run, with cwnd/RTT/in-flight panels)\n"
    "                [--conn SRC:PORT-DST:PORT] [--time A..B] [--seq A..B] [--seed N]\n"
    "  from-pcap CAPTURE -o OUT.pkt\n"
    "                one TCP connection of a pcap or pcapng as a packet script\n"
    "                that `tcplab run` replays against tcplab's engine\n"
    "                [--conn A:P-B:Q] [--under-test client|server|ADDR:PORT]\n"
    "\n"
    "live commands (tcplab's own stack on a real wire, in real time; each needs\n"
    "--iface IF or --tun NAME, and --ip ADDR/PREFIX, tcplab's own address):\n"
    "  get URL       fetch http://ADDR[:PORT]/PATH and print the body\n"
    "                [--gateway A] [--loss 1%] [--delay D] [--pcap F] [--timeout T]\n"
    "  serve         accept connections on --port P: --mode echo|discard|http\n"
    "                [--exit_after N]\n"
    "  connect ADDR PORT\n"
    "                like nc: standard input to the connection, the connection\n"
    "                to standard output\n"
    "\n"
    "Scenario language: scenarios/lang/README.md; library: scenarios/library/.\n"
    "Run `tcplab --help` for every flag.";

int Usage(const std::string& problem) {
  absl::FPrintF(stderr, "tcplab: %s\n\ntcplab: %s\n", problem, kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  // --help lists this binary's flags (absl's default looks for a source
  // file named like the program).
  absl::FlagsUsageConfig config;
  config.contains_help_flags = [](absl::string_view path) {
    return absl::StrContains(path, "tools/cli/");
  };
  absl::SetFlagsUsageConfig(config);
  // Flag names are identifiers; the spelling --under-test is kept.
  std::vector<std::string> spelled(argv, argv + argc);
  std::vector<char*> argv2;
  for (std::string& a : spelled) {
    if (a.rfind("--under-test", 0) == 0) a.replace(0, 12, "--under_test");
    argv2.push_back(a.data());
  }
  std::vector<char*> args = absl::ParseCommandLine(argc, argv2.data());
  if (args.size() < 2) return Usage("no command given");
  const std::string command = args[1];
  if (command == "demo") {
    if (args.size() > 2) return Usage("demo takes no arguments besides flags");
    std::string pcap = absl::GetFlag(FLAGS_pcap);
    if (pcap.empty()) pcap = "tcplab-demo.pcap";
    absl::Status s = tcplab::cli::RunDemo(pcap);
    if (!s.ok()) {
      absl::FPrintF(stderr, "tcplab demo: %s\n", s.message());
      return 1;
    }
    return 0;
  }
  if (command == "run" || command == "sweep") {
    if (args.size() != 3) return Usage(command + " takes exactly one FILE");
    if (command == "run" && !absl::GetFlag(FLAGS_report).empty()) {
      return tcplab::cli::ReportCommand(args[2], absl::GetFlag(FLAGS_seed),
                                        absl::GetFlag(FLAGS_report));
    }
    tcplab::cli::RunFlags flags;
    flags.file = args[2];
    flags.seed = absl::GetFlag(FLAGS_seed);
    flags.pcap = absl::GetFlag(FLAGS_pcap);
    flags.trace = absl::GetFlag(FLAGS_trace);
    flags.seeds = absl::GetFlag(FLAGS_seeds);
    flags.live_host = absl::GetFlag(FLAGS_live);
    flags.iface = absl::GetFlag(FLAGS_iface);
    flags.tun = absl::GetFlag(FLAGS_tun);
    flags.tun_kernel_ip = absl::GetFlag(FLAGS_tun_kernel_ip);
    flags.gateway = absl::GetFlag(FLAGS_gateway);
    flags.prefix_length = absl::GetFlag(FLAGS_prefix);
    flags.ignore_window = absl::GetFlag(FLAGS_ignore_window);
    flags.ignore_timestamp_values = absl::GetFlag(FLAGS_ignore_timestamp_values);
    flags.tolerance = absl::GetFlag(FLAGS_tolerance);
    return command == "run" ? tcplab::cli::RunCommand(flags) : tcplab::cli::SweepCommand(flags);
  }
  if (command == "plot") {
    if (args.size() != 3) return Usage("plot takes exactly one INPUT (.scn or pcap)");
    tcplab::cli::PlotFlags f{args[2],
                             absl::GetFlag(FLAGS_o),
                             absl::GetFlag(FLAGS_conn),
                             absl::GetFlag(FLAGS_time),
                             absl::GetFlag(FLAGS_seq),
                             absl::GetFlag(FLAGS_seed)};
    return tcplab::cli::PlotCommand(f);
  }
  if (command == "from-pcap") {
    if (args.size() != 3) return Usage("from-pcap takes exactly one CAPTURE (a pcap file)");
    return tcplab::cli::FromPcapCommand({args[2], absl::GetFlag(FLAGS_o),
                                         absl::GetFlag(FLAGS_conn),
                                         absl::GetFlag(FLAGS_under_test)});
  }
  if (command == "get" || command == "serve" || command == "connect") {
    tcplab::cli::LiveFlags f;
    f.iface = absl::GetFlag(FLAGS_iface);
    f.tun = absl::GetFlag(FLAGS_tun);
    f.tun_kernel_ip = absl::GetFlag(FLAGS_tun_kernel_ip);
    f.ip = absl::GetFlag(FLAGS_ip);
    f.gateway = absl::GetFlag(FLAGS_gateway);
    f.mac = absl::GetFlag(FLAGS_mac);
    f.loss = absl::GetFlag(FLAGS_loss);
    f.delay = absl::GetFlag(FLAGS_delay);
    f.jitter = absl::GetFlag(FLAGS_jitter);
    f.reorder = absl::GetFlag(FLAGS_reorder);
    f.pcap = absl::GetFlag(FLAGS_pcap);
    f.timeline = absl::GetFlag(FLAGS_timeline);
    f.full_timeline = absl::GetFlag(FLAGS_trace);
    f.timeout = absl::GetFlag(FLAGS_timeout);
    if (command == "get") {
      if (args.size() != 3) return Usage("get takes exactly one URL");
      return tcplab::cli::GetCommand(args[2], f);
    }
    if (command == "serve") {
      if (args.size() != 2) return Usage("serve takes no arguments besides flags");
      const int port = absl::GetFlag(FLAGS_port);
      if (port < 1 || port > 65535) return Usage("serve needs --port P (1..65535)");
      return tcplab::cli::ServeCommand(static_cast<uint16_t>(port), absl::GetFlag(FLAGS_mode),
                                       absl::GetFlag(FLAGS_exit_after), f);
    }
    if (args.size() != 4) return Usage("connect takes ADDR PORT");
    return tcplab::cli::ConnectCommand(args[2], args[3], f);
  }
  return Usage(absl::StrFormat("unknown command \"%s\"", command));
}
