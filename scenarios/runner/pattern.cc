#include "scenarios/runner/pattern.h"

#include <algorithm>

namespace tcplab::scenario::runner {
namespace {

// SplitMix64's finalizer: every input bit affects every output bit.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t Word(uint64_t key, uint64_t index) { return Mix(key ^ Mix(index)); }

}  // namespace

uint64_t PatternKey(wire::Ipv4Address a, uint16_t a_port, wire::Ipv4Address b,
                    uint16_t b_port) {
  uint64_t x = (uint64_t{a.value()} << 16) | a_port;
  uint64_t y = (uint64_t{b.value()} << 16) | b_port;
  if (y < x) std::swap(x, y);
  return Mix(Mix(x) ^ y);
}

uint8_t PatternByte(uint64_t key, uint64_t offset) {
  return static_cast<uint8_t>(Word(key, offset >> 3) >> (8 * (offset & 7)));
}

void FillPattern(uint64_t key, uint64_t offset, absl::Span<uint8_t> out) {
  uint8_t* p = out.data();
  const size_t size = out.size();
  size_t i = 0;
  while (i < size) {
    const uint64_t pos = offset + i;
    const uint64_t w = Word(key, pos >> 3);
    for (unsigned b = pos & 7; b < 8 && i < size; ++b, ++i) {
      p[i] = static_cast<uint8_t>(w >> (8 * b));
    }
  }
}

uint64_t CountMismatches(uint64_t key, uint64_t offset, absl::Span<const uint8_t> data) {
  uint64_t bad = 0;
  const uint8_t* p = data.data();
  const size_t size = data.size();
  size_t i = 0;
  while (i < size) {
    const uint64_t pos = offset + i;
    const uint64_t w = Word(key, pos >> 3);
    for (unsigned b = pos & 7; b < 8 && i < size; ++b, ++i) {
      if (p[i] != static_cast<uint8_t>(w >> (8 * b))) ++bad;
    }
  }
  return bad;
}

}  // namespace tcplab::scenario::runner
