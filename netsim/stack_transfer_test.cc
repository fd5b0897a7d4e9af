// The TCP engine on the simulator: bulk transfers through impaired links.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "netsim/network.h"
#include "netsim/sim_host.h"
#include "netsim/stack_host.h"
#include "tcp/stack.h"

namespace tcplab::netsim {
namespace {

const wire::Ipv4Address kClient(10, 0, 0, 1);
const wire::Ipv4Address kServer(10, 0, 0, 2);
constexpr uint16_t kPort = 5001;

uint8_t PatternByte(size_t i) { return static_cast<uint8_t>((i * 131 + i / 251) & 0xff); }

// Connects, writes `total` bytes, shuts down.
class BulkSender : public Application {
 public:
  explicit BulkSender(size_t total) : total_(total) {}
  void Start(Instant now, StackHost& host) {
    auto id = host.stack().Connect(now, kServer, kPort);
    ASSERT_TRUE(id.ok()) << id.status();
    socket_ = *id;
    host.Kick(now);
  }
  void OnEvent(Instant now, StackHost& host, const tcp::Event& e) override {
    if (e.socket != socket_) return;
    if (e.kind == tcp::EventKind::kConnected || e.kind == tcp::EventKind::kWritable) {
      Pump(now, host);
    }
    if (e.kind == tcp::EventKind::kReset || e.kind == tcp::EventKind::kTimedOut) failed = true;
  }
  bool failed = false;

 private:
  void Pump(Instant now, StackHost& host) {
    std::vector<uint8_t> chunk;
    while (sent_ < total_) {
      const size_t n = std::min<size_t>(16384, total_ - sent_);
      chunk.resize(n);
      for (size_t i = 0; i < n; ++i) chunk[i] = PatternByte(sent_ + i);
      auto took = host.stack().Send(now, socket_, chunk);
      ASSERT_TRUE(took.ok()) << took.status();
      sent_ += *took;
      if (*took < n) return;  // buffer full: wait for kWritable
    }
    if (!shut_) {
      shut_ = true;
      ASSERT_TRUE(host.stack().Shutdown(now, socket_).ok());
    }
  }
  size_t total_;
  size_t sent_ = 0;
  bool shut_ = false;
  tcp::SocketId socket_ = tcp::kInvalidSocket;
};

// Listens, accepts one connection, reads everything, checks the bytes.
class Sink : public Application {
 public:
  void Listen(Instant now, StackHost& host) {
    auto id = host.stack().Listen(now, kPort, 4);
    ASSERT_TRUE(id.ok());
    listener_ = *id;
  }
  void OnEvent(Instant now, StackHost& host, const tcp::Event& e) override {
    tcp::Stack& s = host.stack();
    if (e.socket == listener_ && e.kind == tcp::EventKind::kAcceptable) {
      auto id = s.Accept(now, listener_);
      if (id.ok()) socket_ = *id;
    }
    if (socket_ == tcp::kInvalidSocket) return;
    std::vector<uint8_t> buf(65536);
    while (true) {
      auto n = s.Receive(now, socket_, absl::MakeSpan(buf));
      if (!n.ok() || *n == 0) break;
      for (size_t i = 0; i < *n; ++i) {
        if (buf[i] != PatternByte(received + i)) ++mismatches;
      }
      received += *n;
    }
    if (!eof && s.GetReadiness(socket_).eof) {
      eof = true;
      eof_at = now;
      (void)s.Close(now, socket_);
    }
  }
  size_t received = 0;
  size_t mismatches = 0;
  bool eof = false;
  Instant eof_at = Instant::Infinite();

 private:
  tcp::SocketId listener_ = tcp::kInvalidSocket;
  tcp::SocketId socket_ = tcp::kInvalidSocket;
};

tcp::StackConfig Config(wire::Ipv4Address addr) {
  tcp::StackConfig c;
  c.local_address = addr;
  return c;
}

struct TransferResult {
  size_t received = 0;
  size_t mismatches = 0;
  bool eof = false;
  bool sender_failed = false;
  Instant done = Instant::Infinite();
  std::string trace_digest;
};

TransferResult Transfer(size_t total, const LinkParams& forward, const LinkParams& back,
                        uint64_t seed, std::function<void(Link*)> setup = nullptr) {
  Simulator sim;
  Network net(&sim, seed);
  SimHost* client_host = net.AddHost("client", kClient).value();
  SimHost* server_host = net.AddHost("server", kServer).value();
  Link* link = net.Connect(client_host, server_host, forward, back).value();
  if (setup) setup(link);
  StackHost client(client_host, Config(kClient));
  StackHost server(server_host, Config(kServer));
  client_host->SetClient(&client);
  server_host->SetClient(&server);
  BulkSender sender(total);
  Sink sink;
  client.SetApplication(&sender);
  server.SetApplication(&sink);
  // A digest of the trace (FNV-1a of every line) to compare runs cheaply.
  uint64_t digest = 0xcbf29ce484222325ULL;
  net.SetTraceHook([&](const PacketEvent& e) {
    for (unsigned char ch : FormatPacketEvent(e)) {
      digest ^= ch;
      digest *= 0x100000001b3ULL;
    }
  });
  sink.Listen(sim.Now(), server);
  sender.Start(sim.Now(), client);
  sim.RunUntilCondition([&] { return sink.eof || sender.failed; },
                        Instant::Zero() + absl::Seconds(600));
  TransferResult r;
  r.received = sink.received;
  r.mismatches = sink.mismatches;
  r.eof = sink.eof;
  r.sender_failed = sender.failed;
  r.done = sink.eof_at;
  r.trace_digest = std::to_string(digest);
  return r;
}

TEST(StackTransferTest, OneMegabyteOverACleanLink) {
  LinkParams p;
  p.delay = absl::Milliseconds(10);
  p.rate_bps = 100000000;
  const TransferResult r = Transfer(1 << 20, p, p, 1);
  // Window-limited (64 KiB per 20 ms round trip): about 0.36 s.
  EXPECT_LT(r.done, Instant::Zero() + absl::Seconds(1));
  EXPECT_FALSE(r.sender_failed);
  EXPECT_TRUE(r.eof);
  EXPECT_EQ(r.received, size_t{1} << 20);
  EXPECT_EQ(r.mismatches, 0u);
}

TEST(StackTransferTest, OneMegabyteUnderLossReorderDuplicationAndCorruption) {
  LinkParams p;
  p.delay = absl::Milliseconds(10);
  p.jitter = absl::Milliseconds(2);
  p.jitter_distribution = Distribution::kNormal;
  p.rate_bps = 20000000;
  p.limit_packets = 100;
  p.loss = 0.01;
  p.duplicate = 0.01;
  p.corrupt = 0.005;
  LinkParams back = p;
  back.jitter = absl::ZeroDuration();
  const TransferResult r = Transfer(1 << 20, p, back, 7);
  EXPECT_FALSE(r.sender_failed);
  EXPECT_TRUE(r.eof);
  EXPECT_EQ(r.received, size_t{1} << 20);
  EXPECT_EQ(r.mismatches, 0u);
  // The same seed gives the same run; another seed another one.
  EXPECT_EQ(Transfer(1 << 20, p, back, 7).trace_digest, r.trace_digest);
  EXPECT_NE(Transfer(1 << 20, p, back, 8).trace_digest, r.trace_digest);
}

TEST(StackTransferTest, TenMegabytesUnderBurstLossReorderAndAnOutage) {
  LinkParams p;
  p.delay = absl::Milliseconds(20);
  p.rate_bps = 50000000;
  p.limit_packets = 50;
  p.gemodel = GilbertElliott{.p = 0.005, .r = 0.3, .one_minus_h = 0.8, .one_minus_k = 0.002};
  p.reorder = 0.02;
  p.reorder_gap = 5;
  LinkParams back;
  back.delay = absl::Milliseconds(20);
  back.loss = 0.01;
  // A 2-second cable pull in the middle: the engine must back off and
  // recover once the link returns.
  const TransferResult r = Transfer(10 << 20, p, back, 3, [](Link* link) {
    link->SetUpAt(Instant::Zero() + absl::Seconds(1), false);
    link->SetUpAt(Instant::Zero() + absl::Seconds(3), true);
  });
  EXPECT_GT(r.done, Instant::Zero() + absl::Seconds(3));
  EXPECT_FALSE(r.sender_failed);
  EXPECT_TRUE(r.eof);
  EXPECT_EQ(r.received, size_t{10} << 20);
  EXPECT_EQ(r.mismatches, 0u);
}

}  // namespace
}  // namespace tcplab::netsim
