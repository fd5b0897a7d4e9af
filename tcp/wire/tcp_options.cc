#include "tcp/wire/tcp_options.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "tcp/wire/byte_order.h"
#include "tcp/wire/options_codec.h"

namespace tcplab::wire {

namespace {

using internal::GetU16;
using internal::GetU32;
using internal::PutU16;
using internal::PutU32;

constexpr uint8_t kKindEol = static_cast<uint8_t>(OptionKind::kEol);
constexpr uint8_t kKindNop = static_cast<uint8_t>(OptionKind::kNop);
constexpr uint8_t kKindMss = static_cast<uint8_t>(OptionKind::kMss);
constexpr uint8_t kKindWs = static_cast<uint8_t>(OptionKind::kWindowScale);
constexpr uint8_t kKindSackPerm = static_cast<uint8_t>(OptionKind::kSackPermitted);
constexpr uint8_t kKindSack = static_cast<uint8_t>(OptionKind::kSack);
constexpr uint8_t kKindTs = static_cast<uint8_t>(OptionKind::kTimestamps);

int SackCount(const TcpOptions& o) { return std::min<int>(o.sack_count, kMaxSackBlocks); }

}  // namespace

void TcpOptions::Clear() {
  mss.reset();
  window_scale.reset();
  sack_permitted = false;
  timestamps.reset();
  sack_count = 0;
  layout_size = 0;
}

void TcpOptions::AddSackBlock(SackBlock b) {
  if (sack_count >= kMaxSackBlocks) return;
  sack_blocks[sack_count++] = b;
}

void TcpOptions::AppendLayout(OptionKind kind) {
  if (layout_size >= kMaxOptionBytes) return;
  layout[layout_size++] = static_cast<uint8_t>(kind);
}

int TcpOptions::WireSize() const { return internal::WriteOptions(*this, nullptr); }

bool operator==(const TcpOptions& a, const TcpOptions& b) {
  if (a.mss != b.mss || a.window_scale != b.window_scale || a.sack_permitted != b.sack_permitted ||
      a.timestamps != b.timestamps || SackCount(a) != SackCount(b)) {
    return false;
  }
  for (int i = 0; i < SackCount(a); ++i) {
    if (!(a.sack_blocks[i] == b.sack_blocks[i])) return false;
  }
  std::array<uint8_t, kMaxOptionBytes> la, lb;
  const int na = internal::EffectiveLayout(a, &la);
  const int nb = internal::EffectiveLayout(b, &lb);
  return na == nb && std::equal(la.begin(), la.begin() + na, lb.begin());
}

namespace internal {

int EffectiveLayout(const TcpOptions& o, std::array<uint8_t, kMaxOptionBytes>* kinds) {
  if (o.layout_size > 0) {
    const int n = std::min<int>(o.layout_size, kMaxOptionBytes);
    std::copy(o.layout.begin(), o.layout.begin() + n, kinds->begin());
    return n;
  }
  // Linux's tcp_options_write() order; at most 9 entries.
  int n = 0;
  auto add = [&](uint8_t k) { (*kinds)[n++] = k; };
  if (o.mss) add(kKindMss);
  if (o.timestamps) {
    if (o.sack_permitted) {
      add(kKindSackPerm);
    } else {
      add(kKindNop);
      add(kKindNop);
    }
    add(kKindTs);
  } else if (o.sack_permitted) {
    add(kKindNop);
    add(kKindNop);
    add(kKindSackPerm);
  }
  if (o.window_scale) {
    add(kKindNop);
    add(kKindWs);
  }
  if (o.sack_count > 0) {
    add(kKindNop);
    add(kKindNop);
    add(kKindSack);
  }
  return n;
}

int OptionEntrySize(const TcpOptions& o, uint8_t kind, int sack_blocks) {
  switch (kind) {
    case kKindEol:
    case kKindNop:
      return 1;
    case kKindMss:
      return o.mss ? 4 : 0;
    case kKindWs:
      return o.window_scale ? 3 : 0;
    case kKindSackPerm:
      return o.sack_permitted ? 2 : 0;
    case kKindSack:
      return sack_blocks > 0 ? 2 + 8 * sack_blocks : 0;
    case kKindTs:
      return o.timestamps ? 10 : 0;
    default:
      return 0;  // unknown kinds are not sent
  }
}

namespace {

// What nearly every segment after the handshake carries, in the canonical
// layout: NOP NOP TS and/or NOP NOP SACK, nothing else. Returns the bytes
// (exactly what the general encoder below writes for these values), or -1
// when the options are anything else.
inline int DataSegmentOptionsSize(const TcpOptions& o, int* blocks) {
  if (o.layout_size != 0 || o.mss || o.window_scale || o.sack_permitted) return -1;
  const int ts = o.timestamps ? 12 : 0;
  int b = SackCount(o);
  // The general encoder drops blocks until everything fits in 40 bytes:
  // 12 + 4 + 8 * 3 with timestamps, 4 + 8 * 4 without.
  if (ts != 0 && b > 3) b = 3;
  *blocks = b;
  return ts + (b > 0 ? 4 + 8 * b : 0);
}

inline void WriteDataSegmentOptions(const TcpOptions& o, int blocks, uint8_t* p) {
  if (o.timestamps) {
    p[0] = kKindNop;
    p[1] = kKindNop;
    p[2] = kKindTs;
    p[3] = 10;
    PutU32(p + 4, o.timestamps->val);
    PutU32(p + 8, o.timestamps->ecr);
    p += 12;
  }
  if (blocks > 0) {
    p[0] = kKindNop;
    p[1] = kKindNop;
    p[2] = kKindSack;
    p[3] = static_cast<uint8_t>(2 + 8 * blocks);
    for (int b = 0; b < blocks; ++b) {
      PutU32(p + 4 + 8 * b, o.sack_blocks[b].left.raw());
      PutU32(p + 8 + 8 * b, o.sack_blocks[b].right.raw());
    }
  }
}

}  // namespace

int WriteOptions(const TcpOptions& o, uint8_t* out) {
  int fast_blocks = 0;
  if (const int size = DataSegmentOptionsSize(o, &fast_blocks); size >= 0) {
    if (out != nullptr) WriteDataSegmentOptions(o, fast_blocks, out);
    return size;
  }
  std::array<uint8_t, kMaxOptionBytes> kinds;
  const int n = EffectiveLayout(o, &kinds);
  auto total = [&](int blocks) {
    int sum = 0;
    for (int i = 0; i < n; ++i) sum += OptionEntrySize(o, kinds[i], blocks);
    return sum;
  };
  int blocks = SackCount(o);
  while (blocks > 0 && total(blocks) > kMaxOptionBytes) --blocks;

  int pos = 0;
  for (int i = 0; i < n; ++i) {
    const uint8_t kind = kinds[i];
    const int size = OptionEntrySize(o, kind, blocks);
    if (size == 0 || pos + size > kMaxOptionBytes) continue;
    if (out != nullptr) {
      uint8_t* p = out + pos;
      p[0] = kind;
      if (size > 1) p[1] = static_cast<uint8_t>(size);
      switch (kind) {
        case kKindMss:
          PutU16(p + 2, *o.mss);
          break;
        case kKindWs:
          p[2] = *o.window_scale;
          break;
        case kKindSack:
          for (int b = 0; b < blocks; ++b) {
            PutU32(p + 2 + 8 * b, o.sack_blocks[b].left.raw());
            PutU32(p + 6 + 8 * b, o.sack_blocks[b].right.raw());
          }
          break;
        case kKindTs:
          PutU32(p + 2, o.timestamps->val);
          PutU32(p + 6, o.timestamps->ecr);
          break;
        default:
          break;
      }
    }
    pos += size;
  }
  const int padded = (pos + 3) & ~3;
  if (out != nullptr) std::memset(out + pos, 0, padded - pos);
  return padded;
}

ParseError ParseOptionBytes(absl::Span<const uint8_t> b, TcpOptions* o) {
  o->Clear();
  auto note = [o](uint8_t kind) {
    if (o->layout_size < kMaxOptionBytes) o->layout[o->layout_size++] = kind;
  };
  size_t i = 0;
  // Segments after the handshake nearly all start NOP NOP TS: take that
  // prefix in one step (the same values and layout entries the loop below
  // would record), then go on with the loop.
  if (b.size() >= 12 && b[0] == kKindNop && b[1] == kKindNop && b[2] == kKindTs && b[3] == 10) {
    o->timestamps = Timestamps{GetU32(b.data() + 4), GetU32(b.data() + 8)};
    o->layout[0] = kKindNop;
    o->layout[1] = kKindNop;
    o->layout[2] = kKindTs;
    o->layout_size = 3;
    i = 12;
  }
  while (i < b.size()) {
    const uint8_t kind = b[i];
    if (kind == kKindEol) {
      note(kind);
      break;
    }
    if (kind == kKindNop) {
      note(kind);
      ++i;
      continue;
    }
    if (i + 1 >= b.size()) return ParseError::kOptionPastHeader;
    const uint8_t len = b[i + 1];
    if (len < 2) return ParseError::kOptionLengthTooSmall;
    if (len > b.size() - i) return ParseError::kOptionPastHeader;
    const uint8_t* p = b.data() + i + 2;
    switch (kind) {
      case kKindMss:
        if (len != 4) return ParseError::kOptionBadLength;
        o->mss = GetU16(p);
        break;
      case kKindWs:
        if (len != 3) return ParseError::kOptionBadLength;
        o->window_scale = p[0];
        break;
      case kKindSackPerm:
        if (len != 2) return ParseError::kOptionBadLength;
        o->sack_permitted = true;
        break;
      case kKindTs:
        if (len != 10) return ParseError::kOptionBadLength;
        o->timestamps = Timestamps{GetU32(p), GetU32(p + 4)};
        break;
      case kKindSack: {
        if ((len - 2) % 8 != 0) return ParseError::kOptionBadLength;
        const int blocks = (len - 2) / 8;
        if (blocks < 1 || blocks > kMaxSackBlocks) return ParseError::kOptionBadLength;
        o->sack_count = 0;
        for (int k = 0; k < blocks; ++k) {
          o->AddSackBlock(SackBlock{Seq(GetU32(p + 8 * k)), Seq(GetU32(p + 8 * k + 4))});
        }
        break;
      }
      default:
        break;  // unknown: skipped by its length, remembered in the layout
    }
    note(kind);
    i += len;
  }
  return ParseError::kOk;
}

}  // namespace internal
}  // namespace tcplab::wire
