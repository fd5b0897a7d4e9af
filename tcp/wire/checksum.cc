#include "tcp/wire/checksum.h"

#include <bit>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tcplab::wire {
namespace {

// One's-complement sum of the 8-byte words at p, read in the machine's byte
// order, folded to 16 bits. RFC 1071 §2(B): the sum is independent of byte
// order up to a final swap, so the caller swaps on little-endian machines.
// This is the hot loop of every segment sent and received: eight bytes per
// addition instead of two.
uint16_t NativeSum64(const uint8_t* p, size_t words) {
  // 32-bit halves of the words add into 64-bit sums: no carry chain between
  // iterations, and no sum can overflow before 2^32 words (32 GiB), far
  // beyond any packet.
  uint64_t sum = 0;
  size_t w = 0;
#if defined(__SSE2__)
  // Two words per step: each 32-bit lane widens to 64 bits and adds.
  const __m128i zero = _mm_setzero_si128();
  __m128i acc_lo = zero;
  __m128i acc_hi = zero;
  for (; w + 2 <= words; w += 2) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 8 * w));
    acc_lo = _mm_add_epi64(acc_lo, _mm_unpacklo_epi32(v, zero));
    acc_hi = _mm_add_epi64(acc_hi, _mm_unpackhi_epi32(v, zero));
  }
  alignas(16) uint64_t lanes[2];
  _mm_store_si128(reinterpret_cast<__m128i*>(lanes), _mm_add_epi64(acc_lo, acc_hi));
  sum = lanes[0] + lanes[1];
#endif
  for (; w < words; ++w) {
    uint64_t v;
    std::memcpy(&v, p + 8 * w, 8);
    sum += (v & 0xffffffff) + (v >> 32);
  }
  sum = (sum & 0xffffffff) + (sum >> 32);
  sum = (sum & 0xffffffff) + (sum >> 32);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

}  // namespace

void ChecksumAccumulator::Add(absl::Span<const uint8_t> bytes) {
  size_t i = 0;
  const size_t n = bytes.size();
  if (n == 0) return;
  if (odd_) {
    sum_ += bytes[0];
    odd_ = false;
    i = 1;
  }
  // Here i is at an even position of the stream, so whole words follow.
  if (const size_t words = (n - i) / 8; words > 0) {
    uint16_t folded = NativeSum64(bytes.data() + i, words);
    if constexpr (std::endian::native == std::endian::little) {
      folded = static_cast<uint16_t>(folded << 8 | folded >> 8);
    }
    sum_ += folded;
    i += 8 * words;
  }
  // 2^64 / 2^16 words before overflow: no span is that long.
  for (; i + 1 < n; i += 2) {
    sum_ += static_cast<uint32_t>(bytes[i]) << 8 | bytes[i + 1];
  }
  if (i < n) {
    sum_ += static_cast<uint32_t>(bytes[i]) << 8;
    odd_ = true;
  }
}

void ChecksumAccumulator::AddU16(uint16_t host_order) {
  // At an even position of the stream the value is one whole word: this is
  // the pseudo-header's path, twice per checksum, so skip the byte loop.
  if (!odd_) {
    sum_ += host_order;
    return;
  }
  const uint8_t b[2] = {static_cast<uint8_t>(host_order >> 8), static_cast<uint8_t>(host_order)};
  Add(b);
}

void ChecksumAccumulator::AddU32(uint32_t host_order) {
  if (!odd_) {
    sum_ += (host_order >> 16) + (host_order & 0xffff);
    return;
  }
  const uint8_t b[4] = {static_cast<uint8_t>(host_order >> 24),
                        static_cast<uint8_t>(host_order >> 16),
                        static_cast<uint8_t>(host_order >> 8), static_cast<uint8_t>(host_order)};
  Add(b);
}

uint16_t ChecksumAccumulator::Finish() const {
  uint64_t s = sum_;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(~s);
}

uint16_t InternetChecksum(absl::Span<const uint8_t> bytes) {
  ChecksumAccumulator acc;
  acc.Add(bytes);
  return acc.Finish();
}

uint16_t TcpChecksum(Ipv4Address src, Ipv4Address dst, absl::Span<const uint8_t> tcp_segment) {
  ChecksumAccumulator acc;
  acc.AddU32(src.value());
  acc.AddU32(dst.value());
  acc.AddU16(6);  // zero byte, then protocol TCP
  acc.AddU16(static_cast<uint16_t>(tcp_segment.size()));
  acc.Add(tcp_segment);
  return acc.Finish();
}

}  // namespace tcplab::wire
