#ifndef TCPLAB_TCP_STACK_H_
#define TCPLAB_TCP_STACK_H_

// A host's TCP: configuration, the demultiplexing table, listeners,
// ephemeral ports, and the socket-like, non-blocking user API.
//
// Sans-IO. Three kinds of input — a received IPv4 packet (Input), a user
// call, or "the time is now T" (Advance) — each with the current time.
// Outputs: serialized IPv4 packets handed synchronously to the PacketSink,
// events (PollEvent), and the next time the stack wants Advance to be called
// (NextDeadline). Nothing here reads a clock, sleeps, blocks or allocates
// per segment in steady state.
//
// Socket ids are never reused within a Stack. A connection's id stays valid
// (State, Error, Info answer) until the application calls Close or Abort;
// after that the stack finishes the connection on its own (FIN exchange,
// TIME-WAIT) and forgets it when it reaches CLOSED.
//
// Segments for no connection and no listener draw a RST (§3.10.7.1).
// Events for a passively opened connection are posted from the SYN on,
// under its id, which Accept later hands out.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "tcp/base/instant.h"
#include "tcp/config.h"
#include "tcp/connection.h"
#include "tcp/counters.h"
#include "tcp/events.h"
#include "tcp/isn.h"
#include "tcp/observer.h"
#include "tcp/state.h"
#include "tcp/wire/ipv4_address.h"
#include "tcp/wire/packet.h"

namespace tcplab::tcp {

// Where the stack's outgoing packets go. Transmit is called synchronously
// with a serialized IPv4 packet; the sink copies what it keeps and must not
// call back into the stack.
class PacketSink {
 public:
  virtual ~PacketSink() = default;
  virtual void Transmit(absl::Span<const uint8_t> ip_packet) = 0;
  // Optional: memory for the next packet, `size` bytes (at least the
  // packet's), which the stack then serializes the packet into and passes
  // (a prefix of it) to Transmit, sparing the sink its copy. Empty (the
  // default): the stack uses its own buffer.
  virtual absl::Span<uint8_t> TransmitBuffer(size_t /*size*/) { return {}; }
};

class Stack : private ConnectionEnv {
 public:
  Stack(StackConfig config, PacketSink* sink);
  ~Stack() override;
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  // Not owned; may be null. Must outlive the stack or be reset first.
  void SetObserver(StackObserver* observer) { observer_ = observer; }

  // --- the three inputs ---
  // A received IPv4 packet. Malformed packets, packets for another address
  // and segments that fit nothing are dropped and counted.
  void Input(Instant now, absl::Span<const uint8_t> ip_packet);
  // Fires every timer due at or before `now`, in (deadline, socket id) order.
  void Advance(Instant now);
  // When Advance should next be called; Instant::Infinite() when no timer
  // is pending.
  Instant NextDeadline() const;

  // --- user calls (non-blocking) ---
  // A listener on `port` (any remote). Errors: port in use, bad backlog.
  absl::StatusOr<SocketId> Listen(Instant now, uint16_t port, int backlog);
  // Active open: sends a SYN. Without `local_port` an ephemeral port is
  // chosen. Errors: 4-tuple in use, no ephemeral port free.
  absl::StatusOr<SocketId> Connect(Instant now, wire::Ipv4Address remote,
                                   uint16_t remote_port,
                                   std::optional<uint16_t> local_port = std::nullopt);
  // The oldest established connection waiting on `listener`; Unavailable
  // when there is none yet.
  absl::StatusOr<SocketId> Accept(Instant now, SocketId listener);
  // Queues as much of `data` as the send buffer takes (possibly 0) and
  // sends what the peer's window allows.
  absl::StatusOr<size_t> Send(Instant now, SocketId id, absl::Span<const uint8_t> data);
  // Copies received bytes out; 0 when none are ready (GetReadiness().eof
  // tells the end of the stream). After a reset or timeout with nothing
  // left to read, the terminal error.
  absl::StatusOr<size_t> Receive(Instant now, SocketId id, absl::Span<uint8_t> out);
  // Receive without the copy, as smoltcp's recv(): hands the bytes ready
  // to read to `take` where they lie in the receive buffer, as one span, or
  // two when they wrap around its storage. `take` returns how many of the
  // span's bytes it consumed; they leave the buffer as Receive's would, and
  // a span not taken whole ends the call. Returns the total taken, with
  // Receive's errors. A span is valid only during `take`, which must not
  // call the stack.
  absl::StatusOr<size_t> ReceiveInPlace(
      Instant now, SocketId id, absl::FunctionRef<size_t(absl::Span<const uint8_t>)> take);
  // Shuts the write side: a FIN follows the queued data. Reading goes on.
  absl::Status Shutdown(Instant now, SocketId id);
  // Releases the socket: orderly close (or RST if received data is unread,
  // §3.10.4). Closing a listener resets its not-yet-accepted connections.
  absl::Status Close(Instant now, SocketId id);
  // Sends a RST where the peer may hold state, and releases the socket.
  absl::Status Abort(Instant now, SocketId id);

  // Per-connection switches: Nagle off (TCP_NODELAY), and the congestion
  // control algorithm (TCP_CONGESTION; restarts from the initial window).
  absl::Status SetNoDelay(Instant now, SocketId id, bool nodelay);
  absl::Status SetCongestion(SocketId id, CongestionAlgorithm algorithm);

  // --- queries ---
  Readiness GetReadiness(SocketId id) const;
  std::optional<Event> PollEvent();
  // The same, false when there is none. Without std::optional, which
  // compilers assemble in memory and read back in other widths (a stall on
  // every call): the per-packet loop of a host uses this one.
  bool PollEvent(Event* out);
  // kListen for a listener; kClosed for an unknown or released id.
  ConnectionState State(SocketId id) const;
  // The terminal error (OK while there is none); NotFound for unknown ids.
  absl::Status Error(SocketId id) const;
  absl::StatusOr<ConnectionInfo> Info(SocketId id) const;
  const StackCounters& counters() const { return counters_; }
  const StackConfig& config() const { return config_; }
  // Connections the stack holds, orphans included.
  size_t connection_count() const { return connections_.size(); }

 private:
  struct Listener {
    SocketId id = kInvalidSocket;
    uint16_t port = 0;
    int backlog = 0;
    int pending = 0;                   // passive opens in SYN-RECEIVED
    std::deque<SocketId> accept_queue; // established, not yet accepted
  };

  // ConnectionEnv.
  void Emit(const wire::Packet& packet) override;
  absl::Span<uint8_t> PayloadScratch() override { return absl::MakeSpan(scratch_); }
  void PostEvent(SocketId id, EventKind kind, Instant now) override;
  void StateChanged(Connection& c, ConnectionState from, ConnectionState to,
                    Instant now) override;
  StackCounters& stack_counters() override { return counters_; }
  StackObserver* observer() override { return observer_; }
  bool AllowChallengeAck(Instant now) override;

  void ListenerInput(Instant now, Listener& l, const wire::Packet& p);
  // A connection for `t`, with its id and ISN, in the tables; not opened yet.
  Connection* NewConnection(Instant now, const FourTuple& t);
  void ResetNoConnection(const wire::Packet& p);
  Connection* Find(SocketId id) const;
  absl::StatusOr<Connection*> FindForUser(SocketId id) const;
  std::optional<uint16_t> AllocateEphemeral(wire::Ipv4Address remote,
                                            uint16_t remote_port);
  // Destroys connections that reached CLOSED and that no one holds. Inline
  // test: it runs after every input and user call, nearly always for none.
  void Reap() {
    if (!doomed_.empty()) ReapDoomed();
  }
  void ReapDoomed();

  // Timers: a binary min-heap of connections by (deadline, id), kept in
  // step with each connection's NextDeadline() after every call into it.
  // Firing order is deterministic; steady state allocates nothing.
  struct TimerEntry {
    Instant at;
    SocketId id;
    Connection* conn;
  };
  void Reschedule(Connection* c);
  void HeapRemove(int slot);
  void HeapFix(int slot);
  void HeapSet(int slot, const TimerEntry& e);

  StackConfig config_;
  PacketSink* sink_;
  StackObserver* observer_ = nullptr;
  IsnGenerator isn_;
  StackCounters counters_;
  Instant challenge_window_start_ = Instant::Infinite();
  uint32_t challenge_acks_in_window_ = 0;
  uint32_t challenge_budget_ = 0;
  SocketId next_id_ = 1;
  uint32_t ephemeral_cursor_ = 0;

  // Ordered by id: iteration (closing a listener) is deterministic.
  std::map<SocketId, std::unique_ptr<Connection>> connections_;
  std::map<SocketId, Listener> listeners_;
  absl::flat_hash_map<FourTuple, Connection*> demux_;
  // One-entry caches in front of demux_ (Input) and connections_ (Find);
  // cleared when their connection leaves the table.
  Connection* last_input_ = nullptr;
  mutable Connection* found_ = nullptr;
  absl::flat_hash_map<uint16_t, SocketId> listen_ports_;
  std::vector<SocketId> doomed_;
  std::vector<TimerEntry> timers_;
  std::vector<Connection*> due_;

  std::vector<Event> events_;
  size_t event_head_ = 0;

  wire::Packet rx_packet_;  // Input's, see there
  std::vector<uint8_t> tx_buf_;
  std::vector<uint8_t> scratch_;
};

}  // namespace tcplab::tcp

#endif  // TCPLAB_TCP_STACK_H_
