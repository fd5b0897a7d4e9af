#include "tcp/connection.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace tcplab::tcp {

using wire::Seq;
namespace fl = wire::flags;

namespace {

constexpr uint16_t kDefaultPeerMss = 536;  // RFC 9293 §3.7.1
constexpr uint32_t kMaxWindow = 65535;     // unscaled
constexpr uint8_t kMaxWindowShift = 14;    // RFC 7323 §2.3
constexpr int kDupThresh = 3;              // RFC 5681 / RFC 6675 DupThresh
constexpr uint16_t kTimestampOptionBytes = 12;  // NOP NOP TS, RFC 7323 App. A
// RFC 7323 §5.5: TS.Recent older than this is invalid (24 days).
constexpr absl::Duration kPawsIdle = absl::Hours(24 * 24);

std::string Seconds(absl::Duration d) {
  return absl::StrFormat("%.1f s", absl::ToDoubleSeconds(d));
}

// The smallest shift whose largest window covers `buffer` (Linux announces
// a fixed 7; the smallest keeps the granularity fine).
uint8_t ShiftFor(size_t buffer) {
  uint8_t s = 0;
  while (s < kMaxWindowShift && (size_t{kMaxWindow} << s) < buffer) ++s;
  return s;
}

uint8_t OfferedShift(const StackConfig& c) {
  if (!c.window_scale) return 0;
  if (c.window_scale_shift) return std::min(*c.window_scale_shift, kMaxWindowShift);
  return ShiftFor(c.recv_buffer_bytes);
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
      offer_wscale_(OfferedShift(config)),
      // A per-connection TSval offset, as Linux's, from the ISN (already a
      // keyed hash of the 4-tuple).
      ts_offset_(iss.raw() * 2654435761u),
      congestion_algorithm_(config.congestion),
      recover_(iss),
      high_rxt_(iss),
      // Slack for a window rounded up to the scale's granularity.
      recv_buf_(config.recv_buffer_bytes + (size_t{1} << offer_wscale_)),
      rto_(config.rto_initial, config.rto_min, config.rto_max,
           config.rto_granularity) {
  if (eff_mss_ == 0) eff_mss_ = 1;
  rcv_wnd_ = static_cast<uint32_t>(std::min<size_t>(config.recv_buffer_bytes, kMaxWindow));
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
  NegotiateOptions(now, syn);
  // Text or FIN carried by the SYN is not kept: the peer sends it again.
  SetState(now, ConnectionState::kSynReceived);
  SendSyn(now, /*with_ack=*/true);
}

void Connection::NegotiateOptions(Instant now, const wire::Packet& syn) {
  const wire::TcpOptions& o = syn.tcp.options;
  peer_mss_ = o.mss.value_or(0);
  uint16_t peer = o.mss ? *o.mss : kDefaultPeerMss;
  eff_mss_ = std::max<uint16_t>(1, std::min(config_.mss, peer));
  // Each option is on only when both SYNs carry it (RFC 7323 §1.3, §2.2;
  // RFC 2018 §2). Our SYN carried whatever the configuration enables.
  sack_ok_ = config_.sack && o.sack_permitted;
  ts_ok_ = config_.timestamps && o.timestamps.has_value();
  ws_ok_ = config_.window_scale && o.window_scale.has_value();
  if (ws_ok_) {
    // RFC 7323 §2.3: a shift above 14 is taken as 14.
    snd_wscale_ = std::min(*o.window_scale, kMaxWindowShift);
    rcv_wscale_ = offer_wscale_;
  } else {
    snd_wscale_ = rcv_wscale_ = 0;
  }
  if (ts_ok_) {
    ts_recent_ = o.timestamps->val;
    ts_recent_age_ = now;
    if (eff_mss_ > kTimestampOptionBytes + 1) eff_mss_ -= kTimestampOptionBytes;  // RFC 6691
  }
  // Until the peer's segments show their size, a full-sized one is taken
  // to be no larger than the default MSS (as Linux's rcv_mss starts).
  rcv_mss_ = std::min<uint32_t>(eff_mss_, kDefaultPeerMss);
}

void Connection::OnEstablished(Instant now) {
  InitCongestion();
  last_received_ = now;
  last_send_ = now;
  ArmKeepalive(now);
}

void Connection::InitCongestion() {
  congestion_ = MakeCongestionControl(congestion_algorithm_, eff_mss_,
                                      config_.initial_window_segments);
  cstate_ = CongestionState::kOpen;
  dupacks_ = 0;
  recover_ = snd_una_;
  high_rxt_ = snd_una_;
}

void Connection::SetCongestion(CongestionAlgorithm algorithm) {
  congestion_algorithm_ = algorithm;
  if (IsSynchronized(state_)) InitCongestion();
}

void Connection::SetNoDelay(Instant now, bool nodelay) {
  nodelay_ = nodelay;
  if (nodelay) Output(now);  // as setsockopt(TCP_NODELAY) pushes what waits
}

// ---------------------------------------------------------------- arrival

void Connection::OnSegment(Instant now, const wire::Packet& p) {
  ++stats_.segments_received;
  last_received_ = now;
  if (keepalive_deadline_ != Instant::Infinite() || keepalive_unanswered_ > 0) ArmKeepalive(now);
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
      // The SYN-ACK echoes the SYN it answers (RFC 7323 §4.3 (3)).
      if (ts_ok_ && h.options.timestamps) ts_recent_ = h.options.timestamps->val;
      SendSyn(now, /*with_ack=*/true);
      return;
    }
  }
  const uint32_t seg_len =
      static_cast<uint32_t>(data.size()) + (syn ? 1 : 0) + (fin ? 1 : 0);

  // RFC 7323 §5.3 R1: PAWS, before the sequence number test.
  if (!rst && !PawsAccepts(now, p)) {
    ++env_->stack_counters().paws_rejected;
    if (seg_len > 0) ++stats_.duplicate_segments;
    SendAck(now);
    return;
  }

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
      SendChallengeAck(now);
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
    SendChallengeAck(now);
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
  // Windows of segments other than SYNs are scaled (RFC 7323 §2.2).
  const uint32_t seg_wnd = uint32_t{h.window} << snd_wscale_;
  bool connected_posted = false;
  if (state_ == ConnectionState::kSynReceived) {
    if (h.ack > snd_una_ && h.ack <= snd_max_) {
      snd_wnd_ = seg_wnd;
      max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
      snd_wl1_ = orig_seq;
      snd_wl2_ = h.ack;
      SetState(now, ConnectionState::kEstablished);
      if (state_ == ConnectionState::kClosed) return;
      OnEstablished(now);
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
    SendChallengeAck(now);
    return;
  }
  probes_unanswered_ = 0;
  // RFC 7323 §4.3 (2): TS.Recent follows the segment that the last ACK
  // we sent asked for (SEG.SEQ <= Last.ACK.sent), never going back. Done
  // once the segment has passed the RST, SYN and ACK checks (as Linux),
  // so that a segment drawing a challenge ACK cannot move it.
  if (ts_ok_ && h.options.timestamps && orig_seq <= last_ack_sent_ &&
      (static_cast<int32_t>(h.options.timestamps->val - ts_recent_) >= 0 ||
       now - ts_recent_age_ > kPawsIdle)) {
    ts_recent_ = h.options.timestamps->val;
    ts_recent_age_ = now;
  }
  // Our SYN acknowledged in FIN-WAIT-1 (a close issued in SYN-RECEIVED):
  // the handshake completes here rather than in SYN-RECEIVED above.
  const bool completes_handshake = !connected_posted && !SynAcked() && h.ack > snd_una_;
  const bool syn_timed_out = rtx_count_ > 0;
  const bool acks_new = h.ack > snd_una_;
  // RFC 5681 §2 duplicate ACK: nothing new acknowledged, no data, no SYN or
  // FIN, the same window, and data outstanding. With SACK, RFC 6675 §2:
  // an ACK that SACKs new data.
  bool dup = !acks_new && h.ack == snd_una_ && p.payload.empty() && !h.has(fl::kFin) &&
             seg_wnd == snd_wnd_ && snd_max_ > snd_una_ && SynAcked();
  const Seq old_una = snd_una_;
  const uint32_t flight_before = FlightSize();
  if (acks_new) ProcessAck(now, h.ack, h.options);
  if (sack_ok_) {
    uint32_t newly = 0;
    if (h.options.sack_count > 0) {
      stats_.sack_blocks_received += h.options.sack_count;
      newly = scoreboard_.Update(
          snd_una_, snd_max_, absl::MakeConstSpan(h.options.sack_blocks.data(), h.options.sack_count));
    } else if (acks_new) {
      scoreboard_.AdvanceTo(snd_una_);
    }
    dup = newly > 0 && SynAcked();
  } else if (acks_new && !scoreboard_.empty()) {
    scoreboard_.AdvanceTo(snd_una_);
  }
  if (completes_handshake) {
    if (syn_timed_out) rto_.RaiseAfterSynTimeout(absl::Seconds(3));  // RFC 6298 §5.7
    OnEstablished(now);
    Post(now, EventKind::kConnected);
  }
  if (h.ack >= snd_una_) UpdateSendWindow(now, orig_seq, h.ack, seg_wnd, acks_new);
  if (dup) ++stats_.duplicate_acks;
  OnAckForRecovery(now, old_una, acks_new, dup, flight_before);
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
  // Out-of-order data, data that fills (part of) a hole, and a FIN are
  // acknowledged at once (RFC 5681 §4.2, RFC 9293 §3.8.6.3).
  bool ack_now = fin || seq != rcv_nxt_ || ooo_.count() > 0 || data.empty();
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
  if (ack_needed && stats_.segments_sent == sent_before) AckReceived(now, ack_now);
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
  NegotiateOptions(now, p);
  snd_wnd_ = h.window;
  max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
  snd_wl1_ = h.seq;
  snd_wl2_ = h.ack;
  if (ack) {
    const bool syn_timed_out = rtx_count_ > 0;
    ProcessAck(now, h.ack, h.options);
    SetState(now, ConnectionState::kEstablished);
    if (state_ == ConnectionState::kClosed) return;
    OnEstablished(now);
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

void Connection::ProcessAck(Instant now, Seq ack, const wire::TcpOptions& options) {
  const uint32_t flight = FlightSize();
  // Data bytes acknowledged (the SYN and FIN take no buffer space).
  Seq data_acked_to = Min(ack, DataEnd());
  if (data_acked_to > send_buf_seq_) {
    uint32_t n = static_cast<uint32_t>(data_acked_to - send_buf_seq_);
    send_buf_.Consume(n);
    send_buf_seq_ += n;
    stats_.bytes_sent += n;
  }
  snd_una_ = ack;
  if (snd_nxt_ < snd_una_) snd_nxt_ = snd_una_;
  if (ts_ok_ && options.timestamps && options.timestamps->ecr != 0) {
    // RFC 7323 §4.1: every ACK of new data gives a sample, retransmitted
    // or not, since TSecr names the transmission it answers.
    const int32_t ms = static_cast<int32_t>(TsNow(now) - options.timestamps->ecr);
    if (ms >= 0) {
      // RFC 7323 Appendix G: ExpectedSamples = ceil(FlightSize / (2 SMSS)).
      const int64_t expected = (int64_t{flight} + 2 * eff_mss_ - 1) / (2 * eff_mss_);
      rto_.OnSample(absl::Milliseconds(ms), expected);
      ++stats_.rtt_samples;
    }
    rtt_timing_ = false;
  } else if (rtt_timing_ && ack >= rtt_end_) {
    rtt_timing_ = false;
    rto_.OnSample(now - rtt_start_);
    ++stats_.rtt_samples;
  }
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
    // RFC 6298 §5.1: outstanding data needs the timer. Output re-arms it
    // when it sends, but SACK recovery may have nothing it may send yet.
    if (snd_max_ != snd_una_ && rtx_deadline_.is_infinite()) ArmRetransmit(now);
  }
}

void Connection::ReceiveData(Instant now, Seq seq, absl::Span<const uint8_t> data) {
  rcv_mss_ = std::max(rcv_mss_, std::min<uint32_t>(static_cast<uint32_t>(data.size()), config_.mss));
  // Nothing lies beyond a FIN already seen: bytes past it are the peer's
  // error (or an attack) and would carry RCV.NXT past the FIN.
  if (ooo_fin_) {
    const int32_t room = *ooo_fin_ - seq;
    if (room <= 0) return;
    if (static_cast<uint32_t>(room) < data.size()) data = data.first(static_cast<size_t>(room));
  }
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
    // RFC 2018 §4: the block holding this segment goes first; marks that
    // now fall in the same range go.
    const Reassembly::Range* mine = nullptr;
    for (int i = 0; i < ooo_.count(); ++i) {
      if (seq.InRange(ooo_.range(i).left, ooo_.range(i).right)) mine = &ooo_.range(i);
    }
    int kept = 0;
    std::array<Seq, wire::kMaxSackBlocks> marks{};
    marks[kept++] = seq;
    for (int i = 0; i < sack_mark_count_ && kept < wire::kMaxSackBlocks; ++i) {
      const Seq m = sack_marks_[i];
      if (mine != nullptr && m.InRange(mine->left, mine->right)) continue;
      marks[kept++] = m;
    }
    sack_marks_ = marks;
    sack_mark_count_ = kept;
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
    case ConnectionState::kSynSent:
      // What a socket API calls ECONNREFUSED: nobody listens there.
      Die(now, absl::UnavailableError("connection refused: reset by peer in SYN-SENT"),
          EventKind::kReset);
      return;
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
  if (congestion_ != nullptr && config_.restart_after_idle && snd_una_ == snd_max_ &&
      DataEnd() > snd_nxt_ && now - last_send_ > rto_.rto()) {
    congestion_->OnIdleRestart(now);  // RFC 5681 §4.1
  }
  if (cstate_ == CongestionState::kRecovery && sack_ok_) {
    SackRecoveryOutput(now);
    MaybeEnterPersist(now);
    return;
  }
  cwnd_blocked_ = false;
  for (;;) {
    if (snd_nxt_ < send_buf_seq_) snd_nxt_ = send_buf_seq_;
    // Going back over sent data (after a timeout): skip what the peer SACKed.
    uint32_t hole_len = 0;
    if (snd_nxt_ < snd_max_ && !scoreboard_.empty()) {
      const SackScoreboard::Hole hole = scoreboard_.NextHole(snd_nxt_);
      if (hole.len == 0) {
        if (snd_nxt_ < scoreboard_.highest_sacked()) {
          snd_nxt_ = Min(scoreboard_.highest_sacked(), DataEnd());
        }
      } else {
        if (hole.seq > snd_nxt_) snd_nxt_ = Min(hole.seq, DataEnd());
        if (snd_nxt_ == hole.seq) hole_len = hole.len;
      }
    }
    const int32_t unsent = DataEnd() - snd_nxt_;
    if (unsent > 0) {
      if (persisting_) break;
      int32_t usable = (snd_una_ + snd_wnd_) - snd_nxt_;
      bool cwnd_limits = false;
      if (congestion_ != nullptr) {
        // RFC 3042: on the first two duplicate ACKs, new data up to
        // cwnd + 2 SMSS.
        int64_t allowance = congestion_->cwnd();
        if (cstate_ == CongestionState::kDisorder && config_.limited_transmit &&
            snd_nxt_ == snd_max_) {
          allowance += int64_t{std::min(dupacks_, 2)} * eff_mss_;
        }
        const int64_t cwnd_room = allowance - static_cast<int64_t>(snd_nxt_ - snd_una_);
        if (cwnd_room < usable) {
          usable = static_cast<int32_t>(std::max<int64_t>(cwnd_room, 0));
          cwnd_limits = true;
        }
      }
      if (usable <= 0) {
        cwnd_blocked_ = cwnd_limits;
        break;
      }
      uint32_t len = std::min<uint32_t>({eff_mss_, static_cast<uint32_t>(unsent),
                                         static_cast<uint32_t>(usable)});
      if (hole_len > 0) len = std::min(len, hole_len);
      // Sender-side silly window avoidance (§3.8.6.2.1): a short segment
      // goes only if it carries all that is queued, is at least half the
      // largest window seen, or nothing is in flight (the override).
      const bool in_flight = snd_nxt_ != snd_una_;
      if (len < eff_mss_ && len < static_cast<uint32_t>(unsent) && in_flight &&
          len < max_snd_wnd_ / 2 && hole_len == 0) {
        cwnd_blocked_ = cwnd_limits;
        break;
      }
      const bool fin = fin_queued_ && snd_nxt_ + len == FinSeq();
      if (snd_nxt_ == snd_max_ && NagleHolds(len, fin)) break;
      if (snd_nxt_ < snd_max_) ++stats_.timeout_retransmissions;
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

bool Connection::NagleHolds(uint32_t len, bool fin) const {
  // RFC 9293 §3.7.4: with data unacknowledged, a short segment waits for a
  // full one or for the ACK. The last segment before a FIN goes (as Linux).
  if (!config_.nagle || nodelay_ || fin) return false;
  return len < eff_mss_ && snd_nxt_ != snd_una_;
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
  // The payload is serialized straight from the send buffer; only a
  // segment that wraps around the ring's end is gathered first.
  const size_t offset = static_cast<uint32_t>(seq - send_buf_seq_);
  absl::Span<const uint8_t> payload = send_buf_.View(offset, len);
  if (payload.size() != len) {
    absl::Span<uint8_t> scratch = env_->PayloadScratch().first(len);
    send_buf_.CopyOut(offset, scratch);
    payload = scratch;
  }
  uint8_t flags = fl::kAck;
  if (fin) flags |= fl::kFin;
  if (len > 0 && seq + len == DataEnd()) flags |= fl::kPsh;
  const Seq end = seq + len + (fin ? 1 : 0);
  const bool retransmission = seq < snd_max_;
  if (retransmission) {
    ++stats_.retransmissions;
    rtt_timing_ = false;  // Karn
  }
  EmitPacket(now, flags, seq, payload, /*syn_options=*/false);
  if (len > 0) last_send_ = now;
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
  EmitPacket(now, with_ack ? (fl::kSyn | fl::kAck) : fl::kSyn, iss_, {}, /*syn_options=*/true);
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

void Connection::SendAck(Instant now) {
  EmitPacket(now, fl::kAck, snd_nxt_, {}, false);
}

void Connection::SendChallengeAck(Instant now) {
  if (!env_->AllowChallengeAck(now)) {
    ++env_->stack_counters().challenge_acks_suppressed;
    return;
  }
  ++env_->stack_counters().challenge_acks;
  ++stats_.challenge_acks;
  SendAck(now);
}

void Connection::SendRst(Instant now, Seq seq) {
  EmitPacket(now, fl::kRst, seq, {}, false);
  ++env_->stack_counters().resets_sent;
}

void Connection::EmitPacket(Instant now, uint8_t flags, Seq seq,
                            absl::Span<const uint8_t> payload, bool syn_options) {
  // A member rather than a fresh wire::Packet, which is zeroed (rep stos,
  // ~150 bytes) on every segment sent; each field is set here as a fresh
  // one would have it.
  wire::Packet& p = tx_packet_;
  p.ip = wire::Ipv4Header{};
  p.ip.src = tuple_.local_address;
  p.ip.dst = tuple_.remote_address;
  p.ip.ttl = config_.ttl;
  p.tcp.src_port = tuple_.local_port;
  p.tcp.dst_port = tuple_.remote_port;
  p.tcp.seq = seq;
  p.tcp.ack = wire::Seq();
  p.tcp.flags = flags;
  p.tcp.urgent = 0;
  p.tcp.options.Clear();
  const bool rst = (flags & fl::kRst) != 0;
  if (flags & fl::kAck) {
    p.tcp.ack = rcv_nxt_;
    last_ack_sent_ = rcv_nxt_;
    // Whatever carries our ACK settles a delayed one.
    delack_deadline_ = Instant::Infinite();
  }
  p.tcp.window = rst ? 0 : AdvertiseWindow(syn_options);
  wire::TcpOptions& o = p.tcp.options;
  if (syn_options) {
    // A SYN offers what we are configured for; a SYN-ACK answers only what
    // the peer's SYN offered (NegotiateOptions has decided).
    const bool answer = (flags & fl::kAck) != 0;
    o.mss = config_.mss;
    o.sack_permitted = answer ? sack_ok_ : config_.sack;
    if (answer ? ts_ok_ : config_.timestamps) {
      o.timestamps = wire::Timestamps{TsNow(now), answer ? ts_recent_ : 0};
    }
    if (answer ? ws_ok_ : config_.window_scale) o.window_scale = offer_wscale_;
  } else if (!rst) {
    if (ts_ok_) o.timestamps = wire::Timestamps{TsNow(now), ts_recent_};
    if (sack_ok_ && (flags & fl::kAck) && ooo_.count() > 0) AddSackBlocks(&o);
  }
  p.payload = payload;
  ++stats_.segments_sent;
  env_->Emit(p);
}

void Connection::AddSackBlocks(wire::TcpOptions* o) const {
  // Each mark names the range it lies in; the serializer keeps as many
  // blocks as fit beside the other options (3 with timestamps).
  for (int i = 0; i < sack_mark_count_; ++i) {
    const Seq m = sack_marks_[i];
    if (m < rcv_nxt_) continue;
    for (int r = 0; r < ooo_.count(); ++r) {
      const Reassembly::Range& range = ooo_.range(r);
      if (!m.InRange(range.left, range.right)) continue;
      bool dup = false;
      for (int b = 0; b < o->sack_count; ++b) dup |= o->sack_blocks[b].left == range.left;
      if (!dup) o->AddSackBlock({range.left, range.right});
      break;
    }
  }
}

uint32_t Connection::TsNow(Instant now) const {
  return static_cast<uint32_t>(now.nanos() / 1000000) + ts_offset_;
}

bool Connection::PawsAccepts(Instant now, const wire::Packet& p) {
  if (!ts_ok_ || !p.tcp.options.timestamps) return true;
  if (static_cast<int32_t>(p.tcp.options.timestamps->val - ts_recent_) >= 0) return true;
  // RFC 7323 §5.5: after 24 days idle TS.Recent means nothing. The segment
  // passes; TS.Recent changes only if it also passes the later checks.
  return now - ts_recent_age_ > kPawsIdle;
}

void Connection::AckReceived(Instant now, bool immediate) {
  if (!config_.delayed_ack || immediate) {
    SendAck(now);
    return;
  }
  // RFC 5681 §4.2: at least every second full-sized segment at once; the
  // rest within the delayed-ACK timeout (RFC 9293 caps it at 0.5 s).
  const int32_t unacked = rcv_nxt_ - last_ack_sent_;
  if (unacked >= 2 * static_cast<int32_t>(rcv_mss_)) {
    if (config_.ack_arrival_bursts_once) {
      // The host runs this instant's other arrivals before the timer.
      delack_deadline_ = now;
      burst_ack_due_ = true;
      return;
    }
    SendAck(now);
    return;
  }
  if (delack_deadline_.is_infinite()) {
    delack_deadline_ = now + std::min(config_.delayed_ack_timeout, absl::Milliseconds(500));
    burst_ack_due_ = false;
  }
}

uint32_t Connection::MaxRcvWindow() const {
  return ws_ok_ ? kMaxWindow << rcv_wscale_ : kMaxWindow;
}

uint32_t Connection::WindowIfAdvertisedNow() const {
  const size_t free_bytes = config_.recv_buffer_bytes > recv_buf_.size()
                                ? config_.recv_buffer_bytes - recv_buf_.size()
                                : 0;
  const uint32_t avail = static_cast<uint32_t>(std::min<size_t>(free_bytes, MaxRcvWindow()));
  uint32_t w = rcv_wnd_;
  if (avail > rcv_wnd_) {
    // Receiver-side silly window avoidance (§3.8.6.2.2): move the right edge
    // only by at least min(half the buffer, one MSS).
    const uint32_t step = std::min<uint32_t>(
        static_cast<uint32_t>(config_.recv_buffer_bytes / 2), eff_mss_);
    if (avail - rcv_wnd_ >= std::max<uint32_t>(step, 1)) w = avail;
  }
  if (rcv_wscale_ == 0) return w;
  const uint32_t granule = uint32_t{1} << rcv_wscale_;
  const uint32_t down = w & ~(granule - 1);
  if (down == w) return w;
  // Round up unless that promises a granule or more beyond the buffer
  // (then the retraction of RFC 7323 §2.4; see connection.h).
  const uint64_t up = uint64_t{down} + granule;
  if (up <= uint64_t{avail} + granule - 1 && up <= MaxRcvWindow()) return static_cast<uint32_t>(up);
  return down;
}

uint16_t Connection::AdvertiseWindow(bool syn) {
  if (syn) {
    // RFC 7323 §2.2: the window in a SYN is never scaled.
    rcv_wnd_ = std::min(rcv_wnd_, kMaxWindow);
    return static_cast<uint16_t>(rcv_wnd_);
  }
  rcv_wnd_ = WindowIfAdvertisedNow();
  return static_cast<uint16_t>(std::min<uint32_t>(rcv_wnd_ >> rcv_wscale_, kMaxWindow));
}

// ---------------------------------------------------------------- recovery

void Connection::SetCongestionState(Instant /*now*/, CongestionState to) { cstate_ = to; }

uint32_t Connection::Pipe() const {
  if (cstate_ == CongestionState::kRecovery && sack_ok_) {
    return scoreboard_.Pipe(snd_una_, snd_max_, high_rxt_, eff_mss_, kDupThresh);
  }
  return static_cast<uint32_t>(snd_nxt_ - snd_una_);
}

void Connection::OnAckForRecovery(Instant now, Seq old_una, bool acks_new, bool dup,
                                  uint32_t flight_before) {
  if (congestion_ == nullptr || !SynAcked()) return;
  const uint32_t smss = eff_mss_;
  if (acks_new) {
    const uint32_t acked = static_cast<uint32_t>(snd_una_ - old_una);
    switch (cstate_) {
      case CongestionState::kRecovery:
        if (snd_una_ >= recover_) {
          ExitRecovery(now);
        } else if (!sack_ok_) {
          // RFC 6582 §3.2 step 5, partial acknowledgment: the next hole goes
          // at once; cwnd deflates by what was acknowledged, plus one SMSS
          // back when that was at least one SMSS.
          ++stats_.recovery_retransmissions;
          Retransmit(now, snd_una_, RetransmitLength());
          uint32_t cwnd = congestion_->cwnd();
          cwnd = cwnd > acked ? cwnd - acked : 0;
          if (acked >= smss) cwnd += smss;
          congestion_->set_cwnd(cwnd);
        }
        return;
      case CongestionState::kLoss:
        if (snd_una_ >= recover_) {
          SetCongestionState(now, CongestionState::kOpen);
          recover_ = snd_una_;
        }
        break;
      default:
        dupacks_ = 0;
        // `recover` trails SND.UNA so that it stays within 2^31 of it (a
        // stale one would compare as ahead after 2 GiB).
        if (snd_una_ > recover_) recover_ = snd_una_;
        SetCongestionState(now, scoreboard_.empty() ? CongestionState::kOpen
                                                    : CongestionState::kDisorder);
        break;
    }
    // RFC 7661: grow only a window that was in use.
    const uint32_t cwnd = congestion_->cwnd();
    const bool limited = cwnd_blocked_ || (congestion_->in_slow_start()
                                               ? uint64_t{flight_before} * 2 >= cwnd
                                               : uint64_t{flight_before} + smss > cwnd);
    congestion_->OnAck(now, acked, rto_.srtt(), limited);
  }
  if (!dup) return;
  if (cstate_ == CongestionState::kRecovery) {
    if (!sack_ok_) congestion_->set_cwnd(congestion_->cwnd() + smss);  // RFC 6582 step 4
    return;
  }
  if (cstate_ == CongestionState::kLoss) return;  // go-back-N after the timeout runs its course
  ++dupacks_;
  SetCongestionState(now, CongestionState::kDisorder);
  const bool lost = dupacks_ >= kDupThresh ||
                    (sack_ok_ && scoreboard_.IsLost(snd_una_, smss, kDupThresh));
  if (!lost) return;  // limited transmit (RFC 3042) happens in Output
  // RFC 6582 §3.2 step 2: without SACK, duplicate ACKs that do not cover
  // more than `recover` (the last byte sent when a recovery or timeout
  // began; recover_ is one past it) belong to that episode.
  if (!sack_ok_ && snd_una_ < recover_) return;
  EnterRecovery(now);
}

void Connection::EnterRecovery(Instant now) {
  SetCongestionState(now, CongestionState::kRecovery);
  ++stats_.fast_recoveries;
  recover_ = snd_max_;
  rescue_done_ = false;
  // RFC 5681 §3.2 (2): what limited transmit sent beyond cwnd is not part
  // of the FlightSize that sets ssthresh.
  uint32_t flight = FlightSize();
  if (config_.limited_transmit) flight = std::min(flight, congestion_->cwnd());
  congestion_->OnCongestionEvent(now, flight);
  // RFC 6675 §5 (4.3) / RFC 5681 (2): the first presumed-lost segment.
  const uint32_t len = HoleAtUnaLength();
  ++stats_.fast_retransmissions;
  Retransmit(now, snd_una_, len);
  high_rxt_ = snd_una_ + len;
  if (StackObserver* o = env_->observer()) o->OnFastRetransmit(id_, snd_una_, len, true, now);
  // RFC 6582 step 3 (NewReno): cwnd = ssthresh + 3 SMSS.
  if (!sack_ok_) congestion_->set_cwnd(congestion_->ssthresh() + kDupThresh * eff_mss_);
}

void Connection::ExitRecovery(Instant now) {
  congestion_->OnRecoveryEnd(now);
  if (!sack_ok_) {
    // RFC 6582 §3.2 step 3, full acknowledgment: the inflated window must
    // not turn into a burst of more than one SMSS beyond what is in
    // flight. SACK recovery never inflates (RFC 6675 sends by pipe), so
    // there cwnd simply stays ssthresh, as in Linux.
    const uint32_t flight = FlightSize();
    const uint32_t cap = std::max<uint32_t>(flight, eff_mss_) + eff_mss_;
    if (congestion_->cwnd() > cap) congestion_->set_cwnd(cap);
  }
  dupacks_ = 0;
  SetCongestionState(now, scoreboard_.empty() ? CongestionState::kOpen
                                              : CongestionState::kDisorder);
}

void Connection::Retransmit(Instant now, Seq seq, uint32_t len) {
  const bool fin = FinSent() && seq + len == FinSeq();
  if (len == 0 && !fin) return;
  const Seq saved_nxt = snd_nxt_;
  SendSegmentAt(now, seq, len, fin);
  snd_nxt_ = Max(saved_nxt, snd_nxt_);
}

void Connection::SackRecoveryOutput(Instant now) {
  // RFC 6675 §5 (C): while cwnd - pipe >= 1 SMSS, send what NextSeg names.
  const uint32_t smss = eff_mss_;
  for (int guard = 0; guard < 1 << 20; ++guard) {
    const uint32_t pipe = scoreboard_.Pipe(snd_una_, snd_max_, high_rxt_, smss, kDupThresh);
    if (uint64_t{pipe} + smss > congestion_->cwnd()) {
      cwnd_blocked_ = true;
      return;
    }
    // A zero window: the persist timer probes; holes wait for the window
    // like everything else (see connection.h).
    if (persisting_) return;
    const Seq from = Max(high_rxt_, snd_una_);
    const SackScoreboard::Hole hole = scoreboard_.NextHole(from);
    // Retransmissions stay inside the peer's window too: after it shrank,
    // a hole past the right edge waits like new data (connection.h; found
    // by engine_fuzz, crash_sack_rexmit_past_shrunk_window).
    const Seq wnd_edge = snd_una_ + snd_wnd_;
    const int32_t data_left =
        hole.len > 0 ? std::min<int32_t>(DataEnd() - hole.seq, wnd_edge - hole.seq) : 0;
    // Rules 1 and 3 resend (up to an SMSS of) the hole, and move HighRxt.
    const auto resend_hole = [&] {
      const uint32_t len = std::min<uint32_t>({hole.len, smss, static_cast<uint32_t>(data_left)});
      ++stats_.sack_retransmissions;
      Retransmit(now, hole.seq, len);
      high_rxt_ = hole.seq + len;
      if (StackObserver* o = env_->observer()) o->OnFastRetransmit(id_, hole.seq, len, false, now);
    };
    // Rule 1: the first lost hole above HighRxt.
    if (hole.len > 0 && data_left > 0 && scoreboard_.IsLost(hole.seq, smss, kDupThresh)) {
      resend_hole();
      continue;
    }
    // Rule 2: new data, as the peer's window allows.
    if (snd_nxt_ < snd_max_) snd_nxt_ = snd_max_;
    const int32_t unsent = DataEnd() - snd_nxt_;
    const int32_t usable = (snd_una_ + snd_wnd_) - snd_nxt_;
    const uint32_t new_len =
        unsent > 0 && usable > 0 ? std::min<uint32_t>({smss, static_cast<uint32_t>(unsent),
                                                       static_cast<uint32_t>(usable)})
                                 : 0;
    // A short segment that would not carry all that is queued waits (SWS);
    // rules 3 and 4 may still send.
    if (new_len > 0 && (new_len == smss || new_len == static_cast<uint32_t>(unsent))) {
      SendSegmentAt(now, snd_nxt_, new_len, fin_queued_ && snd_nxt_ + new_len == FinSeq());
      continue;
    }
    if (unsent <= 0 && fin_queued_ && snd_nxt_ == FinSeq()) {
      SendSegmentAt(now, snd_nxt_, 0, /*fin=*/true);
      continue;
    }
    // Rule 3: a hole not yet judged lost.
    if (hole.len > 0 && data_left > 0) {
      resend_hole();
      continue;
    }
    // Rule 4: one rescue retransmission per recovery, of the highest
    // unSACKed data (HighRxt stays).
    if (!rescue_done_) {
      rescue_done_ = true;
      Seq end = Min(Min(snd_max_, DataEnd()), wnd_edge);
      Seq start = end - std::min<uint32_t>(smss, static_cast<uint32_t>(std::max<int32_t>(end - snd_una_, 0)));
      if (!scoreboard_.empty() && scoreboard_.highest_sacked() >= end) return;
      if (!scoreboard_.empty()) start = Max(start, scoreboard_.highest_sacked());
      start = Max(start, Max(snd_una_, high_rxt_));
      if (end > start) {
        ++stats_.sack_retransmissions;
        Retransmit(now, start, static_cast<uint32_t>(end - start));
        if (StackObserver* o = env_->observer()) {
          o->OnFastRetransmit(id_, start, static_cast<uint32_t>(end - start), false, now);
        }
        continue;
      }
    }
    return;
  }
}

// ---------------------------------------------------------------- timers

Instant Connection::NextDeadline() const {
  return Earliest(Earliest(rtx_deadline_, Earliest(persist_deadline_, time_wait_deadline_)),
                  Earliest(delack_deadline_, keepalive_deadline_));
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
  if (state_ == ConnectionState::kClosed) return;
  if (delack_deadline_ <= now) {
    ++(burst_ack_due_ ? stats_.burst_acks : stats_.delayed_acks);
    SendAck(now);  // clears the deadline
  }
  if (keepalive_deadline_ <= now) OnKeepaliveTimeout(now);
}

void Connection::ArmKeepalive(Instant now) {
  keepalive_unanswered_ = 0;
  keepalive_deadline_ = config_.keepalive ? now + config_.keepalive_idle : Instant::Infinite();
}

void Connection::OnKeepaliveTimeout(Instant now) {
  keepalive_deadline_ = Instant::Infinite();
  switch (state_) {
    case ConnectionState::kEstablished:
    case ConnectionState::kCloseWait:
    case ConnectionState::kFinWait2:
      break;
    default:
      // The other states' own timers watch the peer; look again later (a
      // FIN-WAIT-1 that becomes FIN-WAIT-2 needs keepalive back).
      keepalive_deadline_ = now + config_.keepalive_idle;
      return;
  }
  if (snd_max_ != snd_una_ || DataEnd() > snd_nxt_ || persisting_) {
    // Data in flight or waiting: the retransmission or persist timer
    // watches the peer (RFC 1122 §4.2.3.6 probes only an idle connection).
    keepalive_deadline_ = now + config_.keepalive_idle;
    return;
  }
  if (keepalive_unanswered_ >= config_.keepalive_count) {
    Die(now,
        absl::DeadlineExceededError(absl::StrCat(
            "connection timed out: ", keepalive_unanswered_,
            " keepalive probes unanswered over ", Seconds(now - last_received_))),
        EventKind::kTimedOut);
    return;
  }
  ++keepalive_unanswered_;
  ++stats_.keepalive_probes;
  // SEG.SEQ = SND.NXT - 1 and no data (RFC 1122 §4.2.3.6, as Linux): the
  // peer finds it old and answers with an ACK.
  EmitPacket(now, fl::kAck, snd_nxt_ - 1, {}, false);
  if (StackObserver* o = env_->observer()) o->OnKeepaliveProbe(id_, keepalive_unanswered_, now);
  keepalive_deadline_ = now + config_.keepalive_interval;
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
  const bool repeated = rtx_count_ > 0;
  ++rtx_count_;
  ++stats_.timeouts;
  rto_.Backoff();
  rtt_timing_ = false;
  if (!handshake && congestion_ != nullptr) {
    // RFC 5681 (4)/(5): ssthresh from FlightSize on the first timeout,
    // held on a repeated one; cwnd = 1 SMSS either way.
    if (repeated) {
      congestion_->set_cwnd(eff_mss_);
    } else {
      congestion_->OnRetransmitTimeout(now, FlightSize());
    }
    SetCongestionState(now, CongestionState::kLoss);
    recover_ = snd_max_;  // RFC 6582 §3.2 step 4
    high_rxt_ = snd_una_;
    dupacks_ = 0;
  }
  // A second timeout in a row: the peer may have reneged on what it
  // SACKed (RFC 2018 §8); send everything again.
  if (repeated) scoreboard_.Clear();
  uint32_t seq_len;
  if (handshake) {
    SendSyn(now, state_ != ConnectionState::kSynSent);
    seq_len = 1;
  } else {
    const uint32_t len = HoleAtUnaLength();
    bool fin = FinSent() && snd_una_ + len == FinSeq();
    snd_nxt_ = snd_una_;  // go-back-N
    ++stats_.timeout_retransmissions;
    SendSegmentAt(now, snd_una_, len, fin);
    seq_len = len + (fin ? 1 : 0);
  }
  if (StackObserver* o = env_->observer()) {
    o->OnRetransmit(id_, snd_una_, seq_len, rtx_count_, now);
  }
  rtx_deadline_ = now + rto_.rto();
}

uint32_t Connection::HoleAtUnaLength() const {
  uint32_t len = RetransmitLength();
  const SackScoreboard::Hole hole = scoreboard_.NextHole(snd_una_);
  if (hole.len > 0 && hole.seq == snd_una_) len = std::min(len, hole.len);
  return len;
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
    if (snd_max_ != snd_una_ && rtx_deadline_.is_infinite()) ArmRetransmit(now);
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
  delack_deadline_ = Instant::Infinite();
  keepalive_deadline_ = Instant::Infinite();
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
  size_t copied = 0;
  return ReceiveInPlace(now, [&](absl::Span<const uint8_t> run) {
    const size_t n = std::min(run.size(), out.size() - copied);
    if (n > 0) std::memcpy(out.data() + copied, run.data(), n);
    copied += n;
    return n;
  });
}

absl::StatusOr<size_t> Connection::ReceiveInPlace(
    Instant now, absl::FunctionRef<size_t(absl::Span<const uint8_t>)> take) {
  if (recv_buf_.empty()) {
    if (!error_.ok()) return error_;
    return 0;
  }
  size_t total = 0;
  while (!recv_buf_.empty()) {
    const absl::Span<const uint8_t> run = recv_buf_.Front();
    const size_t n = std::min(take(run), run.size());
    recv_buf_.Consume(n);
    total += n;
    if (n < run.size()) break;
  }
  if (total == 0) return 0;
  // A window update when the window opens from below one MSS: the peer may
  // be stalled on it.
  switch (state_) {
    case ConnectionState::kEstablished:
    case ConnectionState::kFinWait1:
    case ConnectionState::kFinWait2: {
      uint32_t old = rcv_wnd_;
      uint32_t next = WindowIfAdvertisedNow();
      // With delayed ACK, also when the window at least doubles from at
      // most half its maximum (Linux's tcp_cleanup_rbuf), so a slow reader
      // does not leave the sender waiting for the next data ACK.
      const bool doubled = config_.delayed_ack && old <= config_.recv_buffer_bytes / 2 &&
                           next >= 2 * old;
      if (next > old && (old < eff_mss_ || doubled)) SendAck(now);
      break;
    }
    default:
      break;
  }
  return total;
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
  delack_deadline_ = Instant::Infinite();
  keepalive_deadline_ = Instant::Infinite();
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
  i.sack_enabled = sack_ok_;
  i.timestamps_enabled = ts_ok_;
  i.window_scale_enabled = ws_ok_;
  i.snd_wscale = snd_wscale_;
  i.rcv_wscale = rcv_wscale_;
  i.congestion = congestion_ ? congestion_->algorithm() : CongestionAlgorithm::kNone;
  i.congestion_state = cstate_;
  i.cwnd = congestion_ ? congestion_->cwnd() : 0;
  i.ssthresh = congestion_ ? congestion_->ssthresh() : 0;
  i.bytes_in_flight = Pipe();
  i.nodelay = nodelay_ || !config_.nagle;
  return i;
}

}  // namespace tcplab::tcp
