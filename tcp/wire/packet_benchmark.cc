// Parse and serialize costs per packet (the simulator does both for every
// segment). Run: bazel run -c opt //tcp/wire:packet_benchmark

#include <vector>

#include "benchmark/benchmark.h"
#include "tcp/wire/packet.h"
#include "tcp/wire/render.h"

namespace tcplab::wire {
namespace {

Packet DataSegment(const std::vector<uint8_t>& payload) {
  Packet p;
  p.ip.src = Ipv4Address(10, 0, 0, 1);
  p.ip.dst = Ipv4Address(10, 0, 0, 2);
  p.tcp.src_port = 49152;
  p.tcp.dst_port = 80;
  p.tcp.seq = Seq(1);
  p.tcp.ack = Seq(1);
  p.tcp.flags = flags::kAck | flags::kPsh;
  p.tcp.window = 502;
  p.tcp.options.timestamps = Timestamps{1, 2};
  p.payload = payload;
  return p;
}

void BM_Serialize(benchmark::State& state) {
  const std::vector<uint8_t> payload(state.range(0), 0x5a);
  const Packet p = DataSegment(payload);
  std::vector<uint8_t> out(SerializedSize(p));
  for (auto _ : state) {
    benchmark::DoNotOptimize(SerializePacket(p, absl::MakeSpan(out)));
  }
  state.SetBytesProcessed(state.iterations() * out.size());
}
BENCHMARK(BM_Serialize)->Arg(0)->Arg(1448);

void BM_Parse(benchmark::State& state) {
  const std::vector<uint8_t> payload(state.range(0), 0x5a);
  const Packet p = DataSegment(payload);
  std::vector<uint8_t> bytes(SerializedSize(p));
  SerializePacket(p, absl::MakeSpan(bytes));
  for (auto _ : state) {
    Packet q;
    benchmark::DoNotOptimize(ParsePacket(bytes, &q));
    benchmark::DoNotOptimize(q);
  }
  state.SetBytesProcessed(state.iterations() * bytes.size());
}
BENCHMARK(BM_Parse)->Arg(0)->Arg(1448);

void BM_Render(benchmark::State& state) {
  const std::vector<uint8_t> payload(1448, 0x5a);
  const Packet p = DataSegment(payload);
  for (auto _ : state) benchmark::DoNotOptimize(RenderPacket(p));
}
BENCHMARK(BM_Render);

}  // namespace
}  // namespace tcplab::wire
