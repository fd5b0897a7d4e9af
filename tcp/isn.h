#ifndef TCPLAB_TCP_ISN_H_
#define TCPLAB_TCP_ISN_H_

// Initial sequence numbers per RFC 6528: ISN = M + F(localip, localport,
// remoteip, remoteport, secretkey), with F a keyed hash (SipHash-2-4 here)
// and M a clock ticking every `tick` of the `now` passed in.

#include <array>
#include <cstdint>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "tcp/base/instant.h"
#include "tcp/wire/ipv4_address.h"
#include "tcp/wire/seq.h"

namespace tcplab::tcp {

// SipHash-2-4 (Aumasson & Bernstein) of `data` under the 128-bit key
// (key[0] holds bytes 0..7 little-endian, key[1] bytes 8..15).
uint64_t SipHash24(const std::array<uint64_t, 2>& key,
                   absl::Span<const uint8_t> data);

class IsnGenerator {
 public:
  IsnGenerator(std::array<uint64_t, 2> secret, absl::Duration tick)
      : secret_(secret), tick_(tick) {}

  wire::Seq Generate(Instant now, wire::Ipv4Address local_ip,
                     uint16_t local_port, wire::Ipv4Address remote_ip,
                     uint16_t remote_port) const;

 private:
  std::array<uint64_t, 2> secret_;
  absl::Duration tick_;
};

}  // namespace tcplab::tcp

#endif  // TCPLAB_TCP_ISN_H_
