#ifndef TCPLAB_TCP_WIRE_OPTIONS_CODEC_H_
#define TCPLAB_TCP_WIRE_OPTIONS_CODEC_H_

// Private to //tcp/wire: the option encoder and decoder that packet.cc and
// render.cc share. Not part of the contract.

#include <array>
#include <cstdint>

#include "absl/types/span.h"
#include "tcp/wire/packet.h"
#include "tcp/wire/tcp_options.h"

namespace tcplab::wire::internal {

// The layout serialization follows: options.layout when given, else the
// canonical Linux layout for the values present. Returns the entry count.
int EffectiveLayout(const TcpOptions& options, std::array<uint8_t, kMaxOptionBytes>* kinds);

// Bytes one layout entry takes given the values (0: not sent).
int OptionEntrySize(const TcpOptions& options, uint8_t kind, int sack_blocks);

// Encodes the options, padded to a multiple of 4, into `out` (which has room
// for kMaxOptionBytes) or, with out == nullptr, only measures them.
int WriteOptions(const TcpOptions& options, uint8_t* out);

// Decodes the option area of a TCP header (at most kMaxOptionBytes bytes).
ParseError ParseOptionBytes(absl::Span<const uint8_t> bytes, TcpOptions* out);

}  // namespace tcplab::wire::internal

#endif  // TCPLAB_TCP_WIRE_OPTIONS_CODEC_H_
