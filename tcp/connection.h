#ifndef TCPLAB_TCP_CONNECTION_H_
#define TCPLAB_TCP_CONNECTION_H_

// One TCP connection: the transmission control block of RFC 9293 §3.3.1 and
// everything that happens to it — segment arrival (§3.10.7, in the RFC's
// order), user calls (§3.10.1–§3.10.5), timers (retransmission per
// RFC 6298, persist per §3.8.6.1, TIME-WAIT).
//
// A Connection knows nothing of other connections, the demultiplexing table
// or serialization: it talks to its Stack through ConnectionEnv. It is
// sans-IO: time comes in as `now`, segments go out through the env.
//
// Deliberate choices where the RFC leaves room (documented here because
// tests pin them):
//  * Without delayed ACK, ACKs are sent at once for every segment that
//    occupies sequence space; with it, see config.h. Data segments carry
//    the ACK when they can.
//  * On a retransmission timeout the first unacknowledged segment is sent
//    again and SND.NXT is pulled back behind it (go-back-N): the ACK for it
//    lets the rest flow again, re-sent from SND.NXT, skipping what the peer
//    has SACKed (RFC 6675 §5.1). A second timeout in a row clears the
//    scoreboard: the peer may have reneged (RFC 2018 §8).
//  * Loss recovery needs a congestion controller: with kNone only the
//    timer recovers. Three duplicate ACKs (or, with SACK, IsLost(SND.UNA))
//    start fast retransmit; with SACK the recovery of RFC 6675 follows
//    (pipe, NextSeg's four rules, one rescue retransmission), without it
//    NewReno's (RFC 6582: inflation, a retransmission per partial ACK,
//    the "careful" check of recover). On exit cwnd = ssthresh; without
//    SACK at most FlightSize + SMSS, so that the inflated window does not
//    become a burst (RFC 6582 §3.2 step 3).
//    A duplicate ACK is RFC 5681's without SACK and RFC 6675's (newly
//    SACKed data) with it.
//  * Timestamps (RFC 7323): every segment but RST carries one once
//    negotiated; a segment without one is still accepted (as Linux does,
//    §3.2 says SHOULD drop). PAWS drops a segment whose TSval is older than
//    TS.Recent (unless TS.Recent is older than 24 days) and ACKs it. RTT
//    samples come from TSecr on every ACK of new data, in ms, weighted
//    by RFC 7323 Appendix G (alpha and beta over the samples per RTT).
//  * Window scaling: a window whose edge is not a multiple of 2^shift is
//    rounded up (never shrinking the right edge, as Linux) as long as that
//    promises less than 2^shift bytes beyond the buffer; otherwise it is
//    rounded down, the retraction RFC 7323 §2.4 allows. The receive ring
//    holds those 2^shift bytes of slack.
//  * The MSS we send with is the negotiated MSS less the 12 bytes of the
//    timestamp option when timestamps are on (RFC 6691).
//  * While the peer's window is zero nothing but persist probes goes out,
//    SACK recovery's retransmissions included (RFC 1122 §4.2.2.16 allows
//    sending into a shrunk window; we don't).
//  * Data beyond a FIN already received (out of order) is dropped.
//  * A segment at exactly RCV.NXT is acceptable even when RCV.WND is 0, for
//    its ACK (and a FIN with no data); its data is trimmed away. This is
//    the "special allowance" of §3.10.7.4 and keeps zero-window probes and
//    FINs moving.
//  * The SYN of a SYN-ACK that arrives in SYN-RECEIVED (simultaneous open)
//    is trimmed as old, so its ACK completes the handshake; a duplicate SYN
//    in SYN-RECEIVED makes the SYN-ACK go out again.
//  * RST and SYN checks follow RFC 5961 as folded into RFC 9293: an
//    in-window RST not at RCV.NXT and any SYN in a synchronized state draw
//    a challenge ACK; an ACK below SND.UNA - MAX.SND.WND or above what was
//    sent is dropped with an ACK.
//  * A zero window from the peer stops the retransmission timer and starts
//    the persist timer; probes carry one byte at SND.UNA. Answered probes
//    never kill the connection; probe_retries unanswered ones do.
//  * Received data arriving after the application closed (not just shut
//    down) its socket, and Close with unread data, send a RST (§3.10.4,
//    RFC 1122 §4.2.2.13).
//  * An orphaned connection (closed by the application) gives up waiting
//    in FIN-WAIT-2 after config.fin_wait2_timeout, as Linux does.
//  * On RST the receive buffer is flushed (§3.10.7.4: "segment queues
//    should be flushed").
//  * The retransmission of SND.UNA carries at most one MSS and no more than
//    the peer's window. Timeout errors name sequence numbers relative to
//    our ISN ("seq 1:1001", "FIN seq 11"), as a packet trace shows them.
//  * Any segment that acknowledges new data updates the send window (as
//    Linux does), beyond the SND.WL1/SND.WL2 rule of §3.10.7.4, so the
//    right edge we use is always one the peer offered; SND.WL1 compares
//    SEG.SEQ as received, not as trimmed.
//  * Text and FIN carried on a SYN or SYN-ACK are not kept and not
//    acknowledged (as Linux without TCP Fast Open): the peer sends them
//    again. RFC 9293 says to queue them; tests pin the choice.
//  * A SYN for a connection in TIME-WAIT draws a challenge ACK like any
//    SYN in a synchronized state; reopening (§3.10.7.4 / RFC 6191 when
//    the SYN is beyond RCV.NXT) is not done yet.
//  * When the ACK of our SYN arrives in FIN-WAIT-1 (a close issued in
//    SYN-RECEIVED), kConnected is posted then, and RFC 6298 §5.7 applies.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "tcp/base/instant.h"
#include "tcp/byte_ring.h"
#include "tcp/config.h"
#include "tcp/congestion.h"
#include "tcp/counters.h"
#include "tcp/events.h"
#include "tcp/observer.h"
#include "tcp/reassembly.h"
#include "tcp/rto.h"
#include "tcp/sack_scoreboard.h"
#include "tcp/state.h"
#include "tcp/wire/ipv4_address.h"
#include "tcp/wire/packet.h"
#include "tcp/wire/seq.h"

namespace tcplab::tcp {

struct FourTuple {
  wire::Ipv4Address local_address;
  uint16_t local_port = 0;
  wire::Ipv4Address remote_address;
  uint16_t remote_port = 0;

  friend bool operator==(const FourTuple&, const FourTuple&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const FourTuple& t) {
    return H::combine(std::move(h), t.local_address, t.local_port,
                      t.remote_address, t.remote_port);
  }
};

class Connection;

// What a connection needs from its stack.
class ConnectionEnv {
 public:
  virtual ~ConnectionEnv() = default;
  // Serializes and transmits; `packet.payload` is only read during the call.
  virtual void Emit(const wire::Packet& packet) = 0;
  // A buffer for assembling one segment's payload (at least 65535 bytes).
  virtual absl::Span<uint8_t> PayloadScratch() = 0;
  virtual void PostEvent(SocketId id, EventKind kind, Instant now) = 0;
  virtual void StateChanged(Connection& c, ConnectionState from,
                            ConnectionState to, Instant now) = 0;
  virtual StackCounters& stack_counters() = 0;
  virtual StackObserver* observer() = 0;
  // RFC 5961 §7: whether one more challenge ACK may go out now (the stack
  // counts them against its per-second limit).
  virtual bool AllowChallengeAck(Instant now) = 0;
};

class Connection {
 public:
  Connection(const StackConfig& config, ConnectionEnv* env, SocketId id,
             const FourTuple& tuple, wire::Seq iss);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // CLOSED -> SYN-SENT: sends the SYN.
  void ActiveOpen(Instant now);
  // LISTEN -> SYN-RECEIVED on `syn` (already checked to be a SYN without
  // ACK or RST): sends the SYN-ACK.
  void PassiveOpen(Instant now, const wire::Packet& syn, SocketId listener);

  // A segment for this connection's 4-tuple (any state but LISTEN).
  void OnSegment(Instant now, const wire::Packet& packet);
  // Fires the timers that are due at `now`.
  void OnTimer(Instant now);
  // The earliest pending timer, or Instant::Infinite().
  Instant NextDeadline() const;

  // User calls (§3.10). Send takes what fits in the send buffer.
  absl::StatusOr<size_t> Send(Instant now, absl::Span<const uint8_t> data);
  // Copies up to out.size() received bytes; 0 when none are ready (see
  // readiness().eof for the end of the stream).
  absl::StatusOr<size_t> Receive(Instant now, absl::Span<uint8_t> out);
  // The same without the copy: hands the readable bytes to `take` in place
  // (see Stack::ReceiveInPlace).
  absl::StatusOr<size_t> ReceiveInPlace(
      Instant now, absl::FunctionRef<size_t(absl::Span<const uint8_t>)> take);
  // Half-close: a FIN follows the data already queued.
  absl::Status Shutdown(Instant now);
  // The application lets go of the socket: an orderly close (FIN), or a RST
  // when received data was left unread. The connection lives on, orphaned,
  // until it reaches CLOSED.
  void Close(Instant now);
  // RST (in states where the peer may hold state), then CLOSED.
  void Abort(Instant now);

  // Per-connection switches (TCP_NODELAY, TCP_CONGESTION). A new
  // algorithm takes effect at once, starting from its initial window.
  void SetNoDelay(Instant now, bool nodelay);
  void SetCongestion(CongestionAlgorithm algorithm);

  SocketId id() const { return id_; }
  const FourTuple& tuple() const { return tuple_; }
  ConnectionState state() const { return state_; }
  const absl::Status& error() const { return error_; }
  Readiness readiness() const;
  ConnectionInfo info() const;

  // Bookkeeping owned by the Stack.
  bool passive() const { return passive_; }
  SocketId listener() const { return listener_; }
  bool accepted() const { return accepted_; }
  void set_accepted() { accepted_ = true; }
  bool released() const { return released_; }
  // The Stack's timer-heap slot for this connection (-1: not scheduled).
  int timer_slot() const { return timer_slot_; }
  void set_timer_slot(int slot) { timer_slot_ = slot; }

 private:
  // --- segment arrival ---
  void OnSegmentSynSent(Instant now, const wire::Packet& p);
  void ProcessAck(Instant now, wire::Seq ack, const wire::TcpOptions& options);
  // `seq` is SEG.SEQ as received (before trimming); `acks_new` says the
  // segment advanced SND.UNA.
  void UpdateSendWindow(Instant now, wire::Seq seq, wire::Seq ack,
                        uint32_t window, bool acks_new);
  void ReceiveData(Instant now, wire::Seq seq, absl::Span<const uint8_t> data);
  void ProcessFin(Instant now);
  void ResetByPeer(Instant now);

  // --- output ---
  void Output(Instant now);
  // Sends [seq, seq+len) of the send buffer, with FIN when asked.
  void SendSegmentAt(Instant now, wire::Seq seq, uint32_t len, bool fin);
  void SendSyn(Instant now, bool with_ack);
  void SendAck(Instant now);
  void SendRst(Instant now, wire::Seq seq);
  void SendChallengeAck(Instant now);
  void EmitPacket(Instant now, uint8_t flags, wire::Seq seq,
                  absl::Span<const uint8_t> payload, bool syn_options);
  void AddSackBlocks(wire::TcpOptions* o) const;
  // The window field to send, updating RCV.WND (a SYN's is never scaled).
  uint16_t AdvertiseWindow(bool syn);
  uint32_t WindowIfAdvertisedNow() const;
  uint32_t MaxRcvWindow() const;
  uint32_t TsNow(Instant now) const;
  // RFC 7323 §5.3 R1: false when PAWS rejects the segment.
  bool PawsAccepts(Instant now, const wire::Packet& p);
  // The ACK policy after a segment that occupied sequence space.
  void AckReceived(Instant now, bool immediate);
  // Whether Nagle holds back a segment of `len` bytes (not the last one
  // before a FIN).
  bool NagleHolds(uint32_t len, bool fin) const;
  void MaybeEnterPersist(Instant now);
  // Data bytes a retransmission of SND.UNA carries: at most one MSS and
  // what the peer's window allows.
  uint32_t RetransmitLength() const;
  // The same, but not into data the peer has SACKed right after SND.UNA.
  uint32_t HoleAtUnaLength() const;

  // --- loss recovery and congestion control ---
  void InitCongestion();
  void OnAckForRecovery(Instant now, wire::Seq old_una, bool acks_new, bool dup,
                        uint32_t flight_before);
  void EnterRecovery(Instant now);
  void ExitRecovery(Instant now);
  void SackRecoveryOutput(Instant now);
  void SetCongestionState(Instant now, CongestionState to);
  // Sends a retransmission of [seq, seq+len) (with the FIN if it ends there).
  void Retransmit(Instant now, wire::Seq seq, uint32_t len);
  uint32_t FlightSize() const { return static_cast<uint32_t>(snd_max_ - snd_una_); }
  uint32_t Pipe() const;

  // --- timers ---
  void OnRetransmitTimeout(Instant now);
  void OnPersistTimeout(Instant now);
  void OnKeepaliveTimeout(Instant now);
  void ArmKeepalive(Instant now);
  void ArmRetransmit(Instant now);
  void EnterTimeWait(Instant now);

  // --- state ---
  void SetState(Instant now, ConnectionState to);
  void ApplyQueuedFin(Instant now);
  // Enters CLOSED with a terminal error and its event.
  void Die(Instant now, absl::Status error, EventKind kind);
  void EnterClosed(Instant now);
  void Post(Instant now, EventKind kind) { env_->PostEvent(id_, kind, now); }
  // Options of the peer's SYN (or SYN-ACK): MSS, window scale,
  // SACK-permitted, timestamps.
  void NegotiateOptions(Instant now, const wire::Packet& syn);
  void OnEstablished(Instant now);

  bool CanSendData() const;
  wire::Seq DataEnd() const { return send_buf_seq_ + static_cast<uint32_t>(send_buf_.size()); }
  wire::Seq FinSeq() const { return DataEnd(); }
  bool SynAcked() const { return snd_una_ != iss_; }
  bool FinSent() const { return fin_queued_ && snd_max_ > FinSeq(); }
  bool FinAcked() const { return fin_queued_ && snd_una_ > FinSeq(); }

  const StackConfig& config_;
  ConnectionEnv* env_;
  SocketId id_;
  FourTuple tuple_;
  ConnectionState state_ = ConnectionState::kClosed;
  absl::Status error_;

  bool passive_ = false;
  SocketId listener_ = kInvalidSocket;
  bool accepted_ = false;
  bool released_ = false;
  int timer_slot_ = -1;

  // Send side. The send buffer holds the bytes [send_buf_seq_, DataEnd()).
  wire::Seq iss_, snd_una_, snd_nxt_, snd_max_, snd_wl1_, snd_wl2_;
  uint32_t snd_wnd_ = 0;
  uint32_t max_snd_wnd_ = 0;
  uint16_t eff_mss_;
  uint16_t peer_mss_ = 0;
  ByteRing send_buf_;
  wire::Seq send_buf_seq_;
  bool fin_queued_ = false;
  bool want_writable_ = false;
  bool nodelay_ = false;
  Instant last_send_;  // of the last data segment (restart after idle)

  // Negotiated options. offer_wscale_ is the shift our SYN announces.
  bool sack_ok_ = false, ts_ok_ = false, ws_ok_ = false;
  uint8_t offer_wscale_ = 0, snd_wscale_ = 0, rcv_wscale_ = 0;
  uint32_t ts_offset_ = 0;
  uint32_t ts_recent_ = 0;
  Instant ts_recent_age_;
  wire::Seq last_ack_sent_;

  // Congestion control and loss recovery (RFC 5681, 6582, 6675, 3042).
  CongestionAlgorithm congestion_algorithm_;
  std::unique_ptr<CongestionControl> congestion_;  // null: kNone
  CongestionState cstate_ = CongestionState::kOpen;
  int dupacks_ = 0;
  wire::Seq recover_;    // RFC 6582 "recover" / RFC 6675 RecoveryPoint (exclusive)
  wire::Seq high_rxt_;   // one past the highest byte retransmitted in this recovery
  bool rescue_done_ = false;
  bool cwnd_blocked_ = false;  // the last Output stopped on cwnd
  SackScoreboard scoreboard_;

  // Receive side. The receive buffer holds readable bytes at its front and
  // out-of-order bytes (recorded in ooo_) at their offsets past them.
  wire::Seq irs_, rcv_nxt_;
  uint32_t rcv_wnd_ = 0;
  ByteRing recv_buf_;
  Reassembly ooo_;
  std::optional<wire::Seq> ooo_fin_;
  bool fin_received_ = false;
  // SACK blocks to report: one sequence number inside each out-of-order
  // range, most recently changed first (RFC 2018 §4).
  std::array<wire::Seq, wire::kMaxSackBlocks> sack_marks_{};
  int sack_mark_count_ = 0;
  // Delayed ACK: its timer, and the largest segment the peer has sent
  // (Linux's rcv_mss), which is what a "full-sized segment" means.
  Instant delack_deadline_ = Instant::Infinite();
  // Which rule set delack_deadline_: the end of an arrival burst
  // (ack_arrival_bursts_once) or the delayed-ACK timeout. Set with it.
  bool burst_ack_due_ = false;
  uint32_t rcv_mss_ = 0;

  // Timers.
  RtoEstimator rto_;
  Instant rtx_deadline_ = Instant::Infinite();
  Instant persist_deadline_ = Instant::Infinite();
  // TIME-WAIT's end, or an orphan's FIN-WAIT-2 timeout: either closes.
  Instant time_wait_deadline_ = Instant::Infinite();
  int rtx_count_ = 0;            // timeouts since SND.UNA last advanced
  Instant rtx_episode_start_;    // when the unanswered transmission began
  bool rtt_timing_ = false;      // Karn: one segment timed at a time
  wire::Seq rtt_end_;
  Instant rtt_start_;
  bool persisting_ = false;
  int persist_backoff_ = 0;
  int probes_unanswered_ = 0;
  Instant probe_episode_start_;
  Instant keepalive_deadline_ = Instant::Infinite();
  int keepalive_unanswered_ = 0;
  Instant last_received_;

  ConnectionInfo stats_;  // only the counters are kept current
  wire::Packet tx_packet_;  // EmitPacket's, see there
};

}  // namespace tcplab::tcp

#endif  // TCPLAB_TCP_CONNECTION_H_
