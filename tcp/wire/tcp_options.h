#ifndef TCPLAB_TCP_WIRE_TCP_OPTIONS_H_
#define TCPLAB_TCP_WIRE_TCP_OPTIONS_H_

// TCP options: EOL, NOP, MSS, window scale, SACK-permitted, SACK (up to 4
// blocks), timestamps (RFC 9293 §3.1, RFC 7323, RFC 2018).

#include <array>
#include <cstdint>
#include <optional>

#include "tcp/wire/seq.h"

namespace tcplab::wire {

enum class OptionKind : uint8_t {
  kEol = 0,
  kNop = 1,
  kMss = 2,
  kWindowScale = 3,
  kSackPermitted = 4,
  kSack = 5,
  kTimestamps = 8,
};

inline constexpr int kMaxOptionBytes = 40;
inline constexpr int kMaxSackBlocks = 4;

struct SackBlock {
  Seq left;   // first sequence number of the block
  Seq right;  // sequence number just past the block
  friend bool operator==(const SackBlock&, const SackBlock&) = default;
};

struct Timestamps {
  uint32_t val = 0;
  uint32_t ecr = 0;
  friend bool operator==(const Timestamps&, const Timestamps&) = default;
};

// The options of one segment: typed values for the engine, plus the order in
// which they stand on the wire (so that a parsed segment renders and
// re-serializes as it came, and a packet-level script can ask for an exact
// layout). No heap allocation: everything is inline.
class TcpOptions {
 public:
  std::optional<uint16_t> mss;
  std::optional<uint8_t> window_scale;
  bool sack_permitted = false;
  std::optional<Timestamps> timestamps;
  std::array<SackBlock, kMaxSackBlocks> sack_blocks{};
  uint8_t sack_count = 0;

  // Wire order, one entry per option as a raw kind byte (NOP and EOL
  // included; an unknown kind appears as its number and is skipped when
  // serializing). Empty means "not given": serialization then uses the
  // canonical layout below.
  std::array<uint8_t, kMaxOptionBytes> layout{};
  uint8_t layout_size = 0;

  // The same as *this = TcpOptions(), field by field: assigning a
  // temporary builds it on the stack and copies it with wider loads than
  // its stores (a store-forwarding stall), once per segment on hot paths.
  // Blocks past sack_count and layout entries past layout_size keep their
  // old bytes: nothing reads them (operator== and serialization look only
  // at the counted ones), and zeroing 72 bytes per segment costs.
  void Clear();
  void AddSackBlock(SackBlock b);  // ignored once kMaxSackBlocks are held
  void AppendLayout(OptionKind kind);
  void ClearLayout() { layout_size = 0; }

  // Bytes these options take on the wire, padded to a multiple of 4 (with
  // NOPs before multi-byte options in the canonical layout and trailing
  // EOL/zero padding in an explicit one). At most kMaxOptionBytes; options
  // that would not fit are left out when serializing (SACK blocks first).
  int WireSize() const;

  // The canonical layout when no explicit one is given, as Linux sends it:
  // SYN: MSS, SACK-permitted, timestamps, NOP, window scale (each present
  // one; NOPs pad where an option is absent). Otherwise: NOP, NOP,
  // timestamps, then NOP, NOP, SACK.
  // Precisely (Linux tcp_options_write()): [MSS] [SACK-perm TS | NOP NOP TS
  // | NOP NOP SACK-perm] [NOP WS] [NOP NOP SACK].
  //
  // An explicit layout is followed exactly: an entry whose option has no
  // value (or SACK with no blocks, or an unknown kind) is left out, and an
  // option that has a value but no layout entry is not sent.

  // Equal when the typed values (and the first sack_count blocks) are equal
  // and the effective layouts (the explicit one, else the canonical one) are
  // the same: a parsed canonical SYN equals one built without a layout.
  friend bool operator==(const TcpOptions& a, const TcpOptions& b);
};

}  // namespace tcplab::wire

#endif  // TCPLAB_TCP_WIRE_TCP_OPTIONS_H_
