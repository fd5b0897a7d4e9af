#ifndef TCPLAB_TCP_EVENTS_H_
#define TCPLAB_TCP_EVENTS_H_

// What a Stack tells its applications. Events are edge-triggered hints
// (something changed); Readiness is the level-triggered truth.

#include <cstdint>
#include <ostream>

#include "absl/strings/string_view.h"

namespace tcplab::tcp {

using SocketId = uint32_t;
inline constexpr SocketId kInvalidSocket = 0;

enum class EventKind : uint8_t {
  kConnected,   // handshake completed (active or passive open)
  kAcceptable,  // on a listener: a connection waits in the accept queue
  kReadable,    // received data became available where there was none
  kWritable,    // send buffer has room again after a short Send
  kPeerClosed,  // the peer's FIN arrived: no more data will come
  kReset,       // the connection was reset (by the peer, or refused)
  kTimedOut,    // retransmissions or probes exhausted their limit
  kClosed,      // the connection reached CLOSED after an orderly close
};

absl::string_view EventKindName(EventKind k);

struct Event {
  SocketId socket = kInvalidSocket;
  EventKind kind = EventKind::kConnected;
  friend bool operator==(const Event&, const Event&) = default;
};

inline std::ostream& operator<<(std::ostream& os, const Event& e) {
  return os << "{" << e.socket << " " << EventKindName(e.kind) << "}";
}

// Level-triggered state of one socket.
struct Readiness {
  bool connected = false;   // handshake done, not yet closed
  bool acceptable = false;  // listener: Accept would return a connection
  bool readable = false;    // Receive would return bytes
  bool writable = false;    // Send would take at least one byte
  bool peer_closed = false; // the peer's FIN arrived
  bool eof = false;         // peer closed and every byte has been read
  bool error = false;       // Error() holds a terminal error
};

}  // namespace tcplab::tcp

#endif  // TCPLAB_TCP_EVENTS_H_
