// Cost of the established-state paths, per full-size segment.
//
//   BM_ReceivePath/1: Input of one in-order 1460-byte segment (parse, checksum,
//     demux, acceptability, copy into the receive ring, ACK serialization
//     into the sink) plus Receive of its bytes.
//   BM_SendPath: Send of 1460 bytes (copy into the send ring, segment
//     assembly, serialization and checksum), plus the peer's ACK every 16
//     segments (amortized).
//   BM_LoopbackTransfer: both together, with an ACK per segment.
//
// Each reports allocs_per_seg from a counting operator new (must be 0).

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "benchmark/benchmark.h"
#include "tcp/stack.h"
#include "tcp/testing/counting_new.h"
#include "tcp/testing/loopback.h"
#include "tcp/wire/packet.h"


namespace tcplab::tcp {
namespace {

namespace fl = wire::flags;

class NullSink : public PacketSink {
 public:
  void Transmit(absl::Span<const uint8_t> p) override {
    ++packets;
    last_size = p.size();
  }
  uint64_t packets = 0;
  size_t last_size = 0;
};

class CaptureLast : public PacketSink {
 public:
  void Transmit(absl::Span<const uint8_t> p) override { last.assign(p.begin(), p.end()); }
  std::vector<uint8_t> last;
};

std::vector<uint8_t> Build(uint32_t seq, uint32_t ack, uint8_t flags,
                           absl::Span<const uint8_t> payload, uint16_t window = 65535) {
  wire::Packet p;
  p.ip.src = wire::Ipv4Address(10, 0, 0, 2);
  p.ip.dst = wire::Ipv4Address(10, 0, 0, 1);
  p.tcp.src_port = 5000;
  p.tcp.dst_port = 80;
  p.tcp.seq = wire::Seq(seq);
  p.tcp.ack = wire::Seq(ack);
  p.tcp.flags = flags;
  p.tcp.window = window;
  if (flags & fl::kSyn) p.tcp.options.mss = 1460;
  p.payload = payload;
  std::vector<uint8_t> out(wire::SerializedSize(p));
  wire::SerializePacket(p, absl::MakeSpan(out));
  return out;
}

// A stack with one established, passively opened connection to a fake
// peer 10.0.0.2:5000 whose ISN is 1000. Returns our ISS.
uint32_t Establish(Stack& s, CaptureLast& cap, SocketId* id) {
  SocketId l = *s.Listen(Instant::Zero(), 80, 4);
  s.Input(Instant::Zero(), Build(1000, 0, fl::kSyn, {}));
  wire::Packet synack;
  wire::ParsePacket(cap.last, &synack);
  uint32_t iss = synack.tcp.seq.raw();
  s.Input(Instant::Zero(), Build(1001, iss + 1, fl::kAck, {}));
  *id = *s.Accept(Instant::Zero(), l);
  while (s.PollEvent()) {}
  return iss;
}

struct Forwarder : PacketSink {
  PacketSink* target = nullptr;
  void Transmit(absl::Span<const uint8_t> p) override { target->Transmit(p); }
};

void BM_ReceivePath(benchmark::State& state) {
  Forwarder fwd;
  CaptureLast cap;
  NullSink null;
  fwd.target = &cap;
  StackConfig c;
  c.local_address = wire::Ipv4Address(10, 0, 0, 1);
  c.verify_checksums = state.range(0) != 0;
  Stack s(c, &fwd);
  SocketId id;
  uint32_t iss = Establish(s, cap, &id);
  fwd.target = &null;
  std::vector<uint8_t> payload(1460, 0x5a);
  std::vector<uint8_t> out(4096);
  constexpr int kBatch = 4096;
  std::vector<std::vector<uint8_t>> batch(kBatch);
  uint32_t seq = 1001;
  // Bytes built so far, in 64 bits: a fast run passes 4 GiB, where seq wraps.
  uint64_t built = 0;
  int next = kBatch;
  int64_t t = 0;
  int64_t allocs = 0;
  for (auto _ : state) {
    if (next == kBatch) {
      state.PauseTiming();
      for (auto& b : batch) {
        b = Build(seq, iss + 1, fl::kAck, payload);
        seq += 1460;
        built += 1460;
      }
      next = 0;
      state.ResumeTiming();
    }
    int64_t before = testing::AllocationCount();
    t += 1000;
    s.Input(Instant::FromNanos(t), batch[next++]);
    benchmark::DoNotOptimize(s.Receive(Instant::FromNanos(t), id, absl::MakeSpan(out)));
    while (s.PollEvent()) {}
    allocs += testing::AllocationCount() - before;
  }
  state.counters["allocs_per_seg"] =
      benchmark::Counter(static_cast<double>(allocs) / state.iterations());
  state.SetBytesProcessed(state.iterations() * 1460);
  if (s.Info(id)->bytes_received != built - static_cast<uint64_t>(kBatch - next) * 1460) {
    state.SkipWithError("bytes lost");
  }
}
// Arg: 1 verifies checksums (as the simulator does), 0 skips it (live
// backends with checksum offload), isolating the checksum's share.
BENCHMARK(BM_ReceivePath)->Arg(1)->Arg(0);

void BM_SendPath(benchmark::State& state) {
  Forwarder fwd;
  CaptureLast cap;
  NullSink null;
  fwd.target = &cap;
  StackConfig c;
  c.local_address = wire::Ipv4Address(10, 0, 0, 1);
  Stack s(c, &fwd);
  SocketId id;
  uint32_t iss = Establish(s, cap, &id);
  fwd.target = &null;
  std::vector<uint8_t> payload(1460, 0x5a);
  uint32_t acked = iss + 1;
  std::vector<uint8_t> ack_pkt;
  ack_pkt.reserve(64);
  int64_t t = 0;
  int64_t allocs = 0;
  uint64_t n = 0;
  for (auto _ : state) {
    int64_t before = testing::AllocationCount();
    t += 1000;
    benchmark::DoNotOptimize(s.Send(Instant::FromNanos(t), id, payload));
    if (++n % 16 == 0) {
      acked += 16 * 1460;
      wire::Packet p;
      p.ip.src = wire::Ipv4Address(10, 0, 0, 2);
      p.ip.dst = wire::Ipv4Address(10, 0, 0, 1);
      p.tcp.src_port = 5000;
      p.tcp.dst_port = 80;
      p.tcp.seq = wire::Seq(1001);
      p.tcp.ack = wire::Seq(acked);
      p.tcp.flags = fl::kAck;
      p.tcp.window = 65535;
      ack_pkt.resize(wire::SerializedSize(p));
      wire::SerializePacket(p, absl::MakeSpan(ack_pkt));
      s.Input(Instant::FromNanos(t), ack_pkt);
      while (s.PollEvent()) {}
    }
    allocs += testing::AllocationCount() - before;
  }
  state.counters["allocs_per_seg"] =
      benchmark::Counter(static_cast<double>(allocs) / state.iterations());
  state.SetBytesProcessed(state.iterations() * 1460);
  if (null.packets < n) state.SkipWithError("segments not sent");
}
BENCHMARK(BM_SendPath);

void BM_LoopbackTransfer(benchmark::State& state) {
  testing::Loopback net;
  std::vector<uint8_t> chunk(1460, 0x11);
  std::vector<uint8_t> sink(65536);
  for (int i = 0; i < 100; ++i) net.Step(chunk, absl::MakeSpan(sink));
  int64_t allocs = 0;
  for (auto _ : state) {
    int64_t before = testing::AllocationCount();
    benchmark::DoNotOptimize(net.Step(chunk, absl::MakeSpan(sink)));
    allocs += testing::AllocationCount() - before;
  }
  state.counters["allocs_per_seg"] =
      benchmark::Counter(static_cast<double>(allocs) / state.iterations());
  state.SetBytesProcessed(state.iterations() * 1460);
}
BENCHMARK(BM_LoopbackTransfer);

}  // namespace
}  // namespace tcplab::tcp

BENCHMARK_MAIN();
