#ifndef TCPLAB_TCP_STATE_H_
#define TCPLAB_TCP_STATE_H_

// The eleven connection states of RFC 9293 §3.3.2.

#include <cstdint>
#include <ostream>

#include "absl/strings/string_view.h"

namespace tcplab::tcp {

enum class ConnectionState : uint8_t {
  kClosed,
  kListen,
  kSynSent,
  kSynReceived,
  kEstablished,
  kFinWait1,
  kFinWait2,
  kCloseWait,
  kClosing,
  kLastAck,
  kTimeWait,
};

// The RFC's spelling: "SYN-SENT", "FIN-WAIT-1", "TIME-WAIT", ...
absl::string_view StateName(ConnectionState s);

// States after the three-way handshake completed (RFC 9293 "synchronized").
bool IsSynchronized(ConnectionState s);

inline std::ostream& operator<<(std::ostream& os, ConnectionState s) {
  return os << StateName(s);
}

}  // namespace tcplab::tcp

#endif  // TCPLAB_TCP_STATE_H_
