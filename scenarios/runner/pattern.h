#ifndef TCPLAB_SCENARIOS_RUNNER_PATTERN_H_
#define TCPLAB_SCENARIOS_RUNNER_PATTERN_H_

// The verifiable byte pattern that scenario applications send.
//
// Byte i of a connection's stream is a function of the connection's key and
// i alone, so a receiver checks every byte where it lands without keeping
// what was sent, and two connections (or a byte shifted by one position)
// never look alike. The key comes from the connection's two endpoints and is
// the same for both directions, so an echo server's reply is checked
// against the same pattern as the request.

#include <cstdint>

#include "absl/types/span.h"
#include "tcp/wire/ipv4_address.h"

namespace tcplab::scenario::runner {

// The key of the connection between the two endpoints (order does not
// matter).
uint64_t PatternKey(wire::Ipv4Address a, uint16_t a_port, wire::Ipv4Address b,
                    uint16_t b_port);

// Byte `offset` of the stream of `key`.
uint8_t PatternByte(uint64_t key, uint64_t offset);

// Fills `out` with the bytes at [offset, offset + out.size()).
void FillPattern(uint64_t key, uint64_t offset, absl::Span<uint8_t> out);

// How many bytes of `data` (which sits at `offset` of the stream) differ
// from the pattern.
uint64_t CountMismatches(uint64_t key, uint64_t offset, absl::Span<const uint8_t> data);

}  // namespace tcplab::scenario::runner

#endif  // TCPLAB_SCENARIOS_RUNNER_PATTERN_H_
