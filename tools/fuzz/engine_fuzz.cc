// Fuzzes the TCP engine as its peer. The input picks a configuration and a
// handshake (passive or active), then a bounded list of steps against the
// Stack: segments whose fields are chosen relative to the connection's
// current state (sequence numbers around RCV.NXT, ACKs around SND.UNA /
// SND.NXT / SND.MAX, windows, MSS / window scale / SACK / timestamp
// options), time steps, and user calls. After every step the invariants
// below are checked; a violation prints what failed and aborts.
//
// Input layout (every read past the end yields 0, so any bytes decode):
//   byte 0  feature toggles, XORed into the base config (bit 0 chooses the
//           base: 0 = modern defaults, 1 = BareConfig()): bit 1 SACK,
//           bit 2 timestamps, bit 3 window scale, bit 4 delayed ACK,
//           bit 5 Nagle, bit 6 keepalive (short timers), bit 7 limited
//           transmit
//   byte 1  bits 0-1 congestion (keep, none, newreno, cubic), bit 2 small
//           buffers (2 x u16 follow), bit 3 explicit wscale shift (u8),
//           bit 4 small MSS (u8), bit 5 small out-of-order limit (u16),
//           bit 6 challenge-ACK limit 2 without jitter, bit 7 active open
//   byte 2  the peer's SYN options: bit 0 MSS (u16), bit 1 window scale
//           (u8, may be > 14), bit 2 SACK-permitted, bit 3 timestamps (u32)
//   then    peer ISS (u32), the peer's SYN window (u16)
//   steps   one opcode byte each (see Step()), at most kMaxSteps
//
// Invariants, after every step (ConnectionInfo of the connection under
// test, while the application holds it):
//   * SND.UNA <= SND.NXT <= SND.MAX;
//   * the send window the engine uses is one the peer offered: (SND.WL2,
//     SND.WND) equals (SEG.ACK, SEG.WND << scale) of a segment we sent;
//   * no data segment it emits ends past SND.WL2 + SND.WND (the engine's
//     send window, which after a retraction the peer offered is the smaller
//     one: connection.h documents that it never sends into a shrunk
//     window), except a one-byte zero-window probe at SND.UNA;
//   * the right edge it advertises (SEG.ACK + SEG.WND << rcv_wscale; a
//     SYN's window unscaled) never moves left, except by less than
//     2^rcv_wscale (RFC 7323 §2.4, documented in connection.h);
//   * after Advance(now), NextDeadline() > now (or Infinite);
//   * every byte the application receives is the peer's byte at that
//     offset of its stream (payloads are a pattern keyed by the offset from
//     the peer's ISN), so nothing is duplicated, reordered or invented;
//     likewise every data byte the engine emits is its application's byte
//     at that offset;
//   * recv_buffered + out_of_order_bytes <= recv buffer + 2^rcv_wscale,
//     send_buffered <= send buffer;
//   * every packet the engine emits parses with valid checksums.

#include <algorithm>
#include <cstddef>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "tcp/base/instant.h"
#include "tcp/config.h"
#include "tcp/counters.h"
#include "tcp/stack.h"
#include "tcp/state.h"
#include "tcp/wire/ipv4_address.h"
#include "tcp/wire/packet.h"
#include "tcp/wire/render.h"
#include "tcp/wire/seq.h"
#include "tools/fuzz/fuzz_input.h"
#include "tools/fuzz/stack_summary.h"

namespace {

using tcplab::Instant;
using tcplab::tcp::CongestionAlgorithm;
using tcplab::tcp::ConnectionInfo;
using tcplab::tcp::ConnectionState;
using tcplab::tcp::SocketId;
using tcplab::tcp::Stack;
using tcplab::tcp::StackConfig;
using tcplab::wire::Ipv4Address;
using tcplab::wire::Packet;
using tcplab::wire::Seq;
namespace fl = tcplab::wire::flags;

constexpr int kMaxSteps = 200;
const Ipv4Address kLocal(10, 0, 0, 1);
const Ipv4Address kPeer(10, 0, 0, 2);
constexpr uint16_t kListenPort = 80;
constexpr uint16_t kPeerPort = 5000;

using Reader = tcplab::fuzz::FuzzInput;

uint8_t StreamByte(uint32_t offset, uint32_t salt) {
  uint32_t x = (offset ^ salt) * 0x9E3779B1u;
  x ^= x >> 15;
  x *= 0x85EBCA77u;
  x ^= x >> 13;
  return static_cast<uint8_t>(x >> 7);
}
constexpr uint32_t kPeerSalt = 0x1234567u;
constexpr uint32_t kEngineSalt = 0x7654321u;

// With ENGINE_FUZZ_LOG set, every step and every emitted segment is
// printed (to stderr) as it happens; otherwise nothing is formatted.
const bool g_verbose = std::getenv("ENGINE_FUZZ_LOG") != nullptr;

std::string Str(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string Str(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return buf;
}

#define NOTE(...)                                                      \
  do {                                                                 \
    if (g_verbose) std::fprintf(stderr, "%s", Str(__VA_ARGS__).c_str()); \
  } while (0)

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "engine_fuzz: invariant violated: %s\n%s", what.c_str(),
               g_verbose ? "" : "(rerun with ENGINE_FUZZ_LOG=1 for the steps)\n");
  std::abort();
}

class Sink : public tcplab::tcp::PacketSink {
 public:
  void Transmit(absl::Span<const uint8_t> p) override { packets.emplace_back(p.begin(), p.end()); }
  std::vector<std::vector<uint8_t>> packets;
};

struct Offered {
  Seq ack;
  uint16_t window;
  bool syn;
};

enum class StepKind { kInput, kAdvance, kUser };

class Fuzz {
 public:
  explicit Fuzz(Reader& in) : in_(in) {}

  void Run() {
    Configure();
    stack_.emplace(config_, &sink_);
    auto l = stack_->Listen(now_, kListenPort, 4);
    if (l.ok()) listener_ = *l;
    Handshake();
    for (int step = 0; step < kMaxSteps && !in_.done(); ++step) Step();
  }

 private:
  // ------------------------------------------------------------ setup
  void Configure() {
    const uint8_t c0 = in_.U8(), c1 = in_.U8();
    config_ = (c0 & 1) ? tcplab::tcp::BareConfig() : StackConfig{};
    config_.local_address = kLocal;
    if (c0 & 2) config_.sack = !config_.sack;
    if (c0 & 4) config_.timestamps = !config_.timestamps;
    if (c0 & 8) config_.window_scale = !config_.window_scale;
    if (c0 & 16) config_.delayed_ack = !config_.delayed_ack;
    if (c0 & 32) config_.nagle = !config_.nagle;
    if (c0 & 64) {
      config_.keepalive = !config_.keepalive;
      config_.keepalive_idle = absl::Seconds(10);
      config_.keepalive_interval = absl::Seconds(1);
      config_.keepalive_count = 3;
    }
    if (c0 & 128) config_.limited_transmit = !config_.limited_transmit;
    switch (c1 & 3) {
      case 1: config_.congestion = CongestionAlgorithm::kNone; break;
      case 2: config_.congestion = CongestionAlgorithm::kNewReno; break;
      case 3: config_.congestion = CongestionAlgorithm::kCubic; break;
      default: break;
    }
    if (c1 & 4) {
      config_.send_buffer_bytes = 1 + in_.U16() % 20000;
      config_.recv_buffer_bytes = 1 + in_.U16() % 20000;
    }
    if (c1 & 8) config_.window_scale_shift = static_cast<uint8_t>(in_.U8() % 15);
    if (c1 & 16) config_.mss = static_cast<uint16_t>(64 + in_.U8() * 4);
    if (c1 & 32) config_.out_of_order_limit_bytes = in_.U16();
    if (c1 & 64) {
      config_.challenge_ack_limit = 2;
      config_.challenge_ack_jitter = false;
    }
    active_ = (c1 & 128) != 0;
    NOTE("config: base %s, %s, %s open\n", (c0 & 1) ? "bare" : "modern",
         tcplab::fuzz::StackSummary(config_).c_str(), active_ ? "active" : "passive");
  }

  void Handshake() {
    const uint8_t o = in_.U8();
    tcplab::wire::TcpOptions syn_opts;
    if (o & 1) syn_opts.mss = in_.U16();
    if (o & 2) syn_opts.window_scale = in_.U8();
    if (o & 4) syn_opts.sack_permitted = true;
    if (o & 8) {
      ts_val_ = in_.U32();
      syn_opts.timestamps = tcplab::wire::Timestamps{ts_val_, 0};
    }
    peer_iss_ = Seq(in_.U32());
    const uint16_t win = in_.U16();
    peer_nxt_ = peer_iss_ + 1;
    if (!active_) {
      local_port_ = kListenPort;
      Inject(peer_iss_, Seq(0), fl::kSyn, win, syn_opts, 0);
      Drain(StepKind::kInput);
      if (!engine_iss_) return;
      if (syn_opts.timestamps) syn_opts.timestamps->ecr = eng_ts_;
      tcplab::wire::TcpOptions ack_opts;
      if (syn_opts.timestamps) ack_opts.timestamps = tcplab::wire::Timestamps{ts_val_, eng_ts_};
      Inject(peer_iss_ + 1, *engine_iss_ + 1, fl::kAck, win, ack_opts, 0);
      Drain(StepKind::kInput);
      auto id = stack_->Accept(now_, listener_);
      if (id.ok()) sid_ = *id;
    } else {
      auto id = stack_->Connect(now_, kPeer, kPeerPort);
      if (!id.ok()) return;
      sid_ = *id;
      auto info = stack_->Info(sid_);
      if (info.ok()) local_port_ = info->local_port;
      Drain(StepKind::kUser);
      if (!engine_iss_) return;
      if (syn_opts.timestamps) syn_opts.timestamps->ecr = eng_ts_;
      Inject(peer_iss_, *engine_iss_ + 1, fl::kSyn | fl::kAck, win, syn_opts, 0);
      Drain(StepKind::kInput);
    }
    // The shift our edges are measured in, even if the first step releases
    // the socket (Info is then gone).
    if (auto info = CurrentInfo()) {
      rcv_wscale_ = info->rcv_wscale;
      if (info->state == ConnectionState::kEstablished) synchronized_seen_ = true;
    }
  }

  // ------------------------------------------------------------ steps
  void Step() {
    const uint8_t op = in_.U8();
    before_ = CurrentInfo();
    switch (op % 16) {
      case 0: case 1: case 2: case 3: case 4: case 5:
        FuzzedSegment();
        Drain(StepKind::kInput);
        return;
      case 6: {  // the peer acknowledges everything, with a window
        const uint16_t win = in_.U16();
        InjectRelative(Seq(0), fl::kAck, win, 0, /*ack_all=*/true);
        Drain(StepKind::kInput);
        return;
      }
      case 7: {  // the peer sends in-order data
        const uint16_t len = in_.U16() % 3000;
        const uint8_t f = in_.U8();
        InjectRelative(RcvNxt(), fl::kAck | ((f & 1) ? fl::kFin : 0) | ((f & 2) ? fl::kPsh : 0),
                       0xffff, len, true);
        Drain(StepKind::kInput);
        return;
      }
      case 8: {
        const uint8_t k = in_.U8();
        absl::Duration d;
        if (k < 128) d = absl::Milliseconds(1 + k);
        else if (k < 200) d = absl::Seconds(k - 127);
        else d = absl::Seconds(uint64_t{in_.U16()} * 4);
        now_ += d;
        NOTE("advance +%s\n", absl::FormatDuration(d).c_str());
        stack_->Advance(now_);
        Drain(StepKind::kAdvance);
        CheckDeadline();
        return;
      }
      case 9: {
        const Instant next = stack_->NextDeadline();
        if (!next.is_infinite() && next > now_) now_ = next;
        NOTE("advance to deadline %s\n", absl::FormatDuration(now_.since_start()).c_str());
        stack_->Advance(now_);
        Drain(StepKind::kAdvance);
        CheckDeadline();
        return;
      }
      case 10: {
        const size_t n = in_.U16() % 30000;
        std::vector<uint8_t> data(n);
        for (size_t i = 0; i < n; ++i) data[i] = StreamByte(app_sent_ + i, kEngineSalt);
        auto took = stack_->Send(now_, sid_, data);
        NOTE("send %zu -> %s\n", n,
                     took.ok() ? std::to_string(*took).c_str() : took.status().ToString().c_str());
        if (took.ok()) app_sent_ += static_cast<uint32_t>(*took);
        Drain(StepKind::kUser);
        return;
      }
      case 11: {
        const size_t n = 1 + in_.U16() % 30000;
        std::vector<uint8_t> out(n);
        auto got = stack_->Receive(now_, sid_, absl::MakeSpan(out));
        NOTE("receive %zu -> %s\n", n,
                     got.ok() ? std::to_string(*got).c_str() : got.status().ToString().c_str());
        if (got.ok()) {
          for (size_t i = 0; i < *got; ++i) {
            if (out[i] != StreamByte(app_received_ + i, kPeerSalt)) {
              Fail(Str("application received a wrong byte at stream offset %u",
                       static_cast<unsigned>(app_received_ + i)));
            }
          }
          app_received_ += static_cast<uint32_t>(*got);
        }
        Drain(StepKind::kUser);
        return;
      }
      case 12: {
        const uint8_t k = in_.U8();
        switch (k % 4) {
          case 0: Log("shutdown", stack_->Shutdown(now_, sid_)); break;
          case 1:
            Log("close", stack_->Close(now_, sid_));
            released_ = true;
            break;
          case 2:
            Log("abort", stack_->Abort(now_, sid_));
            released_ = true;
            break;
          case 3: Log("setnodelay", stack_->SetNoDelay(now_, sid_, (k & 4) != 0)); break;
        }
        Drain(StepKind::kUser);
        return;
      }
      case 13: {
        const uint8_t k = in_.U8();
        Log("setcongestion",
            stack_->SetCongestion(sid_, static_cast<CongestionAlgorithm>(k % 3)));
        Drain(StepKind::kUser);
        return;
      }
      case 14: {  // another connection or listener on the same stack
        const uint8_t k = in_.U8();
        if (k & 1) {
          auto id = stack_->Connect(now_, kPeer, static_cast<uint16_t>(kPeerPort + 1 + (k >> 1) % 4));
          NOTE("connect -> %s\n", id.ok() ? "ok" : id.status().ToString().c_str());
        } else {
          auto id = stack_->Listen(now_, static_cast<uint16_t>(kListenPort + (k >> 1) % 3), 1 + k % 3);
          NOTE("listen -> %s\n", id.ok() ? "ok" : id.status().ToString().c_str());
        }
        Drain(StepKind::kUser);
        return;
      }
      case 15: {  // accept (a reincarnation of the tuple, say), then poll
        auto id = stack_->Accept(now_, listener_);
        NOTE("accept -> %s\n", id.ok() ? "ok" : id.status().ToString().c_str());
        while (stack_->PollEvent()) {
        }
        Drain(StepKind::kUser);
        return;
      }
    }
  }

  void Log(const char* what, const absl::Status& s) {
    NOTE("%s -> %s\n", what, s.ToString().c_str());
  }

  std::optional<ConnectionInfo> CurrentInfo() const {
    if (sid_ == tcplab::tcp::kInvalidSocket || released_) return std::nullopt;
    auto info = stack_->Info(sid_);
    if (!info.ok()) return std::nullopt;
    return *info;
  }

  // Where the engine expects the next byte from us.
  Seq RcvNxt() const { return before_ ? before_->rcv_nxt : peer_nxt_; }

  uint32_t Small() { return in_.U8() % 16; }

  void FuzzedSegment() {
    const uint8_t fsel = in_.U8();
    static constexpr uint8_t kFlags[] = {
        fl::kAck, fl::kAck | fl::kPsh, fl::kAck | fl::kFin, fl::kFin, fl::kRst,
        fl::kRst | fl::kAck, fl::kSyn, fl::kSyn | fl::kAck, 0, fl::kAck | fl::kUrg,
        fl::kAck | fl::kEce | fl::kCwr, fl::kAck, fl::kAck, fl::kAck | fl::kPsh, 0xff, 0};
    uint8_t flags = kFlags[fsel % 16];
    if (fsel % 16 == 15) flags = in_.U8();

    // Payload length.
    const uint16_t mss = before_ ? before_->eff_snd_mss : 536;
    uint32_t len = 0;
    switch ((fsel >> 4) % 8) {
      case 0: case 1: len = 0; break;
      case 2: len = 1; break;
      case 3: len = in_.U8(); break;
      case 4: len = mss; break;
      case 5: len = mss + 1u; break;
      case 6: len = in_.U16() % 4000; break;
      case 7: len = 2 * mss; break;
    }

    // Sequence number, relative to RCV.NXT.
    const Seq rn = RcvNxt();
    const uint32_t rwnd = before_ ? before_->rcv_wnd : 0;
    Seq seq;
    const uint8_t ssel = in_.U8();
    switch (ssel % 10) {
      case 0: case 1: seq = rn; break;
      case 2: seq = rn + Small(); break;                        // in window
      case 3: seq = rn + rwnd + Small() - 8; break;             // around the right edge
      case 4: seq = rn + (1u << 31) + Small() - 8; break;       // wrapped
      case 5: seq = rn - 1 - Small(); break;                    // old, overlapping
      case 6: seq = rn - in_.U16(); break;                      // old
      case 7: seq = peer_nxt_; break;
      case 8: seq = rn + in_.U16(); break;                      // ahead, maybe out of window
      case 9: seq = Seq(in_.U32()); break;
    }
    if (ssel & 0x10) seq = seq + (rwnd > len ? rwnd - len : 0);  // fill to the edge

    // ACK number, relative to SND.UNA / SND.NXT / SND.MAX.
    Seq ack;
    const uint8_t asel = in_.U8();
    const Seq una = before_ ? before_->snd_una : (engine_iss_ ? *engine_iss_ + 1 : Seq(0));
    const Seq nxt = before_ ? before_->snd_nxt : una;
    const Seq max = before_ ? before_->snd_max : una;
    const uint32_t max_wnd = before_ ? before_->max_snd_wnd : 0;
    switch (asel % 10) {
      case 0: case 1: ack = una; break;
      case 2: ack = nxt; break;
      case 3: ack = max; break;
      case 4: ack = una + static_cast<uint32_t>(in_.U16()) % (static_cast<uint32_t>(max - una) + 1); break;
      case 5: ack = max + 1 + Small(); break;                   // beyond what was sent
      case 6: ack = una - max_wnd - Small(); break;             // around SND.UNA - MAX.SND.WND
      case 7: ack = una - Small(); break;                       // old
      case 8: ack = una + (1u << 31); break;
      case 9: ack = Seq(in_.U32()); break;
    }

    // Window.
    uint16_t win = 0;
    const uint8_t wsel = in_.U8();
    switch (wsel % 6) {
      case 0: win = 0; break;
      case 1: win = in_.U8(); break;
      case 2: win = in_.U16(); break;
      case 3: win = 0xffff; break;
      case 4: win = last_win_; break;
      case 5: win = static_cast<uint16_t>(std::max<int>(0, last_win_ - Small())); break;
    }

    // Options.
    tcplab::wire::TcpOptions opts;
    const uint8_t osel = in_.U8();
    if (osel & 1) {  // timestamps, relative to ours and to the engine's
      uint32_t val = ts_val_;
      const uint8_t t = in_.U8();
      switch (t % 6) {
        case 0: val = ts_val_; break;
        case 1: val = ts_val_ + 1 + Small(); break;
        case 2: val = ts_val_ - 1 - Small(); break;
        case 3: val = ts_val_ - (1u << 31); break;
        case 4: val = ts_val_ + (1u << 31) - 1; break;
        case 5: val = in_.U32(); break;
      }
      uint32_t ecr = eng_ts_;
      switch ((t >> 3) % 4) {
        case 0: ecr = eng_ts_; break;
        case 1: ecr = 0; break;
        case 2: ecr = eng_ts_ - Small(); break;
        case 3: ecr = eng_ts_ + 1 + Small(); break;
      }
      if (static_cast<int32_t>(val - ts_val_) > 0 && (t & 0x80) == 0) ts_val_ = val;
      opts.timestamps = tcplab::wire::Timestamps{val, ecr};
    }
    if (osel & 2) {  // SACK blocks relative to SND.UNA / SND.MAX
      const int n = 1 + in_.U8() % 4;
      for (int i = 0; i < n; ++i) {
        const uint8_t b = in_.U8();
        Seq left;
        switch (b % 5) {
          case 0: left = una + in_.U16(); break;
          case 1: left = una + static_cast<uint32_t>(in_.U16()) % (static_cast<uint32_t>(max - una) + 1); break;
          case 2: left = max - Small(); break;
          case 3: left = una - in_.U16(); break;                // below SND.UNA (D-SACK-like, bogus)
          case 4: left = Seq(in_.U32()); break;
        }
        uint32_t blen;
        switch ((b >> 3) % 4) {
          case 0: blen = mss; break;
          case 1: blen = in_.U16(); break;
          case 2: blen = 0; break;                               // empty block
          default: blen = static_cast<uint32_t>(max - left); break;  // to SND.MAX (maybe negative)
        }
        opts.AddSackBlock({left, left + blen});
      }
    }
    if (osel & 4) opts.mss = in_.U16();
    if (osel & 8) opts.window_scale = in_.U8();
    if (osel & 16) opts.sack_permitted = true;
    const bool stray = (osel & 32) != 0;
    const bool corrupt = (osel & 64) != 0;

    if (!(flags & fl::kRst) && !(flags & fl::kSyn) && static_cast<int32_t>(seq + len - peer_nxt_) > 0 &&
        static_cast<int32_t>(seq - peer_nxt_) <= 0) {
      peer_nxt_ = seq + len;  // new data of our stream
    }
    if (flags & fl::kAck) last_win_ = win;
    Inject(seq, ack, flags, win, opts, len, stray, corrupt);
  }

  // A segment at `seq` (ack = SND.MAX when ack_all, else SND.UNA) carrying
  // our usual timestamp.
  void InjectRelative(Seq seq, uint8_t flags, uint16_t win, uint32_t len, bool ack_all) {
    if (seq == Seq(0) && len == 0) seq = RcvNxt();
    const Seq una = before_ ? before_->snd_una : (engine_iss_ ? *engine_iss_ + 1 : Seq(0));
    const Seq ack = ack_all && before_ ? before_->snd_max : una;
    tcplab::wire::TcpOptions opts;
    if (before_ && before_->timestamps_enabled) {
      ts_val_ += 1;
      opts.timestamps = tcplab::wire::Timestamps{ts_val_, eng_ts_};
    }
    if (static_cast<int32_t>(seq + len - peer_nxt_) > 0) peer_nxt_ = seq + len;
    last_win_ = win;
    Inject(seq, ack, flags, win, opts, len);
  }

  void Inject(Seq seq, Seq ack, uint8_t flags, uint16_t win, const tcplab::wire::TcpOptions& opts,
              uint32_t len, bool stray = false, bool corrupt = false) {
    Packet p;
    p.ip.src = kPeer;
    p.ip.dst = kLocal;
    p.tcp.src_port = static_cast<uint16_t>(stray ? kPeerPort + 7 : kPeerPort);
    p.tcp.dst_port = local_port_;
    p.tcp.seq = seq;
    p.tcp.ack = ack;
    p.tcp.flags = flags;
    p.tcp.window = win;
    p.tcp.options = opts;
    payload_.resize(len);
    // Our stream: the SYN is at the ISN, data offset 0 at ISN + 1.
    const uint32_t base = static_cast<uint32_t>(seq - (peer_iss_ + 1));
    for (uint32_t i = 0; i < len; ++i) payload_[i] = StreamByte(base + i, kPeerSalt);
    p.payload = payload_;
    std::vector<uint8_t> bytes(tcplab::wire::SerializedSize(p));
    if (tcplab::wire::SerializePacket(p, absl::MakeSpan(bytes)) == 0) return;
    if (corrupt && !bytes.empty()) bytes[bytes.size() / 2] ^= 0x10;
    if ((flags & fl::kAck) && !stray && !corrupt) offered_.push_back({ack, win, (flags & fl::kSyn) != 0});
    NOTE("in%s%s: %s\n", stray ? " (stray)" : "", corrupt ? " (corrupt)" : "",
                 tcplab::wire::RenderPacket(p).c_str());
    stack_->Input(now_, bytes);
  }

  // ------------------------------------------------------------ checks
  void CheckDeadline() {
    const Instant next = stack_->NextDeadline();
    if (!next.is_infinite() && !(next > now_)) {
      Fail(Str("NextDeadline %s not after Advance(%s)",
               absl::FormatDuration(next.since_start()).c_str(),
               absl::FormatDuration(now_.since_start()).c_str()));
    }
  }

  // Checks everything the step emitted and the connection's state after it.
  void Drain(StepKind kind) {
    const std::optional<ConnectionInfo> after = CurrentInfo();
    // The send window in force for what went out during the step: after an
    // input, the one the engine holds now (it updates the window before it
    // sends in response); otherwise the window did not change.
    std::optional<Seq> edge;
    std::optional<Seq> una;
    if (after && after->state != ConnectionState::kSynSent &&
        after->state != ConnectionState::kClosed) {
      edge = after->snd_wl2 + after->snd_wnd;
      una = after->snd_una;
    } else if (kind != StepKind::kInput) {
      edge = known_edge_;
      una = known_una_;
    }
    if (after && after->state != ConnectionState::kSynSent &&
        after->state != ConnectionState::kSynReceived && after->state != ConnectionState::kClosed) {
      synchronized_seen_ = true;
    }
    if (after && after->state != ConnectionState::kClosed && !foreign_) {
      rcv_wscale_ = after->rcv_wscale;
      engine_iss_ = after->iss;
    }

    for (const auto& raw : sink_.packets) {
      Packet p;
      if (tcplab::wire::ParsePacket(raw, &p) != tcplab::wire::ParseError::kOk) {
        Fail("the engine emitted a packet that does not parse");
      }
      const auto& h = p.tcp;
      if (!(p.ip.dst == kPeer) || h.dst_port != kPeerPort || h.src_port != local_port_) continue;
      NOTE("  out: %s\n", tcplab::wire::RenderPacket(p).c_str());
      if (h.options.timestamps) eng_ts_ = h.options.timestamps->val;
      if (h.has(fl::kSyn)) {
        // A new incarnation of the tuple (our SYN reached the listener after
        // the connection under test closed): not the connection we track.
        // Its ISS may well be the same (the ISN clock ticks with `now`, and
        // the 4-tuple is the same), so any SYN after the handshake, or one
        // answering another SYN of ours, counts.
        if (!engine_iss_) engine_iss_ = h.seq;
        if (*engine_iss_ != h.seq || synchronized_seen_ || released_ ||
            (h.has(fl::kAck) && h.ack != peer_iss_ + 1)) {
          foreign_ = true;
        }
      }
      if (h.has(fl::kRst) || foreign_) continue;
      // Data: the engine's application's bytes at their offsets.
      if (!p.payload.empty() && engine_iss_) {
        const uint32_t off = static_cast<uint32_t>(h.seq - (*engine_iss_ + 1));
        for (size_t i = 0; i < p.payload.size(); ++i) {
          const uint32_t o = off + static_cast<uint32_t>(i);
          if (o < app_sent_ && p.payload[i] != StreamByte(o, kEngineSalt)) {
            Fail(Str("emitted data byte at stream offset %u is not the application's", o));
          }
          if (o >= app_sent_) Fail(Str("emitted data byte at stream offset %u never written", o));
        }
        if (edge) {
          const Seq end = h.seq + static_cast<uint32_t>(p.payload.size());
          const bool probe = p.payload.size() == 1 && una && h.seq == *una && end == *edge + 1;
          if (end > *edge && !probe) {
            Fail(Str("data segment %u:%u ends past the send window's right edge %u",
                     h.seq.raw(), end.raw(), edge->raw()));
          }
        }
      }
      // The advertised right edge.
      if (h.has(fl::kAck)) {
        const uint32_t w = h.has(fl::kSyn) ? h.window : (uint32_t{h.window} << rcv_wscale_);
        const Seq right = h.ack + w;
        if (max_rcv_edge_) {
          const int32_t back = *max_rcv_edge_ - right;
          if (back > 0 && static_cast<uint32_t>(back) >= (1u << rcv_wscale_)) {
            Fail(Str("advertised right edge moved left by %d (from %u to %u, wscale %u)", back,
                     max_rcv_edge_->raw(), right.raw(), rcv_wscale_));
          }
        }
        if (!max_rcv_edge_ || right > *max_rcv_edge_) max_rcv_edge_ = right;
      }
    }
    sink_.packets.clear();
    while (stack_->PollEvent()) {
    }

    if (after) {
      const ConnectionInfo& i = *after;
      if (!(i.snd_una <= i.snd_nxt) || !(i.snd_nxt <= i.snd_max)) {
        Fail(Str("snd_una %u <= snd_nxt %u <= snd_max %u does not hold", i.snd_una.raw(),
                 i.snd_nxt.raw(), i.snd_max.raw()));
      }
      if (i.recv_buffered + i.out_of_order_bytes > config_.recv_buffer_bytes + (size_t{1} << i.rcv_wscale)) {
        Fail(Str("receive side holds %zu + %zu bytes, buffer %zu", i.recv_buffered,
                 i.out_of_order_bytes, config_.recv_buffer_bytes));
      }
      if (i.send_buffered > config_.send_buffer_bytes) {
        Fail(Str("send side holds %zu bytes, buffer %zu", i.send_buffered, config_.send_buffer_bytes));
      }
      if (i.bytes_received < app_received_) Fail("bytes_received below what the application read");
      const bool synced = i.state != ConnectionState::kSynSent &&
                          i.state != ConnectionState::kSynReceived &&
                          i.state != ConnectionState::kClosed;
      if (synced && i.snd_wnd > 0) {
        bool found = false;
        for (const Offered& o : offered_) {
          const uint32_t w = o.syn ? o.window : (uint32_t{o.window} << i.snd_wscale);
          if (o.ack == i.snd_wl2 && w == i.snd_wnd) {
            found = true;
            break;
          }
        }
        if (!found) {
          Fail(Str("send window %u at SND.WL2 %u was never offered", i.snd_wnd, i.snd_wl2.raw()));
        }
      }
      known_edge_ = i.snd_wl2 + i.snd_wnd;
      known_una_ = i.snd_una;
    } else if (kind == StepKind::kInput) {
      known_edge_.reset();
      known_una_.reset();
    }
  }

  Reader& in_;
  StackConfig config_;
  Sink sink_;
  std::optional<Stack> stack_;
  Instant now_ = Instant::Zero() + absl::Seconds(1);
  bool active_ = false;
  SocketId listener_ = tcplab::tcp::kInvalidSocket;
  SocketId sid_ = tcplab::tcp::kInvalidSocket;
  bool released_ = false;
  bool foreign_ = false;  // the tuple now belongs to a new incarnation
  bool synchronized_seen_ = false;
  uint16_t local_port_ = kListenPort;

  Seq peer_iss_, peer_nxt_;
  uint32_t ts_val_ = 1;
  uint32_t eng_ts_ = 0;
  uint16_t last_win_ = 0xffff;
  std::optional<Seq> engine_iss_;
  uint32_t app_sent_ = 0, app_received_ = 0;
  std::vector<Offered> offered_;
  std::optional<Seq> max_rcv_edge_;
  uint8_t rcv_wscale_ = 0;
  std::optional<Seq> known_edge_, known_una_;
  std::optional<ConnectionInfo> before_;
  std::vector<uint8_t> payload_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in(data, size);
  Fuzz f(in);
  f.Run();
  return 0;
}
