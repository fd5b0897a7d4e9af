#include "tcp/connection.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace tcplab::tcp {

using wire::Seq;
namespace fl = wire::flags;

namespace {

constexpr uint16_t kDefaultPeerMss = 536;  // RFC 9293 §3.7.1
constexpr uint32_t kMaxWindow = 65535;     // no window scaling yet

std::string Seconds(absl::Duration d) {
  return absl::StrFormat("%.1f s", absl::ToDoubleSeconds(d));
}

}  // namespace

Connection::Connection(const StackConfig& config, ConnectionEnv* env,
                       SocketId id, const FourTuple& tuple, Seq iss)
    : config_(config),
      env_(env),
      id_(id),
      tuple_(tuple),
      iss_(iss),
      snd_una_(iss),
      snd_nxt_(iss),
      snd_max_(iss),
      eff_mss_(std::min<uint16_t>(config.mss, kDefaultPeerMss)),
      send_buf_(config.send_buffer_bytes),
      send_buf_seq_(iss + 1),
      recv_buf_(config.recv_buffer_bytes),
      rto_(config.rto_initial, config.rto_min, config.rto_max,
           config.rto_granularity) {
  if (eff_mss_ == 0) eff_mss_ = 1;
  rcv_wnd_ = static_cast<uint32_t>(std::min<size_t>(recv_buf_.capacity(), kMaxWindow));
}

// ---------------------------------------------------------------- opens

void Connection::ActiveOpen(Instant now) {
  SetState(now, ConnectionState::kSynSent);
  SendSyn(now, /*with_ack=*/false);
}

void Connection::PassiveOpen(Instant now, const wire::Packet& syn,
                             SocketId listener) {
  passive_ = true;
  listener_ = listener;
  state_ = ConnectionState::kListen;  // born from the listener
  ++stats_.segments_received;
  irs_ = syn.tcp.seq;
  rcv_nxt_ = irs_ + 1;
  NegotiateOptions(syn);
  // Text or FIN carried by the SYN is not kept: the peer sends it again.
  SetState(now, ConnectionState::kSynReceived);
  SendSyn(now, /*with_ack=*/true);
}

void Connection::NegotiateOptions(const wire::Packet& syn) {
  const wire::TcpOptions& o = syn.tcp.options;
  peer_mss_ = o.mss.value_or(0);
  uint16_t peer = o.mss ? *o.mss : kDefaultPeerMss;
  eff_mss_ = std::max<uint16_t>(1, std::min(config_.mss, peer));
}

// ---------------------------------------------------------------- arrival

void Connection::OnSegment(Instant now, const wire::Packet& p) {
  ++stats_.segments_received;
  if (state_ == ConnectionState::kSynSent) {
    OnSegmentSynSent(now, p);
    return;
  }
  if (state_ == ConnectionState::kClosed || state_ == ConnectionState::kListen) {
    return;
  }
  const wire::TcpHeader& h = p.tcp;
  const Seq orig_seq = h.seq;
  Seq seq = h.seq;
  absl::Span<const uint8_t> data = p.payload;
  bool syn = h.has(fl::kSyn);
  bool fin = h.has(fl::kFin);
  const bool rst = h.has(fl::kRst);
  const bool ack = h.has(fl::kAck);

  // An old SYN in SYN-RECEIVED: either the peer's SYN-ACK of a simultaneous
  // open (trim the SYN, keep the ACK) or a retransmitted SYN (our SYN-ACK
  // may have been lost: send it again).
  if (syn && !rst && !SynAcked() && seq == irs_) {
    if (ack) {
      syn = false;
      seq += 1;
    } else if (state_ == ConnectionState::kSynReceived) {
      ++stats_.duplicate_segments;
      SendSyn(now, /*with_ack=*/true);
      return;
    }
  }
  const uint32_t seg_len =
      static_cast<uint32_t>(data.size()) + (syn ? 1 : 0) + (fin ? 1 : 0);

  // First: the sequence number (acceptability test, §3.10.7.4).
  const uint32_t wnd = rcv_wnd_;
  bool acceptable;
  if (seg_len == 0) {
    acceptable = wnd == 0 ? seq == rcv_nxt_ : seq.InRange(rcv_nxt_, rcv_nxt_ + wnd);
  } else if (wnd == 0) {
    acceptable = seq == rcv_nxt_;  // the special allowance, see connection.h
  } else {
    acceptable = seq.InRange(rcv_nxt_, rcv_nxt_ + wnd) ||
                 (seq + (seg_len - 1)).InRange(rcv_nxt_, rcv_nxt_ + wnd);
  }
  if (!acceptable) {
    ++env_->stack_counters().unacceptable_segment;
    if (seg_len > 0) ++stats_.duplicate_segments;
    if (!rst) {
      if (state_ == ConnectionState::kTimeWait && fin) {
        time_wait_deadline_ = now + 2 * config_.msl;  // retransmitted FIN
      }
      SendAck(now);
    }
    return;
  }

  // Second: RST (RFC 5961 §3 as in RFC 9293).
  if (rst) {
    if (orig_seq != rcv_nxt_) {
      ++env_->stack_counters().challenge_acks;
      SendAck(now);
      return;
    }
    ++env_->stack_counters().resets_received;
    ResetByPeer(now);
    return;
  }

  // Fourth: SYN (any sequence number, RFC 5961 §4).
  if (syn) {
    if (state_ == ConnectionState::kSynReceived && passive_) {
      // Back to LISTEN: the listener still exists; this TCB goes.
      EnterClosed(now);
      return;
    }
    ++env_->stack_counters().challenge_acks;
    SendAck(now);
    return;
  }

  // Trim to the window: what lies before RCV.NXT is old, past the right
  // edge is not ours to keep.
  const bool occupied = seg_len > 0;
  if (seq < rcv_nxt_) {
    uint32_t old = static_cast<uint32_t>(rcv_nxt_ - seq);
    if (old >= data.size()) {
      if (old > data.size()) fin = false;  // the FIN itself was old
      data = {};
    } else {
      data = data.subspan(old);
    }
    seq = rcv_nxt_;
  }
  const Seq right_edge = rcv_nxt_ + wnd;
  if (seq + static_cast<uint32_t>(data.size()) > right_edge) {
    int32_t fits = right_edge - seq;
    data = data.first(fits > 0 ? static_cast<size_t>(fits) : 0);
    fin = false;
  }

  // Fifth: ACK.
  if (!ack) return;
  bool connected_posted = false;
  if (state_ == ConnectionState::kSynReceived) {
    if (h.ack > snd_una_ && h.ack <= snd_max_) {
      snd_wnd_ = h.window;
      max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
      snd_wl1_ = orig_seq;
      snd_wl2_ = h.ack;
      SetState(now, ConnectionState::kEstablished);
      if (state_ == ConnectionState::kClosed) return;
      // RFC 6298 §5.7.
      if (rtx_count_ > 0) rto_.RaiseAfterSynTimeout(absl::Seconds(3));
      Post(now, EventKind::kConnected);
      connected_posted = true;
    } else {
      ++env_->stack_counters().unacceptable_ack;
      SendRst(now, h.ack);
      return;
    }
  }
  // Acceptable: SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT (RFC 9293
  // §3.10.7.4 with RFC 5961 §5); anything else is dropped with an ACK.
  if (h.ack > snd_max_ || h.ack < snd_una_ - max_snd_wnd_) {
    ++env_->stack_counters().unacceptable_ack;
    SendAck(now);
    return;
  }
  probes_unanswered_ = 0;
  // Our SYN acknowledged in FIN-WAIT-1 (a close issued in SYN-RECEIVED):
  // the handshake completes here rather than in SYN-RECEIVED above.
  const bool completes_handshake = !connected_posted && !SynAcked() && h.ack > snd_una_;
  const bool syn_timed_out = rtx_count_ > 0;
  const bool acks_new = h.ack > snd_una_;
  if (acks_new) ProcessAck(now, h.ack);
  if (completes_handshake) {
    if (syn_timed_out) rto_.RaiseAfterSynTimeout(absl::Seconds(3));  // RFC 6298 §5.7
    Post(now, EventKind::kConnected);
  }
  if (h.ack >= snd_una_) UpdateSendWindow(now, orig_seq, h.ack, h.window, acks_new);
  ApplyQueuedFin(now);  // a close issued before the handshake completed
  switch (state_) {
    case ConnectionState::kFinWait1:
      if (FinAcked()) {
        SetState(now, ConnectionState::kFinWait2);
        if (released_) time_wait_deadline_ = now + config_.fin_wait2_timeout;
      }
      break;
    case ConnectionState::kClosing:
      if (FinAcked()) EnterTimeWait(now);
      break;
    case ConnectionState::kLastAck:
      if (FinAcked()) {
        EnterClosed(now);
        if (!released_) Post(now, EventKind::kClosed);
        return;
      }
      break;
    default:
      break;
  }

  // Seventh: segment text.
  bool ack_needed = occupied;
  if (!data.empty()) {
    switch (state_) {
      case ConnectionState::kEstablished:
      case ConnectionState::kFinWait1:
      case ConnectionState::kFinWait2:
        if (released_) {
          // Nobody will ever read this (§3.10.4, RFC 1122 §4.2.2.13).
          SendRst(now, snd_nxt_);
          Die(now, absl::AbortedError("connection reset: data arrived after close"),
              EventKind::kReset);
          return;
        }
        ReceiveData(now, seq, data);
        break;
      default:
        break;  // the peer's FIN came already: ignore
    }
  } else if (occupied && !fin) {
    ++stats_.duplicate_segments;
  }

  // Eighth: FIN.
  if (fin && state_ != ConnectionState::kClosed) {
    Seq fin_seq = seq + static_cast<uint32_t>(data.size());
    if (fin_seq == rcv_nxt_) {
      ProcessFin(now);
    } else if (fin_seq > rcv_nxt_ && !fin_received_) {
      ooo_fin_ = fin_seq;  // waits for the hole before it
    } else if (fin_received_ && state_ == ConnectionState::kTimeWait) {
      time_wait_deadline_ = now + 2 * config_.msl;
    }
  }
  if (state_ == ConnectionState::kClosed) return;

  uint64_t sent_before = stats_.segments_sent;
  Output(now);
  if (ack_needed && stats_.segments_sent == sent_before) SendAck(now);
}

void Connection::OnSegmentSynSent(Instant now, const wire::Packet& p) {
  const wire::TcpHeader& h = p.tcp;
  const bool ack = h.has(fl::kAck);
  const bool rst = h.has(fl::kRst);
  const bool syn = h.has(fl::kSyn);
  // First: the ACK.
  if (ack && (h.ack <= iss_ || h.ack > snd_max_)) {
    ++env_->stack_counters().unacceptable_ack;
    if (!rst) SendRst(now, h.ack);
    return;
  }
  // Second: RST, only with an acceptable ACK.
  if (rst) {
    if (ack) {
      ++env_->stack_counters().resets_received;
      ResetByPeer(now);
    }
    return;
  }
  // Fourth: SYN.
  if (!syn) return;
  irs_ = h.seq;
  rcv_nxt_ = irs_ + 1;
  NegotiateOptions(p);
  snd_wnd_ = h.window;
  max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
  snd_wl1_ = h.seq;
  snd_wl2_ = h.ack;
  if (ack) {
    const bool syn_timed_out = rtx_count_ > 0;
    ProcessAck(now, h.ack);
    SetState(now, ConnectionState::kEstablished);
    if (state_ == ConnectionState::kClosed) return;
    if (syn_timed_out) rto_.RaiseAfterSynTimeout(absl::Seconds(3));  // RFC 6298 §5.7
    Post(now, EventKind::kConnected);
    ApplyQueuedFin(now);
    // Data or FIN on a SYN-ACK is not kept: the peer sends it again.
    uint64_t sent_before = stats_.segments_sent;
    Output(now);
    if (stats_.segments_sent == sent_before) SendAck(now);
  } else {
    // Simultaneous open.
    SetState(now, ConnectionState::kSynReceived);
    SendSyn(now, /*with_ack=*/true);
  }
}

void Connection::ProcessAck(Instant now, Seq ack) {
  // Data bytes acknowledged (the SYN and FIN take no buffer space).
  Seq data_acked_to = Min(ack, DataEnd());
  if (data_acked_to > send_buf_seq_) {
    uint32_t n = static_cast<uint32_t>(data_acked_to - send_buf_seq_);
    send_buf_.Consume(n);
    send_buf_seq_ += n;
    stats_.bytes_sent += n;
  }
  const Seq old_una = snd_una_;
  snd_una_ = ack;
  if (snd_nxt_ < snd_una_) snd_nxt_ = snd_una_;
  absl::Duration rtt = absl::ZeroDuration();
  if (rtt_timing_ && ack >= rtt_end_) {
    rtt_timing_ = false;
    rtt = now - rtt_start_;
    rto_.OnSample(rtt);
    ++stats_.rtt_samples;
  }
  if (congestion_ != nullptr) congestion_->OnAck(now, static_cast<uint32_t>(ack - old_una), rtt);
  rtx_count_ = 0;
  if (snd_una_ == snd_max_) {
    rtx_deadline_ = Instant::Infinite();
  } else if (!persisting_) {
    rtx_deadline_ = now + rto_.rto();  // RFC 6298 §5.3
    rtx_episode_start_ = now;
  }
  if (want_writable_ && send_buf_.free() > 0 && !fin_queued_) {
    want_writable_ = false;
    Post(now, EventKind::kWritable);
  }
}

void Connection::UpdateSendWindow(Instant now, Seq seq, Seq ack, uint32_t window,
                                  bool acks_new) {
  // §3.10.7.4 fifth: SND.WL1/SND.WL2 keep an old segment from updating the
  // window. A segment that acknowledges new data always does (as Linux
  // does): its window is measured from the ACK that moved SND.UNA, and
  // keeping the old window against the new SND.UNA would put our idea of
  // the right edge past anything the peer offered (a hole-filling
  // retransmission carries a lower SEG.SEQ than SND.WL1).
  if (!acks_new && !(snd_wl1_ < seq || (snd_wl1_ == seq && snd_wl2_ <= ack))) return;
  snd_wnd_ = window;
  if (snd_wl1_ < seq || !acks_new) snd_wl1_ = seq;
  snd_wl2_ = ack;
  max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
  if (snd_wnd_ == 0) {
    MaybeEnterPersist(now);
  } else if (persisting_) {
    persisting_ = false;
    persist_deadline_ = Instant::Infinite();
    persist_backoff_ = 0;
    // A probe byte the peer did not take goes again with what follows it.
    snd_nxt_ = snd_una_;
  }
}

void Connection::ReceiveData(Instant now, Seq seq, absl::Span<const uint8_t> data) {
  const uint32_t len = static_cast<uint32_t>(data.size());
  if (seq == rcv_nxt_) {
    const bool was_empty = recv_buf_.empty();
    recv_buf_.WriteAt(recv_buf_.size(), data);
    recv_buf_.Extend(len);
    rcv_nxt_ += len;
    uint32_t more = ooo_.PopContiguous(rcv_nxt_);
    recv_buf_.Extend(more);
    rcv_nxt_ += more;
    uint32_t delivered = len + more;
    rcv_wnd_ -= std::min(delivered, rcv_wnd_);
    stats_.bytes_received += delivered;
    if (was_empty && delivered > 0) Post(now, EventKind::kReadable);
    if (ooo_fin_ && *ooo_fin_ == rcv_nxt_) ProcessFin(now);
    return;
  }
  // Past RCV.NXT, inside the window: park it at its offset.
  size_t offset = recv_buf_.size() + static_cast<uint32_t>(seq - rcv_nxt_);
  if (ooo_.Insert(seq, seq + len, config_.out_of_order_limit_bytes)) {
    recv_buf_.WriteAt(offset, data);
    ++stats_.out_of_order_segments;
  } else {
    ++env_->stack_counters().out_of_order_dropped;
  }
}

void Connection::ProcessFin(Instant now) {
  if (fin_received_) return;
  fin_received_ = true;
  ooo_fin_.reset();
  rcv_nxt_ += 1;
  ooo_.Clear();
  Post(now, EventKind::kPeerClosed);
  switch (state_) {
    case ConnectionState::kSynReceived:
    case ConnectionState::kEstablished:
      SetState(now, ConnectionState::kCloseWait);
      break;
    case ConnectionState::kFinWait1:
      if (FinAcked()) {
        EnterTimeWait(now);
      } else {
        SetState(now, ConnectionState::kClosing);
      }
      break;
    case ConnectionState::kFinWait2:
      EnterTimeWait(now);
      break;
    default:
      break;
  }
}

void Connection::ResetByPeer(Instant now) {
  switch (state_) {
    case ConnectionState::kSynReceived:
      if (passive_) {
        EnterClosed(now);  // back to LISTEN; the application never saw it
      } else {
        Die(now, absl::UnavailableError("connection refused: reset by peer in SYN-RECEIVED"),
            EventKind::kReset);
      }
      return;
    case ConnectionState::kTimeWait:
      // RFC 9293 §3.10.7.4 (no RFC 1337 protection). An application that
      // only shut down its side still holds the socket: tell it, as the
      // TIME-WAIT timer does.
      EnterClosed(now);
      if (!released_) Post(now, EventKind::kClosed);
      return;
    default: {
      std::string msg = absl::StrCat("connection reset by peer in ", StateName(state_));
      recv_buf_.Consume(recv_buf_.size());
      ooo_.Clear();
      Die(now, absl::AbortedError(msg), EventKind::kReset);
      return;
    }
  }
}

// ---------------------------------------------------------------- output

bool Connection::CanSendData() const {
  switch (state_) {
    case ConnectionState::kEstablished:
    case ConnectionState::kCloseWait:
    case ConnectionState::kFinWait1:
    case ConnectionState::kClosing:
    case ConnectionState::kLastAck:
      return true;
    default:
      return false;
  }
}

void Connection::Output(Instant now) {
  if (!CanSendData()) return;
  for (;;) {
    if (snd_nxt_ < send_buf_seq_) snd_nxt_ = send_buf_seq_;
    const int32_t unsent = DataEnd() - snd_nxt_;
    if (unsent > 0) {
      if (persisting_) break;
      int32_t usable = (snd_una_ + snd_wnd_) - snd_nxt_;
      if (congestion_ != nullptr) {
        const int64_t cwnd_room = int64_t{congestion_->CongestionWindow()} -
                                  static_cast<int64_t>(snd_nxt_ - snd_una_);
        if (cwnd_room < usable) usable = static_cast<int32_t>(std::max<int64_t>(cwnd_room, 0));
      }
      if (usable <= 0) break;
      uint32_t len = std::min<uint32_t>({eff_mss_, static_cast<uint32_t>(unsent),
                                         static_cast<uint32_t>(usable)});
      // Sender-side silly window avoidance (§3.8.6.2.1): a short segment
      // goes only if it carries all that is queued, is at least half the
      // largest window seen, or nothing is in flight (the override).
      const bool in_flight = snd_nxt_ != snd_una_;
      if (len < eff_mss_ && len < static_cast<uint32_t>(unsent) && in_flight &&
          len < max_snd_wnd_ / 2) {
        break;
      }
      const bool fin = fin_queued_ && snd_nxt_ + len == FinSeq();
      SendSegmentAt(now, snd_nxt_, len, fin);
      continue;
    }
    if (fin_queued_ && snd_nxt_ == FinSeq()) {
      SendSegmentAt(now, snd_nxt_, 0, /*fin=*/true);
    }
    break;
  }
  MaybeEnterPersist(now);
}

void Connection::MaybeEnterPersist(Instant now) {
  if (persisting_ || snd_wnd_ != 0 || !CanSendData()) return;
  if (!(DataEnd() > snd_una_)) return;  // nothing that needs window
  persisting_ = true;
  // What was in flight lies beyond the window the peer now offers: it goes
  // again, behind the probes, once the window opens.
  rtx_deadline_ = Instant::Infinite();
  rtx_count_ = 0;
  rtt_timing_ = false;
  snd_nxt_ = snd_una_;
  persist_backoff_ = 0;
  probes_unanswered_ = 0;
  probe_episode_start_ = now;
  absl::Duration d = std::clamp(rto_.rto(), config_.persist_min, config_.persist_max);
  persist_deadline_ = now + d;
}

void Connection::SendSegmentAt(Instant now, Seq seq, uint32_t len, bool fin) {
  absl::Span<uint8_t> scratch = env_->PayloadScratch().first(len);
  send_buf_.CopyOut(static_cast<uint32_t>(seq - send_buf_seq_), scratch);
  uint8_t flags = fl::kAck;
  if (fin) flags |= fl::kFin;
  if (len > 0 && seq + len == DataEnd()) flags |= fl::kPsh;
  const Seq end = seq + len + (fin ? 1 : 0);
  const bool retransmission = seq < snd_max_;
  if (retransmission) {
    ++stats_.retransmissions;
    rtt_timing_ = false;  // Karn
  }
  EmitPacket(flags, seq, scratch, /*mss_option=*/false);
  if (end > snd_nxt_) snd_nxt_ = end;
  if (end > snd_max_) snd_max_ = end;
  if (!retransmission && !rtt_timing_ && end != seq) {
    rtt_timing_ = true;
    rtt_end_ = end;
    rtt_start_ = now;
  }
  if (rtx_deadline_.is_infinite() && end != seq && !persisting_) ArmRetransmit(now);
}

void Connection::SendSyn(Instant now, bool with_ack) {
  const bool retransmission = snd_max_ != iss_;
  EmitPacket(with_ack ? (fl::kSyn | fl::kAck) : fl::kSyn, iss_, {}, /*mss_option=*/true);
  if (retransmission) {
    ++stats_.retransmissions;
    rtt_timing_ = false;
  } else {
    snd_nxt_ = snd_max_ = iss_ + 1;
    rtt_timing_ = true;
    rtt_end_ = iss_ + 1;
    rtt_start_ = now;
  }
  if (rtx_deadline_.is_infinite()) ArmRetransmit(now);
}

void Connection::SendAck(Instant /*now*/) {
  EmitPacket(fl::kAck, snd_nxt_, {}, false);
}

void Connection::SendRst(Instant /*now*/, Seq seq) {
  EmitPacket(fl::kRst, seq, {}, false);
  ++env_->stack_counters().resets_sent;
}

void Connection::EmitPacket(uint8_t flags, Seq seq, absl::Span<const uint8_t> payload,
                            bool mss_option) {
  wire::Packet p;
  p.ip.src = tuple_.local_address;
  p.ip.dst = tuple_.remote_address;
  p.ip.ttl = config_.ttl;
  p.tcp.src_port = tuple_.local_port;
  p.tcp.dst_port = tuple_.remote_port;
  p.tcp.seq = seq;
  p.tcp.flags = flags;
  if (flags & fl::kAck) p.tcp.ack = rcv_nxt_;
  p.tcp.window = (flags & fl::kRst) ? 0 : static_cast<uint16_t>(AdvertiseWindow());
  if (mss_option) p.tcp.options.mss = config_.mss;
  p.payload = payload;
  ++stats_.segments_sent;
  env_->Emit(p);
}

uint32_t Connection::WindowIfAdvertisedNow() const {
  const uint32_t avail =
      static_cast<uint32_t>(std::min<size_t>(recv_buf_.free(), kMaxWindow));
  if (avail <= rcv_wnd_) return rcv_wnd_;
  // Receiver-side silly window avoidance (§3.8.6.2.2): move the right edge
  // only by at least min(half the buffer, one MSS).
  const uint32_t step = std::min<uint32_t>(
      static_cast<uint32_t>(recv_buf_.capacity() / 2), eff_mss_);
  if (avail - rcv_wnd_ >= std::max<uint32_t>(step, 1)) return avail;
  return rcv_wnd_;
}

uint32_t Connection::AdvertiseWindow() {
  rcv_wnd_ = WindowIfAdvertisedNow();
  return rcv_wnd_;
}

// ---------------------------------------------------------------- timers

Instant Connection::NextDeadline() const {
  return Earliest(rtx_deadline_, Earliest(persist_deadline_, time_wait_deadline_));
}

void Connection::OnTimer(Instant now) {
  if (time_wait_deadline_ <= now) {
    time_wait_deadline_ = Instant::Infinite();
    EnterClosed(now);
    if (!released_) Post(now, EventKind::kClosed);
    return;
  }
  if (rtx_deadline_ <= now) OnRetransmitTimeout(now);
  if (state_ == ConnectionState::kClosed) return;
  if (persist_deadline_ <= now) OnPersistTimeout(now);
}

void Connection::ArmRetransmit(Instant now) {
  rtx_deadline_ = now + rto_.rto();
  if (rtx_count_ == 0) rtx_episode_start_ = now;
}

void Connection::OnRetransmitTimeout(Instant now) {
  rtx_deadline_ = Instant::Infinite();
  if (snd_una_ == snd_max_) return;
  // Our SYN unacknowledged: in SYN-SENT, SYN-RECEIVED, or FIN-WAIT-1
  // entered from SYN-RECEIVED by a close.
  const bool handshake = !SynAcked();
  const bool fin_only = !handshake && fin_queued_ && snd_una_ == FinSeq();
  const int limit = handshake ? config_.syn_retries
                    : fin_only ? config_.fin_retries
                               : config_.data_retries;
  if (rtx_count_ >= limit) {
    std::string what;
    // Sequence numbers relative to our ISN, as a packet trace shows them.
    const uint32_t una = static_cast<uint32_t>(snd_una_ - iss_);
    if (handshake) {
      what = state_ == ConnectionState::kSynSent ? "SYN" : "SYN-ACK";
    } else if (fin_only) {
      what = absl::StrCat("FIN seq ", una);
    } else {
      what = absl::StrCat("seq ", una, ":", una + RetransmitLength());
    }
    Die(now,
        absl::DeadlineExceededError(absl::StrCat(
            "connection timed out: ", rtx_count_, " retransmissions of ", what,
            " unanswered over ", Seconds(now - rtx_episode_start_))),
        EventKind::kTimedOut);
    return;
  }
  ++rtx_count_;
  ++stats_.timeouts;
  rto_.Backoff();
  if (congestion_ != nullptr) congestion_->OnRetransmitTimeout(now);
  rtt_timing_ = false;
  uint32_t seq_len;
  if (handshake) {
    SendSyn(now, state_ != ConnectionState::kSynSent);
    seq_len = 1;
  } else {
    const uint32_t len = RetransmitLength();
    bool fin = FinSent() && snd_una_ + len == FinSeq();
    snd_nxt_ = snd_una_;  // go-back-N
    SendSegmentAt(now, snd_una_, len, fin);
    seq_len = len + (fin ? 1 : 0);
  }
  if (StackObserver* o = env_->observer()) {
    o->OnRetransmit(id_, snd_una_, seq_len, rtx_count_, now);
  }
  rtx_deadline_ = now + rto_.rto();
}

uint32_t Connection::RetransmitLength() const {
  const int32_t data_left = DataEnd() - snd_una_;
  if (data_left <= 0) return 0;
  // Inside the peer's window like any segment (§3.8.6.2.1); a zero window
  // here (only while a FIN alone is outstanding) still lets one byte go.
  return std::min<uint32_t>({eff_mss_, static_cast<uint32_t>(data_left),
                             std::max<uint32_t>(snd_wnd_, 1)});
}

void Connection::OnPersistTimeout(Instant now) {
  persist_deadline_ = Instant::Infinite();
  if (!persisting_ || !CanSendData()) return;
  if (snd_wnd_ != 0 || !(DataEnd() > snd_una_)) {
    persisting_ = false;
    Output(now);
    return;
  }
  if (probes_unanswered_ >= config_.probe_retries) {
    Die(now,
        absl::DeadlineExceededError(absl::StrCat(
            "connection timed out: ", probes_unanswered_,
            " zero-window probes unanswered over ",
            Seconds(now - probe_episode_start_))),
        EventKind::kTimedOut);
    return;
  }
  if (probes_unanswered_ == 0) probe_episode_start_ = now;
  ++probes_unanswered_;
  ++stats_.zero_window_probes;
  // One byte at SND.UNA: beyond the window, it draws an ACK with the
  // current window; if the window had opened, it is accepted.
  const bool fin = fin_queued_ && snd_una_ + 1 == FinSeq() && FinSent();
  SendSegmentAt(now, snd_una_, 1, fin);
  if (StackObserver* o = env_->observer()) o->OnZeroWindowProbe(id_, snd_una_, now);
  ++persist_backoff_;
  absl::Duration d = std::clamp(rto_.rto(), config_.persist_min, config_.persist_max);
  for (int i = 0; i < persist_backoff_ && d < config_.persist_max; ++i) d *= 2;
  persist_deadline_ = now + std::min(d, config_.persist_max);
}

void Connection::EnterTimeWait(Instant now) {
  SetState(now, ConnectionState::kTimeWait);
  rtx_deadline_ = Instant::Infinite();
  persist_deadline_ = Instant::Infinite();
  persisting_ = false;
  time_wait_deadline_ = now + 2 * config_.msl;
}

// ---------------------------------------------------------------- user calls

absl::StatusOr<size_t> Connection::Send(Instant now, absl::Span<const uint8_t> data) {
  switch (state_) {
    case ConnectionState::kSynSent:
    case ConnectionState::kSynReceived:
    case ConnectionState::kEstablished:
    case ConnectionState::kCloseWait:
      break;
    default:
      if (!error_.ok()) return error_;
      return absl::FailedPreconditionError(
          absl::StrCat("cannot send: connection is in ", StateName(state_)));
  }
  if (fin_queued_) {
    return absl::FailedPreconditionError("cannot send: connection is shut down for sending");
  }
  size_t n = send_buf_.Append(data);
  if (n < data.size()) want_writable_ = true;
  if (n > 0) Output(now);
  return n;
}

absl::StatusOr<size_t> Connection::Receive(Instant now, absl::Span<uint8_t> out) {
  size_t n = std::min(out.size(), recv_buf_.size());
  if (n == 0) {
    if (!error_.ok()) return error_;
    return 0;
  }
  recv_buf_.CopyOut(0, out.first(n));
  recv_buf_.Consume(n);
  // A window update when the window opens from below one MSS: the peer may
  // be stalled on it.
  switch (state_) {
    case ConnectionState::kEstablished:
    case ConnectionState::kFinWait1:
    case ConnectionState::kFinWait2: {
      uint32_t old = rcv_wnd_;
      uint32_t next = WindowIfAdvertisedNow();
      if (next > old && old < eff_mss_) SendAck(now);
      break;
    }
    default:
      break;
  }
  return n;
}

absl::Status Connection::Shutdown(Instant now) {
  switch (state_) {
    case ConnectionState::kSynSent:
    case ConnectionState::kSynReceived:
      if (fin_queued_) break;
      // In SYN-RECEIVED with nothing queued the FIN goes now (FIN-WAIT-1);
      // otherwise once the handshake completes.
      fin_queued_ = true;
      ApplyQueuedFin(now);
      Output(now);
      return absl::OkStatus();
    case ConnectionState::kEstablished:
    case ConnectionState::kCloseWait:
      if (fin_queued_) break;
      fin_queued_ = true;
      ApplyQueuedFin(now);
      Output(now);
      return absl::OkStatus();
    case ConnectionState::kClosed:
      if (!error_.ok()) return error_;
      return absl::FailedPreconditionError("connection is closed");
    default:
      break;
  }
  return absl::FailedPreconditionError(
      absl::StrCat("already shut down for sending (", StateName(state_), ")"));
}

void Connection::Close(Instant now) {
  released_ = true;
  switch (state_) {
    case ConnectionState::kClosed:
    case ConnectionState::kTimeWait:
      return;
    case ConnectionState::kSynSent:
      EnterClosed(now);
      return;
    default:
      break;
  }
  if (state_ == ConnectionState::kFinWait2) {
    time_wait_deadline_ = now + config_.fin_wait2_timeout;
  }
  if (!recv_buf_.empty() || ooo_.bytes() > 0) {
    // Unread data: the peer must learn that it was not delivered.
    SendRst(now, snd_nxt_);
    recv_buf_.Consume(recv_buf_.size());
    EnterClosed(now);
    return;
  }
  if (!fin_queued_) {
    fin_queued_ = true;
    ApplyQueuedFin(now);
    Output(now);
  }
}

void Connection::Abort(Instant now) {
  released_ = true;
  switch (state_) {
    case ConnectionState::kSynReceived:
    case ConnectionState::kEstablished:
    case ConnectionState::kFinWait1:
    case ConnectionState::kFinWait2:
    case ConnectionState::kCloseWait:
      SendRst(now, snd_nxt_);
      break;
    default:
      break;
  }
  if (state_ != ConnectionState::kClosed) {
    error_ = absl::CancelledError("connection aborted by the application");
    EnterClosed(now);
  }
}

// ---------------------------------------------------------------- state

void Connection::ApplyQueuedFin(Instant now) {
  if (!fin_queued_) return;
  if (state_ == ConnectionState::kEstablished ||
      (state_ == ConnectionState::kSynReceived && send_buf_.empty())) {
    SetState(now, ConnectionState::kFinWait1);
  } else if (state_ == ConnectionState::kCloseWait) {
    SetState(now, ConnectionState::kLastAck);
  }
}

void Connection::SetState(Instant now, ConnectionState to) {
  ConnectionState from = state_;
  if (from == to) return;
  state_ = to;
  env_->StateChanged(*this, from, to, now);
}

void Connection::EnterClosed(Instant now) {
  rtx_deadline_ = Instant::Infinite();
  persist_deadline_ = Instant::Infinite();
  time_wait_deadline_ = Instant::Infinite();
  persisting_ = false;
  SetState(now, ConnectionState::kClosed);
}

void Connection::Die(Instant now, absl::Status error, EventKind kind) {
  error_ = std::move(error);
  EnterClosed(now);
  Post(now, kind);
}

// ---------------------------------------------------------------- queries

Readiness Connection::readiness() const {
  Readiness r;
  r.connected = IsSynchronized(state_);
  r.readable = !recv_buf_.empty();
  r.writable = (state_ == ConnectionState::kEstablished ||
                state_ == ConnectionState::kCloseWait) &&
               !fin_queued_ && send_buf_.free() > 0;
  r.peer_closed = fin_received_;
  r.eof = fin_received_ && recv_buf_.empty();
  r.error = !error_.ok();
  return r;
}

ConnectionInfo Connection::info() const {
  ConnectionInfo i = stats_;
  i.local_address = tuple_.local_address;
  i.local_port = tuple_.local_port;
  i.remote_address = tuple_.remote_address;
  i.remote_port = tuple_.remote_port;
  i.state = state_;
  i.iss = iss_;
  i.snd_una = snd_una_;
  i.snd_nxt = snd_nxt_;
  i.snd_max = snd_max_;
  i.snd_wl1 = snd_wl1_;
  i.snd_wl2 = snd_wl2_;
  i.snd_wnd = snd_wnd_;
  i.max_snd_wnd = max_snd_wnd_;
  i.irs = irs_;
  i.rcv_nxt = rcv_nxt_;
  i.rcv_wnd = rcv_wnd_;
  i.eff_snd_mss = eff_mss_;
  i.peer_mss = peer_mss_;
  i.srtt = rto_.srtt();
  i.rttvar = rto_.rttvar();
  i.rto = rto_.rto();
  i.send_buffered = send_buf_.size();
  i.recv_buffered = recv_buf_.size();
  i.out_of_order_bytes = ooo_.bytes();
  return i;
}

}  // namespace tcplab::tcp
