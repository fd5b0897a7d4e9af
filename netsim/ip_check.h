#ifndef TCPLAB_NETSIM_IP_CHECK_H_
#define TCPLAB_NETSIM_IP_CHECK_H_

// The little IPv4 parsing the network itself needs: where a packet goes, and
// whether a receiver would accept it. Any IPv4 payload is carried; TCP and
// UDP checksums are verified so that corruption on a link is caught.

#include <cstdint>

#include "absl/types/span.h"
#include "netsim/trace.h"
#include "tcp/wire/ipv4_address.h"

namespace tcplab::netsim {

struct Ipv4Summary {
  wire::Ipv4Address src;
  wire::Ipv4Address dst;
  uint8_t protocol = 0;
  uint16_t header_length = 0;  // bytes
  uint16_t total_length = 0;   // bytes, <= the buffer
};

enum class CheckLevel : uint8_t {
  kHeader,  // what a router checks: well-formed header, header checksum
  kFull,    // what a host checks: also the TCP/UDP checksum
};

// Returns DropReason::kNone and fills *out, or kMalformed / kBadChecksum.
// Never reads outside `bytes`.
DropReason CheckIpv4Packet(absl::Span<const uint8_t> bytes, CheckLevel level,
                           Ipv4Summary* out);

}  // namespace tcplab::netsim

#endif  // TCPLAB_NETSIM_IP_CHECK_H_
