// The live speed benchmark of issue 7: tcplab's bulk throughput on a real
// wire against the Linux kernel's own TCP, over the same veth pair, in the
// same run (see README.md, "Live: tcplab vs the Linux kernel over veth").
//
//   test namespace (this process)             peer namespace
//   tl0 <------------------ veth ------------------> k0 10.77.0.1/24
//
// Per repetition, one after the other (never two at once, so that each has
// both cores):
//   kernel-iperf3    iperf3 -c in this namespace (10.77.0.3 put on tl0 for
//                    the run, removed after) to iperf3 -s in the peer
//   kernel-iperf3-R  the same, reversed (-R): the peer sends
//   kernel-threads   the kernel to the kernel again, with this program's
//                    own sender and verifying receiver (the same code the
//                    tcplab runs below use on the kernel's side)
//   tcplab-tx        tcplab (LiveHost: AF_PACKET on tl0, 10.77.0.2) sends
//                    --bytes to a kernel receiver thread in the peer
//   tcplab-rx        a kernel sender thread in the peer sends --bytes to
//                    tcplab
//   tcplab-rx-ackco  the same with the device's ACK coalescing on
//                    (PacketSocket::Options::coalesce_acks): of tcplab's
//                    pure ACKs queued back to back, only the newest goes out
// Every byte of the own runs is checked against a seeded pattern where it
// lands (the receiver aborts the run on the first wrong byte), so a figure
// is for real, in-order data. iperf3 does not check its data.
//
// Prints one line per run, `result run=NAME rep=I gbps=X bytes=N
// seconds=S ...`, which tools/bench/live_run turns into a table. Needs
// root (network namespaces, AF_PACKET).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "netsim/live/live_host.h"
#include "netsim/live/testing/kernel_socket.h"
#include "netsim/live/testing/veth_lab.h"
#include "netsim/stack_host.h"
#include "tcp/config.h"
#include "tcp/stack.h"
#include "tcp/state.h"

ABSL_FLAG(uint64_t, bytes, 1'000'000'000, "bytes per tcplab / own-thread transfer");
ABSL_FLAG(int, reps, 3, "repetitions of the whole sequence");
ABSL_FLAG(int, mtu, 1500, "MTU of both ends of the veth pair (every run uses the same pair)");
ABSL_FLAG(int, iperf_seconds, 5, "length of each iperf3 run");
ABSL_FLAG(std::string, iperf3, "iperf3", "the iperf3 binary; empty: skip the iperf3 runs");
ABSL_FLAG(std::string, runs, "kernel-iperf3,kernel-iperf3-R,kernel-threads,tcplab-tx,tcplab-rx,tcplab-rx-ackco",
          "which runs, comma-separated");
ABSL_FLAG(uint64_t, send_buffer, 4 << 20, "tcplab's send buffer (bytes)");
ABSL_FLAG(uint64_t, recv_buffer, 4 << 20, "tcplab's receive buffer (bytes)");
ABSL_FLAG(int, mss, 0, "tcplab's MSS; 0: the MTU's (MTU - 40)");
ABSL_FLAG(bool, gso, true, "tcplab's segmentation offload (PacketSocket::Options::gso)");
ABSL_FLAG(std::string, peer_setup, "",
          "a shell command run in the peer namespace before the runs (kernel tuning, "
          "e.g. ethtool or sysctl; it applies to every run alike)");
ABSL_FLAG(std::string, local_setup, "", "the same in the test's own namespace (tl0's side)");
ABSL_FLAG(size_t, chunk, 1 << 20,
          "bytes per application write (all senders) and per kernel read; tcplab's receiver "
          "reads in place");

namespace tcplab::live {
namespace {

using Clock = std::chrono::steady_clock;
using testing::Bounded;
using testing::Inet;
using testing::VethLab;

constexpr uint16_t kPort = 5001;
constexpr uint16_t kIperfPort = 5201;
// The kernel's own address on tl0 during the kernel-to-kernel runs (tcplab
// uses 10.77.0.2, and its runs happen while this one is removed).
const wire::Ipv4Address kKernelLocal(10, 77, 0, 3);

// The data: a pattern with a prime period, so that bytes landing at a
// wrong offset differ.
constexpr size_t kPeriod = 1'000'003;

const std::vector<uint8_t>& PatternBuffer() {
  static const std::vector<uint8_t>* const p = [] {
    auto* v = new std::vector<uint8_t>(2 * kPeriod);
    for (size_t i = 0; i < kPeriod; ++i) {
      (*v)[i] = static_cast<uint8_t>((i * 131 + i / 251 + 7) & 0xff);
    }
    std::memcpy(v->data() + kPeriod, v->data(), kPeriod);
    return v;
  }();
  return *p;
}

// Up to `max` pattern bytes starting at stream offset `at` (at most kPeriod).
absl::Span<const uint8_t> PatternAt(uint64_t at, uint64_t max) {
  return absl::MakeConstSpan(PatternBuffer())
      .subspan(at % kPeriod, static_cast<size_t>(std::min<uint64_t>(max, kPeriod)));
}

// Whether `data`, received at stream offset `at`, is the pattern.
bool IsPattern(uint64_t at, absl::Span<const uint8_t> data) {
  for (size_t done = 0; done < data.size();) {
    const absl::Span<const uint8_t> want = PatternAt(at + done, data.size() - done);
    if (std::memcmp(data.data() + done, want.data(), want.size()) != 0) return false;
    done += want.size();
  }
  return true;
}

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// What a kernel-side thread did.
struct KernelSide {
  uint64_t bytes = 0;
  bool bad_data = false;
  std::string error;  // the first failed call
  Clock::time_point end;
  std::atomic<bool> done{false};
  // The loop whose Run waits on `done` (RealTimeLoop::Wake; null for the
  // kernel-only runs).
  RealTimeLoop* loop = nullptr;
};

void MarkDone(KernelSide* k) {
  k->done = true;
  if (k->loop != nullptr) k->loop->Wake();
}

void Fail(KernelSide* k, const char* call) {
  if (k->error.empty()) k->error = absl::StrCat(call, ": ", std::strerror(errno));
}

// Reads until EOF, checking every byte; stops at the first wrong one.
void KernelReceive(int fd, KernelSide* k, size_t chunk) {
  std::vector<uint8_t> buf(chunk);
  for (;;) {
    const ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      Fail(k, "recv");
      break;
    }
    if (n == 0) break;
    if (!IsPattern(k->bytes, absl::MakeConstSpan(buf.data(), static_cast<size_t>(n)))) {
      k->bad_data = true;
      break;
    }
    k->bytes += static_cast<uint64_t>(n);
  }
  k->end = Clock::now();
}

// Writes `bytes` of the pattern, shuts down, waits for the peer's EOF.
void KernelSend(int fd, uint64_t bytes, KernelSide* k, size_t chunk) {
  for (uint64_t at = 0; at < bytes;) {
    const absl::Span<const uint8_t> s = PatternAt(at, std::min<uint64_t>(bytes - at, chunk));
    const ssize_t n = send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      Fail(k, "send");
      return;
    }
    at += static_cast<uint64_t>(n);
    k->bytes = at;
  }
  if (shutdown(fd, SHUT_WR) != 0) Fail(k, "shutdown");
  char c;
  if (recv(fd, &c, 1, 0) != 0) Fail(k, "recv (expected EOF)");
  k->end = Clock::now();
}

// A thread (in the peer namespace when `lab` is given) that listens on
// kPort, accepts one connection and receives from it. Returns once it
// listens.
std::thread KernelReceiver(const VethLab* lab, KernelSide* k, size_t chunk) {
  std::promise<void> listening;
  std::future<void> ready = listening.get_future();
  auto body = [k, chunk, &listening] {
    const int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    Bounded(l);
    sockaddr_in any = Inet(wire::Ipv4Address(0, 0, 0, 0), kPort);
    const bool ok = bind(l, reinterpret_cast<sockaddr*>(&any), sizeof(any)) == 0 &&
                    listen(l, 4) == 0;
    listening.set_value();
    if (!ok) {
      Fail(k, "listen");
    } else if (const int fd = accept4(l, nullptr, nullptr, SOCK_CLOEXEC); fd < 0) {
      Fail(k, "accept");
    } else {
      Bounded(fd);
      KernelReceive(fd, k, chunk);
      close(fd);
    }
    close(l);
    MarkDone(k);
  };
  std::thread t = lab != nullptr ? lab->InPeer(body) : std::thread(body);
  ready.wait();
  return t;
}

// A thread (in the peer namespace when `lab` is given) that connects to
// `to` and sends `bytes`.
std::thread KernelSender(const VethLab* lab, wire::Ipv4Address to, uint64_t bytes,
                         KernelSide* k, size_t chunk) {
  auto body = [to, bytes, k, chunk] {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    Bounded(fd);
    sockaddr_in a = Inet(to, kPort);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
      Fail(k, "connect");
      k->end = Clock::now();
    } else {
      KernelSend(fd, bytes, k, chunk);
    }
    close(fd);
    MarkDone(k);
  };
  return lab != nullptr ? lab->InPeer(body) : std::thread(body);
}

// tcplab applications.
class PatternSender : public netsim::Application {
 public:
  PatternSender(uint64_t total, size_t chunk) : total_(total), chunk_(chunk) {}

  void Start(Instant now, netsim::StackHost& host, wire::Ipv4Address to) {
    auto id = host.stack().Connect(now, to, kPort);
    if (!id.ok()) {
      error = std::string(id.status().message());
      return;
    }
    socket = *id;
    host.Kick(now);
  }
  void OnEvent(Instant now, netsim::StackHost& host, const tcp::Event& e) override {
    if (e.socket != socket) return;
    tcp::Stack& s = host.stack();
    if (e.kind == tcp::EventKind::kReset || e.kind == tcp::EventKind::kTimedOut) {
      error = std::string(s.Error(socket).message());
      return;
    }
    if (e.kind != tcp::EventKind::kConnected && e.kind != tcp::EventKind::kWritable) return;
    while (written < total_) {
      const absl::Span<const uint8_t> p = PatternAt(written, std::min<uint64_t>(chunk_, total_ - written));
      auto took = s.Send(now, socket, p);
      if (!took.ok()) {
        error = std::string(took.status().message());
        return;
      }
      written += *took;
      if (*took < p.size()) return;
    }
    if (!shut) {
      shut = true;
      (void)s.Shutdown(now, socket);
    }
  }

  tcp::SocketId socket = tcp::kInvalidSocket;
  uint64_t written = 0;
  bool shut = false;
  std::string error;

 private:
  uint64_t total_;
  size_t chunk_;
};

class PatternSink : public netsim::Application {
 public:
  PatternSink() = default;

  void Listen(Instant now, netsim::StackHost& host) {
    auto id = host.stack().Listen(now, kPort, 4);
    if (!id.ok()) error = std::string(id.status().message());
    if (id.ok()) listener_ = *id;
  }
  void OnEvent(Instant now, netsim::StackHost& host, const tcp::Event& e) override {
    tcp::Stack& s = host.stack();
    if (e.socket == listener_ && e.kind == tcp::EventKind::kAcceptable) {
      auto id = s.Accept(now, listener_);
      if (id.ok()) socket = *id;
    }
    if (socket == tcp::kInvalidSocket || eof || bad_data) return;
    if (e.socket == socket && e.kind == tcp::EventKind::kReset) error = "reset";
    // In place (Stack::ReceiveInPlace): the bytes are checked where they
    // lie in the receive buffer, without a copy to the application; one
    // call takes everything readable, and a wrong span ends it.
    (void)s.ReceiveInPlace(now, socket, [&](absl::Span<const uint8_t> run) {
      if (!IsPattern(received, run)) {
        bad_data = true;
        return size_t{0};
      }
      received += run.size();
      return run.size();
    });
    if (bad_data) return;
    if (s.GetReadiness(socket).eof) {
      eof = true;
      end = Clock::now();
      info = s.Info(socket).value_or(tcp::ConnectionInfo());
      (void)s.Close(now, socket);
    }
  }

  tcp::SocketId socket = tcp::kInvalidSocket;
  uint64_t received = 0;
  bool eof = false;
  bool bad_data = false;
  std::string error;
  Clock::time_point end;
  tcp::ConnectionInfo info;

 private:
  tcp::SocketId listener_ = tcp::kInvalidSocket;
};

struct Result {
  std::string run;
  int rep = 0;
  bool ok = false;
  uint64_t bytes = 0;
  double seconds = 0;
  double cpu_s = -1;  // this process's CPU time (tcplab's loop and the kernel thread)
  std::string extra;  // more key=value pairs
  std::string error;
};

void Print(const Result& r) {
  const double gbps = r.seconds > 0 ? r.bytes * 8.0 / r.seconds / 1e9 : 0;
  std::printf("result run=%s rep=%d ok=%d gbps=%.3f bytes=%llu seconds=%.3f cpu_s=%.3f%s%s%s\n",
              r.run.c_str(), r.rep, r.ok ? 1 : 0, gbps,
              static_cast<unsigned long long>(r.bytes), r.seconds, r.cpu_s,
              r.extra.empty() ? "" : " ", r.extra.c_str(),
              r.error.empty() ? "" : absl::StrCat(" error=\"", r.error, "\"").c_str());
  std::fflush(stdout);
}

absl::Status SetKernelAddress(bool on) {
  const std::string cmd =
      absl::StrCat("ip addr ", on ? "add " : "del ", kKernelLocal.ToString(), "/",
                   VethLab::kPrefixLength, " dev ", VethLab::kTcplabInterface);
  return VethLab::LocalCommand(cmd).status();
}

// The number after `"key":` following `after` in iperf3's JSON.
double JsonNumberAfter(const std::string& json, const std::string& after, const std::string& key) {
  size_t at = json.find(after);
  if (at == std::string::npos) return -1;
  at = json.find("\"" + key + "\"", at);
  if (at == std::string::npos) return -1;
  at = json.find(':', at);
  if (at == std::string::npos) return -1;
  size_t end = at + 1;
  while (end < json.size() && (std::isdigit(json[end]) || json[end] == '.' || json[end] == 'e' ||
                               json[end] == '+' || json[end] == '-' || json[end] == ' ' ||
                               json[end] == '\t')) {
    ++end;
  }
  double v = -1;
  if (!absl::SimpleAtod(absl::StripAsciiWhitespace(json.substr(at + 1, end - at - 1)), &v)) return -1;
  return v;
}

Result KernelIperf(int rep, bool reverse) {
  Result r;
  r.run = reverse ? "kernel-iperf3-R" : "kernel-iperf3";
  r.rep = rep;
  if (absl::Status s = SetKernelAddress(true); !s.ok()) {
    r.error = std::string(s.message());
    return r;
  }
  const int secs = absl::GetFlag(FLAGS_iperf_seconds);
  const std::string cmd =
      absl::StrCat(absl::GetFlag(FLAGS_iperf3), " -c ", VethLab::PeerAddress().ToString(), " -p ",
                   kIperfPort, " -B ", kKernelLocal.ToString(), " -t ", secs, " -J",
                   reverse ? " -R" : "");
  absl::StatusOr<std::string> out;
  for (int attempt = 0; attempt < 20; ++attempt) {  // the server may still be starting
    out = VethLab::LocalCommand(cmd);
    if (out.ok()) break;
    usleep(200'000);
  }
  (void)SetKernelAddress(false);
  if (!out.ok()) {
    r.error = std::string(out.status().message()).substr(0, 300);
    return r;
  }
  const double bps = JsonNumberAfter(*out, "\"sum_received\"", "bits_per_second");
  const double bytes = JsonNumberAfter(*out, "\"sum_received\"", "bytes");
  const double seconds = JsonNumberAfter(*out, "\"sum_received\"", "seconds");
  const double retr = JsonNumberAfter(*out, "\"sum_sent\"", "retransmits");
  if (bps <= 0 || bytes <= 0 || seconds <= 0) {
    r.error = "could not read iperf3's JSON";
    return r;
  }
  r.ok = true;
  r.bytes = static_cast<uint64_t>(bytes);
  r.seconds = seconds;
  r.extra = absl::StrFormat("retransmissions=%.0f verified=0", retr);
  return r;
}

Result KernelThreads(VethLab& lab, int rep) {
  Result r;
  r.run = "kernel-threads";
  r.rep = rep;
  if (absl::Status s = SetKernelAddress(true); !s.ok()) {
    r.error = std::string(s.message());
    return r;
  }
  const uint64_t bytes = absl::GetFlag(FLAGS_bytes);
  const size_t chunk = absl::GetFlag(FLAGS_chunk);
  KernelSide rx, tx;
  std::thread receiver = KernelReceiver(&lab, &rx, chunk);
  const double cpu0 = CpuSeconds();
  const Clock::time_point start = Clock::now();
  std::thread sender = KernelSender(nullptr, VethLab::PeerAddress(), bytes, &tx, chunk);
  sender.join();
  receiver.join();
  r.cpu_s = CpuSeconds() - cpu0;
  (void)SetKernelAddress(false);
  r.bytes = rx.bytes;
  r.seconds = Seconds(start, rx.end);
  r.ok = rx.error.empty() && tx.error.empty() && !rx.bad_data && rx.bytes == bytes;
  r.error = rx.bad_data ? "wrong bytes received" : rx.error.empty() ? tx.error : rx.error;
  r.extra = absl::StrCat("verified=", r.ok ? rx.bytes : 0);
  return r;
}

absl::StatusOr<std::unique_ptr<LiveHost>> OpenTcplab(bool coalesce_acks) {
  LiveHostOptions o;
  o.interface = VethLab::kTcplabInterface;
  o.address = VethLab::TcplabAddress();
  o.prefix_length = VethLab::kPrefixLength;
  // The link between tcplab's host and the wire drops what exceeds its MTU
  // (1500 unless set): give it the veth's.
  o.outbound.mtu = o.inbound.mtu = absl::GetFlag(FLAGS_mtu);
  o.gso = absl::GetFlag(FLAGS_gso);
  o.coalesce_acks = coalesce_acks;
  tcp::StackConfig c;
  c.send_buffer_bytes = absl::GetFlag(FLAGS_send_buffer);
  c.recv_buffer_bytes = absl::GetFlag(FLAGS_recv_buffer);
  const int mss = absl::GetFlag(FLAGS_mss);
  c.mss = static_cast<uint16_t>(mss > 0 ? mss : absl::GetFlag(FLAGS_mtu) - 40);
  return LiveHost::Open(o, c);
}

std::string DeviceStats(LiveHost& h) {
  const DeviceCounters& d = h.device().counters();
  const WireCounters& w = h.wire().wire_counters();
  auto per = [](uint64_t a, uint64_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / b; };
  return absl::StrFormat(
      "frames_read=%d read_calls=%d per_read=%.1f frames_written=%d write_calls=%d "
      "per_write=%.1f gso_frames=%d gso_segments=%d acks_coalesced=%d write_errors=%d "
      "kernel_drops=%d aggregates_split=%d loop_turns=%d",
      d.read, d.read_calls, per(d.read, d.read_calls), d.written, d.write_calls,
      per(d.written, d.write_calls), d.gso_frames, d.gso_segments, d.acks_coalesced,
      d.write_errors, d.kernel_drops, w.aggregates_split, h.loop().turns());
}

// What a tcplab run starts with: its name in the results ("tcplab-tx",
// "tcplab-rx-ackco", ...) and tcplab's live host; null (and r->error set)
// when the host could not be opened.
std::unique_ptr<LiveHost> StartTcplabRun(const char* direction, int rep, bool coalesce_acks,
                                         Result* r) {
  r->run = absl::StrCat("tcplab-", direction, coalesce_acks ? "-ackco" : "");
  r->rep = rep;
  absl::StatusOr<std::unique_ptr<LiveHost>> opened = OpenTcplab(coalesce_acks);
  if (!opened.ok()) {
    r->error = std::string(opened.status().message());
    return nullptr;
  }
  return *std::move(opened);
}

// Why the event loop of a run ended badly, or empty when its condition
// came true.
std::string LoopError(const absl::StatusOr<bool>& done) {
  if (!done.ok()) return std::string(done.status().message());
  return *done ? "" : "timed out";
}

Result TcplabTx(VethLab& lab, int rep, bool coalesce_acks) {
  Result r;
  std::unique_ptr<LiveHost> opened = StartTcplabRun("tx", rep, coalesce_acks, &r);
  if (opened == nullptr) return r;
  LiveHost& h = *opened;
  const uint64_t bytes = absl::GetFlag(FLAGS_bytes);
  const size_t chunk = absl::GetFlag(FLAGS_chunk);
  KernelSide rx;
  rx.loop = &h.loop();
  std::thread receiver = KernelReceiver(&lab, &rx, chunk);
  PatternSender sender(bytes, chunk);
  h.host().SetApplication(&sender);
  const double cpu0 = CpuSeconds();
  const Clock::time_point start = Clock::now();
  sender.Start(h.Now(), h.host(), VethLab::PeerAddress());
  absl::StatusOr<bool> done = h.Run(
      [&] {
        return !sender.error.empty() ||
               (rx.done && h.stack().State(sender.socket) == tcp::ConnectionState::kTimeWait);
      },
      absl::Seconds(300));
  receiver.join();
  r.cpu_s = CpuSeconds() - cpu0;
  r.bytes = rx.bytes;
  r.seconds = Seconds(start, rx.end);
  r.ok = done.ok() && *done && sender.error.empty() && rx.error.empty() && !rx.bad_data &&
         rx.bytes == bytes;
  r.error = LoopError(done);
  if (r.error.empty()) {
    r.error = !sender.error.empty() ? sender.error : rx.bad_data ? "wrong bytes received" : rx.error;
  }
  absl::StatusOr<tcp::ConnectionInfo> info = h.stack().Info(sender.socket);
  r.extra = absl::StrCat("verified=", r.ok ? rx.bytes : 0,
                         " retransmissions=", info.ok() ? info->retransmissions : 0,
                         " timeouts=", info.ok() ? info->timeouts : 0, " ", DeviceStats(h));
  return r;
}

Result TcplabRx(VethLab& lab, int rep, bool coalesce_acks) {
  Result r;
  std::unique_ptr<LiveHost> opened = StartTcplabRun("rx", rep, coalesce_acks, &r);
  if (opened == nullptr) return r;
  LiveHost& h = *opened;
  const uint64_t bytes = absl::GetFlag(FLAGS_bytes);
  const size_t chunk = absl::GetFlag(FLAGS_chunk);
  PatternSink sink;
  h.host().SetApplication(&sink);
  sink.Listen(h.Now(), h.host());
  KernelSide tx;
  tx.loop = &h.loop();
  const double cpu0 = CpuSeconds();
  const Clock::time_point start = Clock::now();
  std::thread sender = KernelSender(&lab, VethLab::TcplabAddress(), bytes, &tx, chunk);
  absl::StatusOr<bool> done = h.Run(
      [&] {
        return !sink.error.empty() || sink.bad_data ||
               (tx.done && sink.eof &&
                h.stack().State(sink.socket) == tcp::ConnectionState::kClosed);
      },
      absl::Seconds(300));
  sender.join();
  r.cpu_s = CpuSeconds() - cpu0;
  r.bytes = sink.received;
  r.seconds = Seconds(start, sink.end);
  r.ok = done.ok() && *done && sink.error.empty() && tx.error.empty() && !sink.bad_data &&
         sink.eof && sink.received == bytes;
  r.error = LoopError(done);
  if (r.error.empty()) {
    r.error = sink.bad_data ? "wrong bytes received" : !sink.error.empty() ? sink.error : tx.error;
  }
  r.extra = absl::StrCat("verified=", r.ok ? sink.received : 0,
                         " segments_received=", sink.info.segments_received,
                         " out_of_order_segments=", sink.info.out_of_order_segments, " ",
                         DeviceStats(h));
  return r;
}

int Main() {
  VethLab::Options lo;
  lo.mtu = absl::GetFlag(FLAGS_mtu);
  absl::StatusOr<std::unique_ptr<VethLab>> made = VethLab::Create(lo);
  if (!made.ok()) {
    std::fprintf(stderr, "live_bulk: %s\n", std::string(made.status().message()).c_str());
    return 2;
  }
  VethLab& lab = **made;
  for (const auto& [cmd, peer] : {std::pair(absl::GetFlag(FLAGS_local_setup), false),
                                  std::pair(absl::GetFlag(FLAGS_peer_setup), true)}) {
    if (cmd.empty()) continue;
    absl::StatusOr<std::string> out = peer ? lab.PeerCommand(cmd) : VethLab::LocalCommand(cmd);
    std::printf("setup (%s): %s\n", peer ? "peer" : "local", cmd.c_str());
    if (!out.ok()) {
      std::fprintf(stderr, "live_bulk: %s\n", std::string(out.status().message()).c_str());
      return 2;
    }
  }
  // The kernel's settings that matter, for the record.
  for (const char* cmd : {"ethtool -k tl0 2>/dev/null | grep -E "
                          "'^(tcp-segmentation-offload|generic-receive-offload|"
                          "generic-segmentation-offload):' | tr '\\n' ' '",
                          "sysctl -n net.ipv4.tcp_congestion_control"}) {
    absl::StatusOr<std::string> out = VethLab::LocalCommand(cmd);
    if (out.ok()) std::printf("kernel: %s\n", std::string(absl::StripTrailingAsciiWhitespace(*out)).c_str());
  }
  std::printf("setup: veth tl0 <-> k0, MTU %d; tcplab MSS %d, buffers %llu/%llu bytes\n", lo.mtu,
              absl::GetFlag(FLAGS_mss) > 0 ? absl::GetFlag(FLAGS_mss) : lo.mtu - 40,
              static_cast<unsigned long long>(absl::GetFlag(FLAGS_send_buffer)),
              static_cast<unsigned long long>(absl::GetFlag(FLAGS_recv_buffer)));

  const std::vector<std::string> runs = absl::StrSplit(absl::GetFlag(FLAGS_runs), ',');
  auto wanted = [&](const std::string& name) {
    return std::find(runs.begin(), runs.end(), name) != runs.end();
  };
  const bool iperf = !absl::GetFlag(FLAGS_iperf3).empty() &&
                     (wanted("kernel-iperf3") || wanted("kernel-iperf3-R"));
  if (iperf) {
    absl::StatusOr<pid_t> server = lab.SpawnInPeer(
        absl::StrCat("exec ", absl::GetFlag(FLAGS_iperf3), " -s -p ", kIperfPort, " >/dev/null 2>&1"));
    if (!server.ok()) {
      std::fprintf(stderr, "live_bulk: %s\n", std::string(server.status().message()).c_str());
      return 2;
    }
    usleep(300'000);
  }
  bool all_ok = true;
  for (int rep = 1; rep <= absl::GetFlag(FLAGS_reps); ++rep) {
    std::vector<Result> results;
    if (iperf && wanted("kernel-iperf3")) results.push_back(KernelIperf(rep, false)), Print(results.back());
    if (iperf && wanted("kernel-iperf3-R")) results.push_back(KernelIperf(rep, true)), Print(results.back());
    if (wanted("kernel-threads")) results.push_back(KernelThreads(lab, rep)), Print(results.back());
    if (wanted("tcplab-tx")) results.push_back(TcplabTx(lab, rep, false)), Print(results.back());
    if (wanted("tcplab-rx")) results.push_back(TcplabRx(lab, rep, false)), Print(results.back());
    if (wanted("tcplab-rx-ackco")) results.push_back(TcplabRx(lab, rep, true)), Print(results.back());
    for (const Result& r : results) all_ok = all_ok && r.ok;
  }
  return all_ok ? 0 : 1;
}

}  // namespace
}  // namespace tcplab::live

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "tcplab's bulk throughput on a live veth pair against the Linux kernel's TCP "
      "(run as root; see tools/bench/README.md)");
  absl::ParseCommandLine(argc, argv);
  return tcplab::live::Main();
}
