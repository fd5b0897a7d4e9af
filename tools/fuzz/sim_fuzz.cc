// Fuzzes the engine end to end on the simulator: two StackHosts over one
// impaired link (as netsim/engine_impairment_test.cc wires them), a client
// that writes a pattern stream and a server that reads and checks it. The
// input chooses the impairments of each direction, both hosts' stack
// options, the transfer size, the applications' behaviour (reading pauses,
// chunk sizes, shutdown or close at the end, an early abort or close) and
// the simulation seed. The run is bounded in simulated time and events.
//
// Input layout (reads past the end yield 0):
//   u32 seed; u8 size (< 200: (k+1) * 512 bytes, else (k-199) * 16 KiB,
//   so up to ~0.9 MB); per direction (forward, then back) a link: u8 delay
//   ms, u8 impairment bits (loss, Gilbert-Elliott, reorder, duplicate,
//   corrupt, jitter, rate/queue, correlation) each followed by its u8
//   parameters; u8 outage (bit 0: down at u16*10 ms, bit 1: up again after
//   u16*10 ms); per host (client, server) u8 feature toggles (as
//   engine_fuzz: bit 0 bare base, SACK, timestamps, window scale, delayed
//   ACK, Nagle, keepalive, then u8 buffers / congestion / MSS); u8
//   application bits (close instead of shutdown, client abort, server abort,
//   server early close, two reading pauses) and their u16 times; u16 write
//   and read chunk sizes. An odd read chunk size reads in place
//   (Stack::ReceiveInPlace, at most that many bytes a call), an even one
//   copies (Receive): the same bytes a call either way.
//
// Invariants:
//   * every byte the server's application reads is the client's byte at
//     that offset (checked at every read);
//   * when neither application aborted or closed early and neither
//     connection reported an error (reset, time-out), the server read all
//     `total` bytes and then the end of the stream;
//   * the run ends: both applications reach a final state before the
//     simulated-time and event bounds, or the simulator runs out of events
//     after an abort (an idle receiver whose peer vanished has no timer).
//     Not when the sender has no congestion control (congestion none, as
//     in BareConfig): RFC 9293 §3.8.2 makes congestion control a MUST for
//     this reason. Such a sender on a narrow queue collapses as TCP did in
//     1986: each retransmission timeout resends a window's worth at once,
//     the few segments the queue takes are all retransmissions, so Karn's
//     rule yields no RTT sample and the RTO stays backed off; a transfer
//     can then outlast any bound (corpus: collapse_without_congestion_control).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "netsim/link.h"
#include "netsim/link_params.h"
#include "netsim/network.h"
#include "netsim/sim_host.h"
#include "netsim/simulator.h"
#include "netsim/stack_host.h"
#include "tcp/base/instant.h"
#include "tcp/config.h"
#include "tcp/events.h"
#include "tcp/stack.h"
#include "tools/fuzz/fuzz_input.h"
#include "tools/fuzz/stack_summary.h"

namespace {

using tcplab::Instant;
using tcplab::netsim::Application;
using tcplab::netsim::LinkParams;
using tcplab::netsim::StackHost;
using tcplab::tcp::EventKind;
using tcplab::tcp::SocketId;
using tcplab::tcp::StackConfig;
using tcplab::wire::Ipv4Address;

const Ipv4Address kClientAddr(10, 0, 0, 1);
const Ipv4Address kServerAddr(10, 0, 0, 2);
constexpr uint16_t kPort = 5001;
constexpr absl::Duration kSimulatedLimit = absl::Hours(6);
constexpr uint64_t kEventLimit = 4'000'000;

Instant At(absl::Duration d) { return Instant::Zero() + d; }

using Reader = tcplab::fuzz::FuzzInput;

uint8_t PatternByte(size_t i) { return static_cast<uint8_t>((i * 131 + i / 251 + 7) & 0xff); }

std::string g_summary;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "sim_fuzz: invariant violated: %s\n  run: %s\n", what.c_str(),
               g_summary.c_str());
  std::abort();
}

LinkParams DecodeLink(Reader& in) {
  LinkParams p;
  p.delay = absl::Milliseconds(in.U8());
  const uint8_t bits = in.U8();
  const bool corr = (bits & 128) != 0;
  if (bits & 1) {
    p.loss = in.Fraction(0.2);
    if (corr) p.loss_correlation = in.Fraction(0.9);
  }
  if (bits & 2) {
    tcplab::netsim::GilbertElliott ge;
    ge.p = in.Fraction(0.1);
    ge.r = 0.05 + in.Fraction(0.95);
    ge.one_minus_h = in.Fraction(1.0);
    ge.one_minus_k = in.Fraction(0.02);
    p.gemodel = ge;
  }
  if (bits & 4) {
    p.reorder = in.Fraction(0.3);
    p.reorder_gap = 1 + in.U8() % 8;
    if (corr) p.reorder_correlation = in.Fraction(0.9);
  }
  if (bits & 8) {
    p.duplicate = in.Fraction(0.1);
    if (corr) p.duplicate_correlation = in.Fraction(0.9);
  }
  if (bits & 16) {
    p.corrupt = in.Fraction(0.1);
    if (corr) p.corrupt_correlation = in.Fraction(0.9);
  }
  if (bits & 32) {
    const uint8_t j = in.U8();
    p.jitter = absl::Milliseconds(j % 64);
    p.jitter_distribution = static_cast<tcplab::netsim::Distribution>((j >> 6) % 4);
    if (corr) p.jitter_correlation = in.Fraction(0.9);
  }
  if (bits & 64) {
    p.rate_bps = int64_t{1 + in.U8()} * 200'000;  // 200 kbit/s .. 51 Mbit/s
    p.limit_packets = 2 + in.U8();
    const uint8_t b = in.U8();
    if (b & 1) p.limit_bytes = int64_t{b} * 1024;
  }
  return p;
}

StackConfig DecodeStack(Reader& in, Ipv4Address addr) {
  const uint8_t c0 = in.U8(), c1 = in.U8();
  StackConfig c = (c0 & 1) ? tcplab::tcp::BareConfig() : StackConfig{};
  c.local_address = addr;
  if (c0 & 2) c.sack = !c.sack;
  if (c0 & 4) c.timestamps = !c.timestamps;
  if (c0 & 8) c.window_scale = !c.window_scale;
  if (c0 & 16) c.delayed_ack = !c.delayed_ack;
  if (c0 & 32) c.nagle = !c.nagle;
  if (c0 & 64) {
    c.keepalive = true;
    c.keepalive_idle = absl::Seconds(20);
    c.keepalive_interval = absl::Seconds(5);
  }
  switch (c1 & 3) {
    case 1: c.congestion = tcplab::tcp::CongestionAlgorithm::kNone; break;
    case 2: c.congestion = tcplab::tcp::CongestionAlgorithm::kNewReno; break;
    case 3: c.congestion = tcplab::tcp::CongestionAlgorithm::kCubic; break;
    default: break;
  }
  static constexpr size_t kSend[] = {128 * 1024, 4096, 16384, 65536, 1 << 20, 3000, 128 * 1024, 40000};
  static constexpr size_t kRecv[] = {64 * 1024, 2048, 8192, 20000, 256 * 1024, 4 << 20, 1000, 64 * 1024};
  c.send_buffer_bytes = kSend[(c1 >> 2) % 8];
  c.recv_buffer_bytes = kRecv[(c1 >> 5) % 8];
  if (c0 & 128) c.mss = static_cast<uint16_t>(200 + in.U8() * 5);
  return c;
}

struct Plan {
  size_t total = 0;
  size_t write_chunk = 16384;
  size_t read_chunk = 65536;
  bool close_at_end = false;
  Instant client_abort = Instant::Infinite();
  Instant server_abort = Instant::Infinite();
  Instant server_close = Instant::Infinite();
  Instant pause[2] = {Instant::Infinite(), Instant::Infinite()};
  absl::Duration pause_len[2];
};

class Sender : public Application {
 public:
  explicit Sender(const Plan& plan, const std::vector<uint8_t>& pattern)
      : plan_(plan), pattern_(pattern) {}

  void Start(Instant now, StackHost& host) {
    auto id = host.stack().Connect(now, kServerAddr, kPort);
    if (!id.ok()) Fail("connect failed: " + id.status().ToString());
    socket = *id;
    host.Kick(now);
  }

  void OnEvent(Instant now, StackHost& host, const tcplab::tcp::Event& e) override {
    if (e.socket != socket || released) return;
    switch (e.kind) {
      case EventKind::kConnected:
      case EventKind::kWritable:
        Pump(now, host);
        break;
      case EventKind::kReset:
      case EventKind::kTimedOut:
        failed = true;
        break;
      case EventKind::kClosed:
        closed = true;
        break;
      default:
        break;
    }
  }

  void Abort(Instant now, StackHost& host) {
    if (released) return;
    (void)host.stack().Abort(now, socket);
    released = aborted = true;
    host.Kick(now);
  }

  SocketId socket = tcplab::tcp::kInvalidSocket;
  size_t written = 0;
  bool failed = false, closed = false, released = false, aborted = false;

 private:
  void Pump(Instant now, StackHost& host) {
    while (written < plan_.total) {
      const size_t n = std::min(plan_.write_chunk, plan_.total - written);
      auto took = host.stack().Send(now, socket, absl::MakeConstSpan(pattern_).subspan(written, n));
      if (!took.ok()) {
        failed = true;  // the connection died under us
        return;
      }
      written += *took;
      if (*took < n) return;
    }
    if (done_writing_) return;
    done_writing_ = true;
    if (plan_.close_at_end) {
      // Close releases the socket: the orphan finishes on its own.
      if (!host.stack().Close(now, socket).ok()) failed = true;
      released = true;
    } else if (!host.stack().Shutdown(now, socket).ok()) {
      failed = true;
    }
  }

  const Plan& plan_;
  const std::vector<uint8_t>& pattern_;
  bool done_writing_ = false;
};

class Receiver : public Application {
 public:
  explicit Receiver(const Plan& plan, const std::vector<uint8_t>& pattern)
      : plan_(plan), pattern_(pattern), buf_(plan.read_chunk) {}

  void Listen(Instant now, StackHost& host) {
    auto id = host.stack().Listen(now, kPort, 4);
    if (!id.ok()) Fail("listen failed");
    listener_ = *id;
  }

  void OnEvent(Instant now, StackHost& host, const tcplab::tcp::Event& e) override {
    tcplab::tcp::Stack& s = host.stack();
    if (e.socket == listener_ && e.kind == EventKind::kAcceptable && socket == tcplab::tcp::kInvalidSocket) {
      auto id = s.Accept(now, listener_);
      if (id.ok()) socket = *id;
    }
    if (socket == tcplab::tcp::kInvalidSocket || done) return;
    if (e.socket == socket && (e.kind == EventKind::kReset || e.kind == EventKind::kTimedOut)) {
      failed = true;
    }
    Read(now, host);
  }

  // The bytes just read are the client's at their stream offsets.
  void Check(absl::Span<const uint8_t> got) {
    for (size_t i = 0; i < got.size(); ++i) {
      if (received + i >= pattern_.size() || got[i] != pattern_[received + i]) {
        Fail("server read a wrong byte at stream offset " + std::to_string(received + i) +
             " (total " + std::to_string(plan_.total) + ")");
      }
    }
    received += got.size();
  }

  void Read(Instant now, StackHost& host) {
    if (socket == tcplab::tcp::kInvalidSocket || done || paused) return;
    tcplab::tcp::Stack& s = host.stack();
    const bool in_place = plan_.read_chunk % 2 == 1;
    while (true) {
      absl::StatusOr<size_t> n;
      if (in_place) {
        size_t budget = plan_.read_chunk;
        n = s.ReceiveInPlace(now, socket, [&](absl::Span<const uint8_t> run) {
          run = run.first(std::min(run.size(), budget));
          budget -= run.size();
          Check(run);
          return run.size();
        });
      } else {
        n = s.Receive(now, socket, absl::MakeSpan(buf_));
        if (n.ok()) Check(absl::MakeConstSpan(buf_.data(), *n));
      }
      if (!n.ok()) {
        failed = true;
        done = true;
        return;
      }
      if (*n == 0) break;
    }
    if (s.GetReadiness(socket).eof) {
      eof = true;
      done = true;
      (void)s.Close(now, socket);
    } else if (s.GetReadiness(socket).error) {
      failed = true;
      done = true;
    }
  }

  // Abort (RST) or an early Close (a RST too when data is unread).
  void Stop(Instant now, StackHost& host, bool abort) {
    if (done) return;
    if (socket != tcplab::tcp::kInvalidSocket) {
      if (abort) (void)host.stack().Abort(now, socket);
      else (void)host.stack().Close(now, socket);
    } else {
      (void)host.stack().Close(now, listener_);  // resets what is not accepted yet
    }
    done = stopped = true;
    host.Kick(now);
  }

  SocketId socket = tcplab::tcp::kInvalidSocket;
  size_t received = 0;
  bool eof = false, failed = false, done = false, paused = false, stopped = false;

 private:
  const Plan& plan_;
  const std::vector<uint8_t>& pattern_;
  SocketId listener_ = tcplab::tcp::kInvalidSocket;
  std::vector<uint8_t> buf_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in(data, size);
  const uint64_t seed = in.U32();
  Plan plan;
  const uint8_t sz = in.U8();
  // Large sizes in 16 KiB steps (at most ~0.9 MB): long enough for
  // several loss recoveries, short enough for hundreds of runs a minute.
  plan.total = sz < 200 ? (size_t{sz} + 1) * 512 : size_t{sz - 199u} * 16384;
  LinkParams forward = DecodeLink(in);
  LinkParams back = DecodeLink(in);
  if (!forward.Validate().ok() || !back.Validate().ok()) {
    Fail("decoded link parameters do not validate: " + forward.Validate().ToString() + " / " +
         back.Validate().ToString());
  }
  const uint8_t outage = in.U8();
  Instant down = Instant::Infinite(), up = Instant::Infinite();
  if (outage & 1) {
    down = At(absl::Milliseconds(int64_t{in.U16()} * 10));
    if (outage & 2) up = down + absl::Milliseconds(int64_t{in.U16()} * 10);
  }
  const StackConfig client_config = DecodeStack(in, kClientAddr);
  const StackConfig server_config = DecodeStack(in, kServerAddr);
  const uint8_t app = in.U8();
  plan.close_at_end = (app & 1) != 0;
  if (app & 2) plan.client_abort = At(absl::Milliseconds(int64_t{in.U16()} * 10));
  if (app & 4) plan.server_abort = At(absl::Milliseconds(int64_t{in.U16()} * 10));
  if (app & 8) plan.server_close = At(absl::Milliseconds(int64_t{in.U16()} * 10));
  for (int i = 0; i < 2; ++i) {
    if (app & (16 << i)) {
      plan.pause[i] = At(absl::Milliseconds(int64_t{in.U16()} * 5));
      plan.pause_len[i] = absl::Milliseconds(int64_t{in.U16()} * 5);
    }
  }
  plan.write_chunk = 1 + in.U16() % 32768;
  plan.read_chunk = 1 + in.U16() % 65536;
  if (app & 64) plan.write_chunk = 1 + plan.write_chunk % 64;  // tiny writes
  if (app & 128) plan.read_chunk = 1 + plan.read_chunk % 64;

  g_summary = "seed " + std::to_string(seed) + ", total " + std::to_string(plan.total) +
              ", forward {" + forward.ToString() + "}, back {" + back.ToString() +
              "}, client {" + tcplab::fuzz::StackSummary(client_config) + "}, server {" +
              tcplab::fuzz::StackSummary(server_config) + "}, writes " +
              std::to_string(plan.write_chunk) + " reads " + std::to_string(plan.read_chunk);

  std::vector<uint8_t> pattern(plan.total);
  for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = PatternByte(i);

  tcplab::netsim::Simulator sim;
  tcplab::netsim::Network net(&sim, seed);
  auto* client_host = net.AddHost("client", kClientAddr).value();
  auto* server_host = net.AddHost("server", kServerAddr).value();
  auto* link = net.Connect(client_host, server_host, forward, back).value();
  if (!down.is_infinite()) link->SetUpAt(down, false);
  if (!up.is_infinite()) link->SetUpAt(up, true);
  StackHost client(client_host, client_config);
  StackHost server(server_host, server_config);
  client_host->SetClient(&client);
  server_host->SetClient(&server);
  Sender sender(plan, pattern);
  Receiver receiver(plan, pattern);
  client.SetApplication(&sender);
  server.SetApplication(&receiver);

  receiver.Listen(sim.Now(), server);
  sender.Start(sim.Now(), client);
  if (!plan.client_abort.is_infinite()) {
    sim.ScheduleFn(plan.client_abort, [&] { sender.Abort(sim.Now(), client); });
  }
  if (!plan.server_abort.is_infinite()) {
    sim.ScheduleFn(plan.server_abort, [&] { receiver.Stop(sim.Now(), server, true); });
  }
  if (!plan.server_close.is_infinite()) {
    sim.ScheduleFn(plan.server_close, [&] { receiver.Stop(sim.Now(), server, false); });
  }
  for (int i = 0; i < 2; ++i) {
    if (plan.pause[i].is_infinite()) continue;
    sim.ScheduleFn(plan.pause[i], [&] { receiver.paused = true; });
    sim.ScheduleFn(plan.pause[i] + plan.pause_len[i], [&] {
      receiver.paused = false;
      receiver.Read(sim.Now(), server);
      server.Kick(sim.Now());
    });
  }

  const auto sender_final = [&] { return sender.closed || sender.failed || sender.released; };
  bool over_events = false;
  const bool finished = sim.RunUntilCondition(
      [&] {
        if (sim.events_run() > kEventLimit) over_events = true;
        return over_events || (receiver.done && sender_final());
      },
      At(kSimulatedLimit));

  const bool stopped_early = sender.aborted || receiver.stopped;
  const bool error = sender.failed || receiver.failed;
  if (over_events) {
    Fail("more than " + std::to_string(kEventLimit) + " events by " + sim.Now().ToString() +
         " (received " + std::to_string(receiver.received) + ")");
  }
  if (!finished) {
    // Out of events or past the time bound without both sides final.
    const bool idle = sim.NextEventTime().is_infinite();
    // The receiver read everything and closed; its FIN may then have been
    // lost until it gave up (an orphan tells no one), leaving the sender,
    // which only shut down, in FIN-WAIT-2 for good: RFC 9293 sets no
    // timer there, and neither does Linux for a socket still held.
    const bool peer_gave_up = receiver.done && receiver.received == plan.total &&
                              client.stack().State(sender.socket) ==
                                  tcplab::tcp::ConnectionState::kFinWait2;
    const bool may_collapse =
        client_config.congestion == tcplab::tcp::CongestionAlgorithm::kNone && !idle;
    if (!may_collapse && !(idle && (stopped_early || error || sender.released || peer_gave_up))) {
      Fail(std::string(idle ? "simulation went idle" : "simulated time ran out") +
           " before the transfer ended: received " + std::to_string(receiver.received) + " of " +
           std::to_string(plan.total) + ", written " + std::to_string(sender.written) +
           ", sender closed/failed/released " + std::to_string(sender.closed) + "/" +
           std::to_string(sender.failed) + "/" + std::to_string(sender.released) +
           ", receiver done/failed/eof/paused " + std::to_string(receiver.done) + "/" +
           std::to_string(receiver.failed) + "/" + std::to_string(receiver.eof) + "/" +
           std::to_string(receiver.paused) + ", sender in " +
           std::string(tcplab::tcp::StateName(client.stack().State(sender.socket))) +
           ", link down at " + down.ToString() + " up at " + up.ToString() + ", at " +
           sim.Now().ToString());
    }
  }
  if (!stopped_early && !error && (receiver.eof || receiver.done)) {
    if (receiver.received != plan.total || !receiver.eof) {
      Fail("clean run ended with " + std::to_string(receiver.received) + " of " +
           std::to_string(plan.total) + " bytes read (eof " + std::to_string(receiver.eof) + ")");
    }
  }
  return 0;
}
