#include "tcp/isn.h"

namespace tcplab::tcp {
namespace {

inline uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct SipState {
  uint64_t v0, v1, v2, v3;
  void Round() {
    v0 += v1; v1 = Rotl(v1, 13); v1 ^= v0; v0 = Rotl(v0, 32);
    v2 += v3; v3 = Rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = Rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = Rotl(v1, 17); v1 ^= v2; v2 = Rotl(v2, 32);
  }
  void Compress(uint64_t m) {
    v3 ^= m;
    Round();
    Round();
    v0 ^= m;
  }
};

uint64_t LoadLe(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

}  // namespace

uint64_t SipHash24(const std::array<uint64_t, 2>& key,
                   absl::Span<const uint8_t> data) {
  SipState s{key[0] ^ 0x736f6d6570736575ull, key[1] ^ 0x646f72616e646f6dull,
             key[0] ^ 0x6c7967656e657261ull, key[1] ^ 0x7465646279746573ull};
  size_t full = data.size() / 8 * 8;
  for (size_t i = 0; i < full; i += 8) s.Compress(LoadLe(data.data() + i, 8));
  uint64_t last = uint64_t{static_cast<uint8_t>(data.size())} << 56;
  last |= LoadLe(data.data() + full, data.size() - full);
  s.Compress(last);
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.Round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

wire::Seq IsnGenerator::Generate(Instant now, wire::Ipv4Address local_ip,
                                 uint16_t local_port,
                                 wire::Ipv4Address remote_ip,
                                 uint16_t remote_port) const {
  uint8_t buf[12];
  auto put32 = [&](int at, uint32_t v) {
    buf[at] = v >> 24; buf[at + 1] = v >> 16; buf[at + 2] = v >> 8; buf[at + 3] = v;
  };
  put32(0, local_ip.value());
  put32(4, remote_ip.value());
  buf[8] = local_port >> 8; buf[9] = local_port & 0xff;
  buf[10] = remote_port >> 8; buf[11] = remote_port & 0xff;
  uint32_t f = static_cast<uint32_t>(SipHash24(secret_, absl::MakeConstSpan(buf)));
  int64_t tick_ns = absl::ToInt64Nanoseconds(tick_);
  uint32_t m = tick_ns > 0 ? static_cast<uint32_t>(now.nanos() / tick_ns) : 0;
  return wire::Seq(f + m);
}

}  // namespace tcplab::tcp
