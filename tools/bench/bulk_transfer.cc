// The bulk-transfer benchmark of issue 4, on netsim + tcplab's engine.
//
// One connection carries --bytes (default 100 MB) from host "sender"
// (10.0.0.1) to host "receiver" (10.0.0.2) over one point-to-point link:
// 100 Mbit/s in both directions, 10 ms one-way delay, --loss (default 1%)
// random loss on the data direction only, drop-tail transmit queue of
// --queue_packets (default 1000) packets.
//
// TCP: the congestion control named by --cc (newreno or cubic; required),
// with SACK (RFC 2018 / RFC 6675 recovery), timestamps (RFC 7323, as ns-3
// has them by default) and window scaling on, whatever the engine's
// defaults. The parameters ns-3 has as plain settings are aligned with
// ns-3.37's defaults (see ns3_bulk_transfer.cc and README.md): MSS 1460
// announced, so that with the 12-byte timestamp option every segment
// carries 1448 payload bytes in a 1500-byte IP packet (ns-3 SegmentSize
// 1448); 128 KiB send and receive buffers (ns-3 SndBufSize / RcvBufSize
// 131072), the whole receive buffer usable for out-of-order data (as in
// ns-3); initial window 10 segments (ns-3 InitialCwnd 10). Everything
// else is the engine's default (delayed ACK every second segment or after
// 40 ms, RTO min 200 ms, limited transmit, Nagle); --rto_min_ms,
// --delayed_ack and --delayed_ack_ms change some of them for experiments.
//
// The payload is really carried: the sender writes a pattern (a table of
// kPatternPeriod seeded random bytes repeated; the period is prime so a
// segment placed at a wrong offset almost never matches) and the receiver
// checks every byte it reads, aborting on the first wrong one.
//
// Prints a human summary and one machine-readable line starting with
// "result " of key=value pairs (the format tools/bench/run parses, shared
// with ns3_bulk_transfer.cc):
//   impl cc done sim_s goodput_mbps wall_s cpu_s events events_per_s
//   peak_rss_kb bytes verified_bytes retransmissions lost_packets timeouts
// The completion time is the simulated instant the receiver read the last
// byte (the connection starts at 0, handshake included).
//
// Timing is wall-clock (std::chrono::steady_clock): this is a tool, not the
// engine; nothing here is a pass/fail test.

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "netsim/link.h"
#include "netsim/link_params.h"
#include "netsim/network.h"
#include "netsim/pcap_tap.h"
#include "netsim/random.h"
#include "netsim/sim_host.h"
#include "netsim/simulator.h"
#include "netsim/stack_host.h"
#include "netsim/trace.h"
#include "tcp/config.h"
#include "tcp/stack.h"

ABSL_FLAG(uint64_t, bytes, 100'000'000, "bytes to transfer");
ABSL_FLAG(uint64_t, seed, 1, "seed of the network's random streams and of the payload pattern");
ABSL_FLAG(double, loss, 0.01, "random loss probability on the data direction");
ABSL_FLAG(int64_t, rate_bps, 100'000'000, "link rate, both directions (bit/s)");
ABSL_FLAG(int64_t, delay_us, 10'000, "one-way propagation delay (microseconds)");
ABSL_FLAG(int, queue_packets, 1000, "drop-tail transmit queue limit, packets");
ABSL_FLAG(std::string, cc, "", "congestion control of both hosts: newreno or cubic (required)");
ABSL_FLAG(int, mss, 1460,
          "MSS both hosts announce; with timestamps a segment carries 12 bytes less payload "
          "(1460: 1448, as ns-3's SegmentSize 1448)");
ABSL_FLAG(uint64_t, send_buffer, 131072, "send buffer, bytes (ns-3 TcpSocket::SndBufSize)");
ABSL_FLAG(uint64_t, recv_buffer, 131072, "receive buffer, bytes (ns-3 TcpSocket::RcvBufSize)");
ABSL_FLAG(uint64_t, out_of_order_limit, 0,
          "most out-of-order bytes the receiver keeps; 0: the receive buffer, as ns-3's "
          "TcpRxBuffer (the engine's own default is 64 KiB)");
ABSL_FLAG(uint32_t, initial_window, 10, "initial window, segments (ns-3 TcpSocket::InitialCwnd)");
ABSL_FLAG(int64_t, rto_min_ms, 200,
          "minimum RTO, ms (the engine's default 200, as Linux; ns-3's MinRto is 1000)");
ABSL_FLAG(bool, delayed_ack, true, "delayed ACK (every second full segment), as ns-3's DelAckCount 2");
ABSL_FLAG(int64_t, delayed_ack_ms, 40,
          "delayed-ACK timeout, ms (the engine's default 40; ns-3's DelAckTimeout is 200)");
ABSL_FLAG(bool, engine_checksums, true,
          "whether the stacks verify TCP checksums themselves (netsim's hosts verify every "
          "packet's checksums before delivery anyway; false shows what the second pass costs)");
ABSL_FLAG(double, max_sim_s, 36000, "give up when simulated time passes this");
ABSL_FLAG(std::string, pcap, "",
          "if set, writes every packet the link delivers (both directions) to this pcap file; "
          "for checking that a change leaves the simulated packets byte for byte the same "
          "(slows the run: not for timing)");
ABSL_FLAG(std::string, trace, "",
          "if set, writes every packet event (sent, queued, dropped, delivered, received) with "
          "its decoded segment to this file, one per line; for comparing runs (not for timing)");

namespace tcplab::bench {
namespace {

using netsim::Application;
using netsim::StackHost;

constexpr uint16_t kPort = 5001;
const wire::Ipv4Address kSenderAddress(10, 0, 0, 1);
const wire::Ipv4Address kReceiverAddress(10, 0, 0, 2);

// Byte i of the stream is pattern[i % kPatternPeriod]. A prime period: a
// misplacement by any number of segments (or windows) shorter than ~95 MB
// lands on different table bytes.
constexpr size_t kPatternPeriod = 65521;

std::vector<uint8_t> MakePattern(uint64_t seed) {
  netsim::Rng rng = netsim::Rng::ForStream(seed, 0xb01c);
  // Twice the period, so any window of up to one period is contiguous.
  std::vector<uint8_t> p(2 * kPatternPeriod);
  for (size_t i = 0; i < kPatternPeriod; ++i) p[i] = static_cast<uint8_t>(rng.Next() >> 56);
  std::memcpy(p.data() + kPatternPeriod, p.data(), kPatternPeriod);
  return p;
}

class Sender : public Application {
 public:
  Sender(uint64_t total, const std::vector<uint8_t>* pattern) : total_(total), pattern_(pattern) {}

  void OnEvent(Instant now, StackHost& host, const tcp::Event& e) override {
    if (e.kind != tcp::EventKind::kConnected && e.kind != tcp::EventKind::kWritable) return;
    while (sent_ < total_) {
      const size_t off = sent_ % kPatternPeriod;
      const size_t n = static_cast<size_t>(std::min<uint64_t>(kPatternPeriod, total_ - sent_));
      auto took = host.stack().Send(now, e.socket, absl::MakeConstSpan(pattern_->data() + off, n));
      if (!took.ok() || *took == 0) return;
      sent_ += *took;
    }
  }

 private:
  uint64_t total_;
  uint64_t sent_ = 0;
  const std::vector<uint8_t>* pattern_;
};

class Receiver : public Application {
 public:
  Receiver(uint64_t total, const std::vector<uint8_t>* pattern)
      : total_(total), pattern_(pattern) {}

  void OnEvent(Instant now, StackHost& host, const tcp::Event& e) override {
    if (e.kind == tcp::EventKind::kAcceptable) {
      auto id = host.stack().Accept(now, e.socket);
      if (id.ok()) socket_ = *id;
    }
    if (socket_ == tcp::kInvalidSocket) return;
    // Verified in place (Stack::ReceiveInPlace), where the bytes lie in the
    // receive buffer: everything readable, in one call.
    (void)host.stack().ReceiveInPlace(now, socket_, [&](absl::Span<const uint8_t> run) {
      Verify(run);
      return run.size();
    });
    if (verified_ >= total_ && !done_) {
      done_ = true;
      done_at_ = now;
    }
  }

  bool done() const { return done_; }
  Instant done_at() const { return done_at_; }
  uint64_t verified() const { return verified_; }

 private:
  void Verify(absl::Span<const uint8_t> got) {
    size_t at = 0;
    while (at < got.size()) {
      const size_t off = (verified_ + at) % kPatternPeriod;
      const size_t n = std::min(got.size() - at, kPatternPeriod);
      if (std::memcmp(got.data() + at, pattern_->data() + off, n) != 0) {
        for (size_t i = 0; i < n; ++i) {
          if (got[at + i] != (*pattern_)[off + i]) {
            std::fprintf(stderr,
                         "bulk_transfer: WRONG BYTE at stream offset %llu: got 0x%02x, "
                         "expected 0x%02x\n",
                         static_cast<unsigned long long>(verified_ + at + i), got[at + i],
                         (*pattern_)[off + i]);
            std::abort();
          }
        }
      }
      at += n;
    }
    if (verified_ + got.size() > total_) {
      std::fprintf(stderr, "bulk_transfer: received %llu bytes, more than the %llu sent\n",
                   static_cast<unsigned long long>(verified_ + got.size()),
                   static_cast<unsigned long long>(total_));
      std::abort();
    }
    verified_ += got.size();
  }

  uint64_t total_;
  const std::vector<uint8_t>* pattern_;
  tcp::SocketId socket_ = tcp::kInvalidSocket;
  uint64_t verified_ = 0;
  bool done_ = false;
  Instant done_at_;
};

long PeakRssKb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;  // kilobytes on Linux
}

// User + system CPU time of this process: unlike wall time it barely moves
// when other work shares the machine's cores.
double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int Run() {
  const std::string cc_name = absl::GetFlag(FLAGS_cc);
  tcp::CongestionAlgorithm cc;
  if (cc_name == "newreno") {
    cc = tcp::CongestionAlgorithm::kNewReno;
  } else if (cc_name == "cubic") {
    cc = tcp::CongestionAlgorithm::kCubic;
  } else {
    std::fprintf(stderr, "bulk_transfer: --cc must be newreno or cubic, not \"%s\"\n",
                 cc_name.c_str());
    return 2;
  }
  const uint64_t total = absl::GetFlag(FLAGS_bytes);
  const uint64_t seed = absl::GetFlag(FLAGS_seed);
  const auto wall_start = std::chrono::steady_clock::now();
  const double cpu_start = CpuSeconds();

  const std::vector<uint8_t> pattern = MakePattern(seed);
  netsim::Simulator sim;
  netsim::Network net(&sim, seed);
  netsim::SimHost* a = net.AddHost("sender", kSenderAddress).value();
  netsim::SimHost* b = net.AddHost("receiver", kReceiverAddress).value();
  netsim::LinkParams data;
  data.delay = absl::Microseconds(absl::GetFlag(FLAGS_delay_us));
  data.rate_bps = absl::GetFlag(FLAGS_rate_bps);
  data.limit_packets = absl::GetFlag(FLAGS_queue_packets);
  netsim::LinkParams acks = data;
  data.loss = absl::GetFlag(FLAGS_loss);
  auto link = net.Connect(a, b, data, acks);
  if (!link.ok()) {
    std::fprintf(stderr, "bulk_transfer: %s\n", link.status().ToString().c_str());
    return 2;
  }

  // Verification outputs (off when timing): a pcap of the link, a trace of
  // every packet event.
  std::unique_ptr<netsim::PcapTap> tap;
  if (const std::string path = absl::GetFlag(FLAGS_pcap); !path.empty()) {
    auto writer = netsim::PcapWriter::OpenFile(path, netsim::LinkType::kRaw);
    if (!writer.ok()) {
      std::fprintf(stderr, "bulk_transfer: %s\n", writer.status().ToString().c_str());
      return 2;
    }
    tap = netsim::PcapTap::ForLink(&net, *link, std::move(*writer));
  }
  std::FILE* trace_file = nullptr;
  if (const std::string path = absl::GetFlag(FLAGS_trace); !path.empty()) {
    trace_file = std::fopen(path.c_str(), "w");
    if (trace_file == nullptr) {
      std::fprintf(stderr, "bulk_transfer: cannot write %s\n", path.c_str());
      return 2;
    }
    net.SetTraceHook([trace_file](const netsim::PacketEvent& e) {
      const std::string line = netsim::FormatPacketEventWithSegment(e);
      std::fprintf(trace_file, "%s\n", line.c_str());
    });
  }

  // Both hosts alike; every switch the comparison depends on is set here
  // rather than left to the engine's defaults.
  tcp::StackConfig config;
  config.congestion = cc;
  config.sack = true;
  config.timestamps = true;
  config.window_scale = true;
  config.mss = static_cast<uint16_t>(absl::GetFlag(FLAGS_mss));
  config.send_buffer_bytes = absl::GetFlag(FLAGS_send_buffer);
  config.recv_buffer_bytes = absl::GetFlag(FLAGS_recv_buffer);
  // The receiver keeps for reassembly whatever its window let in, as ns-3's
  // TcpRxBuffer does (the engine's default keeps only 64 KiB out of order:
  // with a 128 KiB window, in-window segments beyond that would be dropped).
  config.out_of_order_limit_bytes = absl::GetFlag(FLAGS_out_of_order_limit) != 0
                                        ? absl::GetFlag(FLAGS_out_of_order_limit)
                                        : config.recv_buffer_bytes;
  config.initial_window_segments = absl::GetFlag(FLAGS_initial_window);
  config.rto_min = absl::Milliseconds(absl::GetFlag(FLAGS_rto_min_ms));
  config.delayed_ack = absl::GetFlag(FLAGS_delayed_ack);
  config.delayed_ack_timeout = absl::Milliseconds(absl::GetFlag(FLAGS_delayed_ack_ms));
  config.verify_checksums = absl::GetFlag(FLAGS_engine_checksums);
  tcp::StackConfig sender_config = config, receiver_config = config;
  sender_config.local_address = kSenderAddress;
  receiver_config.local_address = kReceiverAddress;
  StackHost sender_host(a, sender_config), receiver_host(b, receiver_config);
  a->SetClient(&sender_host);
  b->SetClient(&receiver_host);
  Sender sender(total, &pattern);
  Receiver receiver(total, &pattern);
  sender_host.SetApplication(&sender);
  receiver_host.SetApplication(&receiver);

  if (auto s = receiver_host.stack().Listen(sim.Now(), kPort, 4); !s.ok()) {
    std::fprintf(stderr, "bulk_transfer: listen: %s\n", s.status().ToString().c_str());
    return 2;
  }
  auto conn = sender_host.stack().Connect(sim.Now(), kReceiverAddress, kPort);
  if (!conn.ok()) {
    std::fprintf(stderr, "bulk_transfer: connect: %s\n", conn.status().ToString().c_str());
    return 2;
  }
  sender_host.Kick(sim.Now());

  const Instant limit =
      Instant::FromNanos(static_cast<int64_t>(absl::GetFlag(FLAGS_max_sim_s) * 1e9));
  sim.RunUntilCondition([&] { return receiver.done(); }, limit);
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const double cpu_s = CpuSeconds() - cpu_start;
  if (tap != nullptr) {
    if (absl::Status s = tap->writer().Flush(); !s.ok() || !tap->status().ok()) {
      std::fprintf(stderr, "bulk_transfer: writing the pcap failed\n");
      return 2;
    }
  }
  if (trace_file != nullptr) std::fclose(trace_file);

  uint64_t retransmissions = 0, timeouts = 0, recoveries = 0;
  uint64_t fast_rtx = 0, sack_rtx = 0, timeout_rtx = 0, recovery_rtx = 0;
  const uint64_t ooo_dropped = receiver_host.stack().counters().out_of_order_dropped;
  uint32_t payload_mss = 0;
  bool options_ok = false;
  if (auto info = sender_host.stack().Info(*conn); info.ok()) {
    retransmissions = info->retransmissions;
    timeouts = info->timeouts;
    recoveries = info->fast_recoveries;
    fast_rtx = info->fast_retransmissions;
    sack_rtx = info->sack_retransmissions;
    timeout_rtx = info->timeout_retransmissions;
    recovery_rtx = info->recovery_retransmissions;
    payload_mss = info->eff_snd_mss;
    options_ok = info->sack_enabled && info->timestamps_enabled && info->window_scale_enabled &&
                 info->congestion == cc;
  }
  const netsim::LinkCounters& dc = (*link)->a_to_b().counters();
  const netsim::LinkCounters& ac = (*link)->b_to_a().counters();
  const uint64_t lost = dc.dropped_total() + ac.dropped_total();
  const double sim_s =
      absl::ToDoubleSeconds((receiver.done() ? receiver.done_at() : sim.Now()).since_start());
  const double goodput_mbps = sim_s > 0 ? receiver.verified() * 8.0 / sim_s / 1e6 : 0;
  const uint64_t events = sim.events_run();
  const long rss_kb = PeakRssKb();

  std::printf("tcplab bulk transfer: %llu bytes, %s, %s+SACK\n",
              static_cast<unsigned long long>(total), data.ToString().c_str(), cc_name.c_str());
  std::printf("  TCP                %s, SACK, timestamps, window scaling%s; %u payload bytes per "
              "segment, buffers %llu/%llu B, IW %u, RTO min %lld ms, delayed ACK %s %lld ms\n",
              cc_name.c_str(), options_ok ? "" : " (NOT ALL NEGOTIATED)", payload_mss,
              static_cast<unsigned long long>(config.send_buffer_bytes),
              static_cast<unsigned long long>(config.recv_buffer_bytes),
              config.initial_window_segments,
              static_cast<long long>(absl::GetFlag(FLAGS_rto_min_ms)),
              config.delayed_ack ? "on" : "off",
              static_cast<long long>(absl::GetFlag(FLAGS_delayed_ack_ms)));
  std::printf("  completed          %s\n", receiver.done() ? "yes" : "NO (gave up)");
  std::printf("  simulated time     %.3f s\n", sim_s);
  std::printf("  goodput            %.3f Mbit/s (simulated)\n", goodput_mbps);
  std::printf("  wall time          %.3f s\n", wall_s);
  std::printf("  CPU time           %.3f s (user + system)\n", cpu_s);
  std::printf("  events             %llu (%.3g per wall second)\n",
              static_cast<unsigned long long>(events), events / wall_s);
  std::printf("  peak RSS           %ld kB\n", rss_kb);
  std::printf("  bytes verified     %llu\n", static_cast<unsigned long long>(receiver.verified()));
  std::printf(
      "  retransmissions    %llu: fast %llu, SACK recovery %llu, NewReno partial ACK %llu, "
      "after timeout %llu (timeouts %llu, fast recoveries %llu)\n",
      static_cast<unsigned long long>(retransmissions), static_cast<unsigned long long>(fast_rtx),
      static_cast<unsigned long long>(sack_rtx), static_cast<unsigned long long>(recovery_rtx),
      static_cast<unsigned long long>(timeout_rtx), static_cast<unsigned long long>(timeouts),
      static_cast<unsigned long long>(recoveries));
  std::printf("  receiver           %llu out-of-order segments dropped (reassembly limits)\n",
              static_cast<unsigned long long>(ooo_dropped));
  std::printf("  data link          %s\n", dc.ToString().c_str());
  std::printf("  ack link           %s\n", ac.ToString().c_str());
  std::printf(
      "result impl=tcplab cc=%s done=%d bytes=%llu sim_s=%.6f goodput_mbps=%.4f wall_s=%.6f "
      "cpu_s=%.6f events=%llu events_per_s=%.0f peak_rss_kb=%ld verified_bytes=%llu "
      "retransmissions=%llu lost_packets=%llu timeouts=%llu\n",
      cc_name.c_str(), receiver.done() ? 1 : 0, static_cast<unsigned long long>(total), sim_s,
      goodput_mbps, wall_s, cpu_s, static_cast<unsigned long long>(events), events / wall_s,
      rss_kb, static_cast<unsigned long long>(receiver.verified()),
      static_cast<unsigned long long>(retransmissions), static_cast<unsigned long long>(lost),
      static_cast<unsigned long long>(timeouts));
  return receiver.done() && options_ok ? 0 : 1;
}

}  // namespace
}  // namespace tcplab::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Simulates one bulk transfer on netsim + tcplab's engine and prints completion time, "
      "wall time, events per second and peak memory (issue 4).");
  absl::ParseCommandLine(argc, argv);
  return tcplab::bench::Run();
}
