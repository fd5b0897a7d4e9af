#ifndef TCPLAB_TCP_OBSERVER_H_
#define TCPLAB_TCP_OBSERVER_H_

// Optional hooks for tracing and timelines. Called synchronously from inside
// the stack; observers must not call back into the stack.

#include <cstdint>

#include "absl/types/span.h"
#include "tcp/base/instant.h"
#include "tcp/events.h"
#include "tcp/state.h"
#include "tcp/wire/seq.h"

namespace tcplab::tcp {

class StackObserver {
 public:
  virtual ~StackObserver() = default;
  virtual void OnStateChange(SocketId /*id*/, ConnectionState /*from*/,
                             ConnectionState /*to*/, Instant /*now*/) {}
  // A segment is sent again after a timeout. `attempt` counts from 1.
  virtual void OnRetransmit(SocketId /*id*/, wire::Seq /*seq*/,
                            uint32_t /*seq_length*/, int /*attempt*/,
                            Instant /*now*/) {}
  // Loss recovery re-sent [seq, seq+seq_length) without a timeout: the
  // fast retransmit that starts a recovery (`first`), or a later hole.
  virtual void OnFastRetransmit(SocketId /*id*/, wire::Seq /*seq*/,
                                uint32_t /*seq_length*/, bool /*first*/,
                                Instant /*now*/) {}
  virtual void OnKeepaliveProbe(SocketId /*id*/, int /*attempt*/, Instant /*now*/) {}
  virtual void OnZeroWindowProbe(SocketId /*id*/, wire::Seq /*seq*/,
                                 Instant /*now*/) {}
  virtual void OnEvent(const Event& /*event*/, Instant /*now*/) {}
};

}  // namespace tcplab::tcp

#endif  // TCPLAB_TCP_OBSERVER_H_
