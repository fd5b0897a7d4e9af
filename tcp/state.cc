#include "tcp/state.h"

#include "tcp/config.h"
#include "tcp/counters.h"
#include "tcp/events.h"

namespace tcplab::tcp {

absl::string_view StateName(ConnectionState s) {
  switch (s) {
    case ConnectionState::kClosed: return "CLOSED";
    case ConnectionState::kListen: return "LISTEN";
    case ConnectionState::kSynSent: return "SYN-SENT";
    case ConnectionState::kSynReceived: return "SYN-RECEIVED";
    case ConnectionState::kEstablished: return "ESTABLISHED";
    case ConnectionState::kFinWait1: return "FIN-WAIT-1";
    case ConnectionState::kFinWait2: return "FIN-WAIT-2";
    case ConnectionState::kCloseWait: return "CLOSE-WAIT";
    case ConnectionState::kClosing: return "CLOSING";
    case ConnectionState::kLastAck: return "LAST-ACK";
    case ConnectionState::kTimeWait: return "TIME-WAIT";
  }
  return "UNKNOWN";
}

absl::string_view EventKindName(EventKind k) {
  switch (k) {
    case EventKind::kConnected: return "connected";
    case EventKind::kAcceptable: return "acceptable";
    case EventKind::kReadable: return "readable";
    case EventKind::kWritable: return "writable";
    case EventKind::kPeerClosed: return "peer_closed";
    case EventKind::kReset: return "reset";
    case EventKind::kTimedOut: return "timed_out";
    case EventKind::kClosed: return "closed";
  }
  return "unknown";
}

bool IsSynchronized(ConnectionState s) {
  switch (s) {
    case ConnectionState::kEstablished:
    case ConnectionState::kFinWait1:
    case ConnectionState::kFinWait2:
    case ConnectionState::kCloseWait:
    case ConnectionState::kClosing:
    case ConnectionState::kLastAck:
    case ConnectionState::kTimeWait:
      return true;
    default:
      return false;
  }
}

const char* CongestionAlgorithmName(CongestionAlgorithm a) {
  switch (a) {
    case CongestionAlgorithm::kNone: return "none";
    case CongestionAlgorithm::kNewReno: return "newreno";
    case CongestionAlgorithm::kCubic: return "cubic";
  }
  return "unknown";
}

const char* CongestionStateName(CongestionState s) {
  switch (s) {
    case CongestionState::kOpen: return "open";
    case CongestionState::kDisorder: return "disorder";
    case CongestionState::kRecovery: return "recovery";
    case CongestionState::kLoss: return "loss";
  }
  return "unknown";
}

StackConfig BareConfig() {
  StackConfig c;
  c.congestion = CongestionAlgorithm::kNone;
  c.sack = false;
  c.timestamps = false;
  c.window_scale = false;
  c.delayed_ack = false;
  c.nagle = false;
  c.keepalive = false;
  // limited_transmit and restart_after_idle stay on: they are parts of
  // congestion control and do nothing without it, so a script that turns
  // congestion control on gets them as a current stack has them.
  return c;
}

}  // namespace tcplab::tcp
