#ifndef TCPLAB_TCP_CONGESTION_H_
#define TCPLAB_TCP_CONGESTION_H_

// The slot for congestion control (RFC 5681 and successors, a later
// issue). A Connection asks its controller how much may be in flight and
// tells it about ACKs and timeouts. Without a controller (today) the sender
// is limited by the peer's window alone.

#include <cstdint>

#include "absl/time/time.h"
#include "tcp/base/instant.h"

namespace tcplab::tcp {

class CongestionControl {
 public:
  virtual ~CongestionControl() = default;
  // Most bytes that may be outstanding (SND.NXT - SND.UNA).
  virtual uint32_t CongestionWindow() const = 0;
  // New data acknowledged; `rtt` is a Karn-valid sample or ZeroDuration.
  virtual void OnAck(Instant now, uint32_t bytes_acked, absl::Duration rtt) = 0;
  // The retransmission timer expired.
  virtual void OnRetransmitTimeout(Instant now) = 0;
};

}  // namespace tcplab::tcp

#endif  // TCPLAB_TCP_CONGESTION_H_
