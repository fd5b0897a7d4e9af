#include "tcp/wire/checksum.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "tcp/wire/byte_order.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tcplab::wire {
namespace {

// Folds a one's-complement sum held in 64 bits to 16 (end-around carries).
// 0 stays 0; any other multiple of 0xffff becomes 0xffff.
inline uint16_t Fold64(uint64_t sum) {
  sum = (sum & 0xffffffff) + (sum >> 32);
  sum = (sum & 0xffffffff) + (sum >> 32);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// The sum, as one exact integer, of the 8-byte words at p read as 32-bit
// halves in the machine's byte order. RFC 1071 §2(B): the one's-complement
// sum is independent of byte order up to a final swap, so the caller folds
// and swaps on little-endian machines. Every kernel below returns a value
// that folds (Fold64) to the same 16 bits for the same bytes: the folded
// one's-complement sum of the native 16-bit words, 0 only when all are 0.
uint64_t ScalarSum64(const uint8_t* p, size_t words) {
  // 32-bit halves add into a 64-bit sum: no carry chain between
  // iterations, and no overflow before 2^32 words (32 GiB).
  uint64_t sum = 0;
  for (size_t w = 0; w < words; ++w) {
    uint64_t v;
    std::memcpy(&v, p + 8 * w, 8);
    sum += (v & 0xffffffff) + (v >> 32);
  }
  return sum;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define TCPLAB_CHECKSUM_X86 1
#endif

#if defined(__SSE2__) || defined(TCPLAB_CHECKSUM_X86)
// Sixteen bytes per step with SSE2 (part of x86-64): each native 16-bit
// word x has its top bit flipped, which reads it as the signed x - 32768,
// and _mm_madd_epi16 against ones adds pairs of them into 32-bit lanes.
// The exact sum is then the lanes' total plus 32768 per word. A lane moves
// by at most 65536 per step, so lanes are widened into 64 bits every 16384
// steps, long before they could overflow.
uint64_t Sse2Sum64(const uint8_t* p, size_t words) {
  const __m128i flip = _mm_set1_epi16(static_cast<int16_t>(0x8000));
  const __m128i ones = _mm_set1_epi16(1);
  int64_t total = 0;
  size_t w = 0;
  const size_t pairs = words / 2;
  size_t done_pairs = 0;
  while (done_pairs < pairs) {
    const size_t chunk = std::min<size_t>(pairs - done_pairs, 16384);
    __m128i acc0 = _mm_setzero_si128();
    __m128i acc1 = _mm_setzero_si128();
    size_t i = 0;
    for (; i + 2 <= chunk; i += 2) {
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * (done_pairs + i)));
      const __m128i b =
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * (done_pairs + i + 1)));
      acc0 = _mm_add_epi32(acc0, _mm_madd_epi16(_mm_xor_si128(a, flip), ones));
      acc1 = _mm_add_epi32(acc1, _mm_madd_epi16(_mm_xor_si128(b, flip), ones));
    }
    if (i < chunk) {
      const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * (done_pairs + i)));
      acc0 = _mm_add_epi32(acc0, _mm_madd_epi16(_mm_xor_si128(a, flip), ones));
    }
    // Each accumulator took at most 8192 steps: |lane| <= 2^29, so the
    // two add without overflow.
    alignas(16) int32_t lanes[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes), _mm_add_epi32(acc0, acc1));
    total += int64_t{lanes[0]} + lanes[1] + lanes[2] + lanes[3];
    done_pairs += chunk;
  }
  w = 2 * pairs;
  // 8 native 16-bit words per pair of 8-byte words.
  uint64_t sum = static_cast<uint64_t>(total + int64_t{32768} * 8 * static_cast<int64_t>(pairs));
  return sum + ScalarSum64(p + 8 * w, words - w);
}
#endif

#if defined(TCPLAB_CHECKSUM_X86)
// The same with AVX2, thirty-two bytes per step, for the machines that
// have it (chosen at run time: the build targets baseline x86-64).
__attribute__((target("avx2"))) uint64_t Avx2Sum64(const uint8_t* p, size_t words) {
  const __m256i flip = _mm256_set1_epi16(static_cast<int16_t>(0x8000));
  const __m256i ones = _mm256_set1_epi16(1);
  const size_t quads = words / 4;
  int64_t total = 0;
  size_t done = 0;
  while (done < quads) {
    const size_t chunk = std::min<size_t>(quads - done, 16384);
    __m256i acc0 = _mm256_setzero_si256();
    __m256i acc1 = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 2 <= chunk; i += 2) {
      const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * (done + i)));
      const __m256i b =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * (done + i + 1)));
      acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(_mm256_xor_si256(a, flip), ones));
      acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(_mm256_xor_si256(b, flip), ones));
    }
    if (i < chunk) {
      const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * (done + i)));
      acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(_mm256_xor_si256(a, flip), ones));
    }
    // As above, the two accumulators add without overflow; the eight
    // lanes are then widened to 64 bits and added.
    const __m256i acc = _mm256_add_epi32(acc0, acc1);
    const __m256i wide = _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(acc)),
                                          _mm256_cvtepi32_epi64(_mm256_extracti128_si256(acc, 1)));
    const __m128i half =
        _mm_add_epi64(_mm256_castsi256_si128(wide), _mm256_extracti128_si256(wide, 1));
    total += _mm_cvtsi128_si64(half) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(half, half));
    done += chunk;
  }
  // 16 native 16-bit words per 32 bytes.
  const uint64_t sum =
      static_cast<uint64_t>(total + int64_t{32768} * 16 * static_cast<int64_t>(quads));
  const size_t w = 4 * quads;
  return sum + ScalarSum64(p + 8 * w, words - w);
}

bool HaveAvx2() {
  static const bool have = __builtin_cpu_supports("avx2");
  return have;
}
#endif

// This is the hot loop of every segment sent and received.
uint16_t NativeSum64(const uint8_t* p, size_t words) {
  // Short ranges (headers, ACKs) are cheaper without vector set-up.
  if (words < 8) return Fold64(ScalarSum64(p, words));
#if defined(TCPLAB_CHECKSUM_X86)
  if (HaveAvx2()) return Fold64(Avx2Sum64(p, words));
#endif
#if defined(__SSE2__) || defined(TCPLAB_CHECKSUM_X86)
  return Fold64(Sse2Sum64(p, words));
#else
  return Fold64(ScalarSum64(p, words));
#endif
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

void ChecksumAccumulator::AddOddU16(uint16_t host_order) {
  const uint8_t b[2] = {static_cast<uint8_t>(host_order >> 8), static_cast<uint8_t>(host_order)};
  Add(b);
}

uint16_t InternetChecksum(absl::Span<const uint8_t> bytes) {
  // IPv4 headers (20 to 60 bytes, whole 32-bit words) on every packet sent
  // and received: sum the words directly, in the machine's byte order, and
  // swap once (RFC 1071 §2(B)).
  if (bytes.size() <= 60 && bytes.size() % 4 == 0) {
    auto word = [&bytes](size_t i) {
      uint32_t v;
      std::memcpy(&v, bytes.data() + i, 4);
      return uint64_t{v};
    };
    uint64_t sum = 0;
    if (bytes.size() == 20) {  // no IP options: nearly every packet, unrolled
      sum = word(0) + word(4) + word(8) + word(12) + word(16);
    } else {
      for (size_t i = 0; i < bytes.size(); i += 4) sum += word(i);
    }
    uint16_t folded = Fold64(sum);
    if constexpr (std::endian::native == std::endian::little) {
      folded = static_cast<uint16_t>(folded << 8 | folded >> 8);
    }
    return static_cast<uint16_t>(~folded);
  }
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

bool CompletePendingChecksum(absl::Span<uint8_t> p) {
  if (p.size() < 20 || (p[0] >> 4) != 4) return false;
  const size_t ihl = (p[0] & 0x0f) * 4u;
  const size_t total = GetU16(&p[2]);
  if (ihl < 20 || total < ihl || total > p.size()) return false;
  const uint8_t protocol = p[9];
  size_t field;
  if (protocol == 6) {
    field = 16;
  } else if (protocol == 17) {
    field = 6;
  } else {
    return false;
  }
  const size_t len = total - ihl;
  if (len < field + 2) return false;
  uint8_t* l4 = p.data() + ihl;
  PutU16(l4 + field, 0);
  ChecksumAccumulator acc;
  acc.Add(p.subspan(12, 8));  // source and destination
  acc.AddU16(protocol);
  acc.AddU16(static_cast<uint16_t>(len));
  acc.Add(absl::MakeConstSpan(l4, len));
  uint16_t sum = acc.Finish();
  if (protocol == 17 && sum == 0) sum = 0xffff;  // RFC 768: 0 means "none"
  PutU16(l4 + field, sum);
  return true;
}

}  // namespace tcplab::wire
