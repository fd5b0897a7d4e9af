#include "scenarios/pkt/pkt_runner.h"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/types/span.h"
#include "scenarios/engine_config.h"
#include "tcp/config.h"
#include "tcp/stack.h"
#include "tcp/state.h"
#include "tcp/wire/packet.h"
#include "tcp/wire/render.h"

namespace tcplab::scenario {
namespace {

constexpr uint16_t kDefaultRemotePort = 40000;
constexpr int kFirstFd = 3;
constexpr int64_t kONonblock = 0x800;  // Linux's O_NONBLOCK
constexpr int64_t kORdwr = 2;
// Largest read or write count (the buffer is allocated).
constexpr int64_t kMaxIoBytes = int64_t{64} << 20;
// Stops a `*` expectation from spinning through timers that send nothing.
constexpr int kMaxTimerFirings = 100000;

// Linux errno values, for getsockopt(SO_ERROR).
struct ErrnoEntry {
  const char* name;
  int value;
};
constexpr ErrnoEntry kErrnos[] = {
    {"EIO", 5},           {"EBADF", 9},          {"EAGAIN", 11},
    {"EINVAL", 22},       {"EPIPE", 32},         {"ENOTSOCK", 88},
    {"EOPNOTSUPP", 95},   {"EADDRINUSE", 98},    {"EADDRNOTAVAIL", 99},
    {"ECONNRESET", 104},  {"EISCONN", 106},      {"ENOTCONN", 107},
    {"ETIMEDOUT", 110},   {"ECONNREFUSED", 111}, {"EALREADY", 114},
    {"EINPROGRESS", 115},
};

int ErrnoValue(absl::string_view name) {
  for (const ErrnoEntry& e : kErrnos) {
    if (name == e.name) return e.value;
  }
  return -1;
}

std::string Secs(absl::Duration d) { return absl::StrCat(SecondsToString(d), "s"); }
std::string At(Instant t) { return Secs(t.since_start()); }

absl::Duration AbsDiff(Instant a, Instant b) { return a < b ? b - a : a - b; }

// The step without its time: "> S. 0:0(0) ack 1 <...>", "read(4, ..., 100) = 100".
std::string StepBody(const PacketStep& step) {
  std::string s = ToString(step);
  size_t space = s.find(' ');
  return space == std::string::npos ? s : s.substr(space + 1);
}

// The stack under test: the bare RFC 9293 core (no congestion control,
// SACK, timestamps, window scaling, delayed ACK, Nagle or limited transmit),
// so that scripts pin the core's exact segments; the script's keys turn
// features on.
absl::StatusOr<tcp::StackConfig> MakeStackConfig(const PacketScript& script) {
  tcp::StackConfig c = tcp::BareConfig();
  c.local_address = script.local_ip;
  if (absl::Status s = ApplyStackKeys(script.stack, &c); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("stack key ", s.message()));
  }
  return c;
}

bool HasNoOptions(const wire::TcpOptions& o) {
  return !o.mss && !o.window_scale && !o.sack_permitted && !o.timestamps && o.sack_count == 0 &&
         o.layout_size == 0;
}

struct Sent {
  Instant time;
  std::vector<uint8_t> bytes;
};

struct Fd {
  enum class Kind { kSocket, kListener, kConnection };
  Kind kind = Kind::kSocket;
  tcp::SocketId id = tcp::kInvalidSocket;
  bool nonblocking = false;
  bool linger_rst = false;   // SO_LINGER {1, 0}: close aborts
  bool established = false;  // the handshake completed at some point
  bool error_reported = false;
};

struct CallOutcome {
  int64_t ret = 0;
  std::string err;     // errno name; empty on success
  std::string detail;  // the engine's message, for the report
};

enum class Op { kAccept, kConnect, kRead, kWrite };

struct Pending {
  size_t step = 0;
  Instant start;  // script time of the call
  int fd = 0;
  Op op = Op::kRead;
  size_t count = 0;
  std::vector<uint8_t> data;  // write: what is left to queue
  size_t written = 0;
};

class Runner : public tcp::PacketSink {
 public:
  Runner(const PacketScript& script, const PktRunOptions& options, tcp::StackConfig config)
      : script_(script),
        options_(options),
        tolerance_(options.tolerance_override.value_or(script.tolerance)),
        remote_port_(script.remote_port.value_or(kDefaultRemotePort)),
        stack_(config, this) {}

  absl::StatusOr<PktRunResult> Run();

  void Transmit(absl::Span<const uint8_t> ip_packet) override {
    Sent s{now_, std::vector<uint8_t>(ip_packet.begin(), ip_packet.end())};
    // Each new connection's SYN (or SYN-ACK) sets the ISN that the stack's
    // numbers are relative to; retransmissions carry the same one.
    wire::Packet p;
    if (wire::ParsePacket(ip_packet, &p) == wire::ParseError::kOk && p.tcp.has(wire::flags::kSyn)) {
      local_isn_ = p.tcp.seq.raw();
    }
    result_.packets.emplace_back(s.time, s.bytes);
    queue_.push_back(std::move(s));
  }

 private:
  std::string Where(SourcePos pos) const {
    if (pos.line == 0) return absl::StrCat(script_.file, ": end of script: ");
    return absl::StrCat(script_.file, ":", pos.line, ":", pos.column, ": ");
  }
  void Ok(const PacketStep& step, Instant t) {
    absl::StrAppend(&result_.report, Where(step.pos), "ok `", StepBody(step), "` at ", At(t), "\n");
  }
  void Mismatch(SourcePos pos, std::string what) {
    std::string line = absl::StrCat(Where(pos), what);
    absl::StrAppend(&result_.report, line, "\n");
    result_.mismatches.push_back({pos, std::move(line)});
  }

  uint32_t LocalIsn() const { return local_isn_.value_or(0); }
  std::string RenderOut(const wire::Packet& p) const {
    wire::RenderOptions r;
    r.relative = true;
    r.sender_isn = wire::Seq(LocalIsn());
    r.receiver_isn = wire::Seq(script_.remote_isn);
    r.with_addresses = false;
    return absl::StrCat("> ", wire::RenderPacket(p, r));
  }
  std::string RenderSent(const Sent& s) const {
    wire::Packet p;
    wire::ParseError e = wire::ParsePacket(s.bytes, &p);
    if (e != wire::ParseError::kOk) {
      return absl::StrCat("an unparseable packet (", wire::ParseErrorName(e), ")");
    }
    return RenderOut(p);
  }

  // Fires timers due by `t` (one at a time, so that a blocking call sees
  // each change), then moves the clock to `t`.
  void AdvanceTo(Instant t) {
    for (int i = 0; i < kMaxTimerFirings; ++i) {
      Instant d = stack_.NextDeadline();
      if (d.is_infinite() || d > t) break;
      now_ = std::max(now_, d);
      stack_.Advance(now_);
      AfterStack();
    }
    now_ = std::max(now_, t);
  }

  // Fires timers up to `limit` until the stack has sent something.
  void AdvanceUntilSent(Instant limit) {
    for (int i = 0; i < kMaxTimerFirings && queue_.empty(); ++i) {
      Instant d = stack_.NextDeadline();
      if (d.is_infinite() || d > limit) break;
      now_ = std::max(now_, d);
      stack_.Advance(now_);
      AfterStack();
    }
  }

  void AfterStack() {
    while (stack_.PollEvent()) {
    }
    for (auto& [fd, f] : fds_) {
      if (f.kind == Fd::Kind::kConnection && tcp::IsSynchronized(stack_.State(f.id))) {
        f.established = true;
      }
    }
    if (pending_) TryPending();
  }

  void ReportExtras(SourcePos pos) {
    while (!queue_.empty()) {
      Sent s = std::move(queue_.front());
      queue_.pop_front();
      Mismatch(pos, absl::StrCat("the stack sent `", RenderSent(s), "` at ", At(s.time),
                                 ", which the script does not expect (extra segment)"));
    }
  }

  // When a call should return: its end time, else its start.
  static Instant ReturnTime(const PacketStep& step, Instant start) {
    if (!step.time.end) return start;
    return step.time.end->relative ? start + step.time.end->value
                                   : Instant::Zero() + step.time.end->value;
  }

  Instant ScriptTime(const PacketStep& step) const {
    if (step.time.any) return now_;
    const TimePoint& tp = step.time.start;
    return tp.relative ? base_ + tp.value : Instant::Zero() + tp.value;
  }

  void Inject(const PacketStep& step, const PacketSpec& spec);
  void Expect(const PacketStep& step, const PacketSpec& spec, Instant t);
  absl::Status Call(const PacketStep& step, const Syscall& call, Instant t);

  // Completes or keeps the pending blocking call.
  void TryPending();
  std::optional<CallOutcome> TryOp(Pending& p);
  void Finish(size_t step_index, Instant start, const CallOutcome& got);

  CallOutcome Error(const absl::Status& s, Fd* fd, Op op) const;
  int LowestFreeFd() const {
    int fd = kFirstFd;
    while (fds_.contains(fd)) ++fd;
    return fd;
  }

  const PacketScript& script_;
  const PktRunOptions& options_;
  const absl::Duration tolerance_;
  const uint16_t remote_port_;
  tcp::Stack stack_;
  Instant now_ = Instant::Zero();
  Instant base_ = Instant::Zero();  // the previous step's time
  std::optional<uint32_t> local_isn_;
  std::deque<Sent> queue_;
  std::map<int, Fd> fds_;
  std::optional<Pending> pending_;
  PktRunResult result_;
};

void Runner::Inject(const PacketStep& step, const PacketSpec& spec) {
  wire::Packet p;
  p.ip.src = script_.remote_ip;
  p.ip.dst = script_.local_ip;
  p.tcp.src_port = remote_port_;
  p.tcp.dst_port = script_.local_port;
  p.tcp.flags = spec.flags;
  uint32_t start = spec.seq ? spec.seq->start : 0;
  uint32_t length = spec.seq ? spec.seq->length : 0;
  p.tcp.seq = wire::Seq(script_.remote_isn + start);
  if (spec.ack) p.tcp.ack = wire::Seq(LocalIsn() + *spec.ack);
  p.tcp.window = static_cast<uint16_t>(spec.window.value_or(65535));
  if (spec.options) {
    p.tcp.options = *spec.options;
    // SACK blocks name the stack's data.
    for (int b = 0; b < p.tcp.options.sack_count; ++b) {
      p.tcp.options.sack_blocks[b].left += LocalIsn();
      p.tcp.options.sack_blocks[b].right += LocalIsn();
    }
  }
  // An IPv4 packet holds at most 65535 bytes; check before allocating.
  if (length > 65535 - wire::kIpv4HeaderSize - wire::kTcpHeaderSize) {
    Mismatch(step.pos, absl::StrCat("cannot build `", StepBody(step), "`: ", length,
                                    " payload bytes do not fit in one IPv4 packet"));
    return;
  }
  std::vector<uint8_t> payload(length);
  for (uint32_t i = 0; i < length; ++i) payload[i] = static_cast<uint8_t>('a' + (start + i) % 26);
  p.payload = payload;
  std::vector<uint8_t> bytes(wire::SerializedSize(p));
  if (wire::SerializePacket(p, absl::MakeSpan(bytes)) == 0) {
    Mismatch(step.pos, absl::StrCat("cannot build `", StepBody(step), "` (too large)"));
    return;
  }
  result_.packets.emplace_back(now_, bytes);
  stack_.Input(now_, bytes);
  Ok(step, now_);
  AfterStack();
}

void Runner::Expect(const PacketStep& step, const PacketSpec& spec, Instant t) {
  const std::string want = StepBody(step);
  Instant limit = step.time.any ? Instant::Infinite() : t + tolerance_;
  AdvanceUntilSent(limit);
  if (queue_.empty()) {
    if (step.time.any) {
      Mismatch(step.pos, absl::StrCat("expected `", want,
                                      "` at any time, but the stack sent "
                                      "nothing and has no timer left"));
    } else {
      Mismatch(step.pos, absl::StrCat("expected `", want, "` at ", At(t),
                                      ", but the stack sent nothing by ", At(limit)));
      now_ = std::max(now_, t);
    }
    base_ = t;
    return;
  }
  Sent s = std::move(queue_.front());
  queue_.pop_front();
  base_ = s.time;  // as packetdrill: relative to when it was really sent

  wire::Packet p;
  wire::ParseError e = wire::ParsePacket(s.bytes, &p);
  if (e != wire::ParseError::kOk) {
    Mismatch(step.pos,
             absl::StrCat("expected `", want, "` at ", At(t), ", got an unparseable packet (",
                          wire::ParseErrorName(e), ") at ", At(s.time)));
    return;
  }
  std::vector<std::string> diffs;
  if (p.ip.dst != script_.remote_ip || p.tcp.dst_port != remote_port_ ||
      p.ip.src != script_.local_ip || p.tcp.src_port != script_.local_port) {
    diffs.push_back(absl::StrCat("addresses differ (", p.ip.src.ToString(), ":", p.tcp.src_port,
                                 " > ", p.ip.dst.ToString(), ":", p.tcp.dst_port, ")"));
  }
  if (p.tcp.flags != spec.flags) diffs.push_back("flags differ");
  if (spec.seq) {
    if (p.tcp.seq.raw() - LocalIsn() != spec.seq->start) diffs.push_back("seq differs");
    if (p.payload.size() != spec.seq->length) diffs.push_back("payload length differs");
  }
  if (spec.ack && (p.tcp.flags & wire::flags::kAck) &&
      p.tcp.ack.raw() - script_.remote_isn != *spec.ack) {
    diffs.push_back("ack differs");
  }
  if (spec.window && !options_.ignore_window && p.tcp.window != *spec.window) {
    diffs.push_back("window differs");
  }
  if (!spec.any_options) {
    bool same;
    if (!spec.options) {
      same = HasNoOptions(p.tcp.options);
    } else {
      wire::TcpOptions want_opt = *spec.options;
      for (int b = 0; b < want_opt.sack_count; ++b) {
        want_opt.sack_blocks[b].left += script_.remote_isn;
        want_opt.sack_blocks[b].right += script_.remote_isn;
      }
      if (options_.ignore_timestamp_values && want_opt.timestamps && p.tcp.options.timestamps) {
        want_opt.timestamps = p.tcp.options.timestamps;
      }
      same = want_opt == p.tcp.options;
    }
    if (!same) diffs.push_back("options differ");
  }
  if (!step.time.any && AbsDiff(s.time, t) > tolerance_) {
    diffs.push_back(absl::StrCat("sent ", Secs(AbsDiff(s.time, t)), s.time < t ? " early" : " late",
                                 " (tolerance ", Secs(tolerance_), ")"));
  }
  if (diffs.empty()) {
    Ok(step, s.time);
    return;
  }
  Mismatch(
      step.pos,
      absl::StrCat("expected `", want, "` at ", step.time.any ? std::string("any time") : At(t),
                   ", got `", RenderOut(p), "` at ", At(s.time), ": ", absl::StrJoin(diffs, ", ")));
}

CallOutcome Runner::Error(const absl::Status& s, Fd* fd, Op op) const {
  CallOutcome o;
  o.ret = -1;
  o.detail = std::string(s.message());
  switch (s.code()) {
    case absl::StatusCode::kAborted:
      o.err = fd != nullptr && !fd->established ? "ECONNREFUSED" : "ECONNRESET";
      break;
    case absl::StatusCode::kDeadlineExceeded:
      o.err = "ETIMEDOUT";
      break;
    case absl::StatusCode::kUnavailable:
      o.err = absl::StrContains(s.message(), "refused") ? "ECONNREFUSED" : "EAGAIN";
      break;
    case absl::StatusCode::kAlreadyExists:
      o.err = "EADDRINUSE";
      break;
    case absl::StatusCode::kResourceExhausted:
      o.err = "EADDRNOTAVAIL";
      break;
    case absl::StatusCode::kInvalidArgument:
      o.err = "EINVAL";
      break;
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kCancelled:
      o.err = "EBADF";
      break;
    case absl::StatusCode::kFailedPrecondition:
      o.err = op == Op::kWrite ? "EPIPE" : "ENOTCONN";
      break;
    default:
      o.err = "EIO";
      break;
  }
  return o;
}

std::optional<CallOutcome> Runner::TryOp(Pending& p) {
  auto it = fds_.find(p.fd);
  if (it == fds_.end()) return CallOutcome{-1, "EBADF", "fd closed"};
  Fd& f = it->second;
  switch (p.op) {
    case Op::kAccept: {
      absl::StatusOr<tcp::SocketId> id = stack_.Accept(now_, f.id);
      if (id.ok()) {
        int nfd = LowestFreeFd();
        Fd c;
        c.kind = Fd::Kind::kConnection;
        c.id = *id;
        c.established = true;
        fds_[nfd] = c;
        return CallOutcome{nfd, "", ""};
      }
      if (id.status().code() == absl::StatusCode::kUnavailable) return std::nullopt;
      return Error(id.status(), &f, p.op);
    }
    case Op::kConnect: {
      if (tcp::IsSynchronized(stack_.State(f.id))) {
        f.established = true;
        return CallOutcome{0, "", ""};
      }
      absl::Status e = stack_.Error(f.id);
      if (!e.ok()) {
        f.error_reported = true;
        return Error(e, &f, p.op);
      }
      return std::nullopt;
    }
    case Op::kRead: {
      if (f.error_reported) return CallOutcome{0, "", ""};
      std::vector<uint8_t> buf(p.count);
      absl::StatusOr<size_t> n = stack_.Receive(now_, f.id, absl::MakeSpan(buf));
      if (!n.ok()) {
        if (n.status().code() == absl::StatusCode::kAborted ||
            n.status().code() == absl::StatusCode::kDeadlineExceeded) {
          f.error_reported = true;
        }
        return Error(n.status(), &f, p.op);
      }
      if (*n > 0 || p.count == 0 || stack_.GetReadiness(f.id).eof) {
        return CallOutcome{static_cast<int64_t>(*n), "", ""};
      }
      // The engine reports eof only while the connection exists; a
      // connection that has finished has nothing more to give.
      if (stack_.State(f.id) == tcp::ConnectionState::kClosed) return CallOutcome{0, "", ""};
      return std::nullopt;
    }
    case Op::kWrite: {
      if (f.error_reported) return CallOutcome{-1, "EPIPE", "error already reported"};
      absl::StatusOr<size_t> n =
          stack_.Send(now_, f.id, absl::MakeConstSpan(p.data).subspan(p.written));
      if (!n.ok()) {
        if (p.written > 0) return CallOutcome{static_cast<int64_t>(p.written), "", ""};
        if (n.status().code() == absl::StatusCode::kAborted ||
            n.status().code() == absl::StatusCode::kDeadlineExceeded) {
          f.error_reported = true;
        }
        return Error(n.status(), &f, p.op);
      }
      p.written += *n;
      if (p.written == p.data.size()) return CallOutcome{static_cast<int64_t>(p.written), "", ""};
      if (f.nonblocking && p.written > 0) {
        return CallOutcome{static_cast<int64_t>(p.written), "", ""};
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

void Runner::TryPending() {
  // Re-entrancy: TryOp calls into the stack, which may send (no callbacks
  // into us other than Transmit), so this cannot recurse.
  Pending p = std::move(*pending_);
  pending_.reset();
  std::optional<CallOutcome> got = TryOp(p);
  if (!got) {
    pending_ = std::move(p);
    return;
  }
  Finish(p.step, p.start, *got);
}

void Runner::Finish(size_t step_index, Instant start, const CallOutcome& got) {
  const PacketStep& step = script_.steps[step_index];
  const Syscall& call = std::get<Syscall>(step.event);
  std::vector<std::string> diffs;
  if (got.ret != call.result || (call.error && got.err != *call.error) ||
      (!call.error && call.result != -1 && !got.err.empty())) {
    diffs.push_back("result differs");
  }
  if (!step.time.any) {
    Instant want = ReturnTime(step, start);
    if (AbsDiff(now_, want) > tolerance_) {
      diffs.push_back(absl::StrCat("returned at ", At(now_), ", expected at ", At(want),
                                   " (tolerance ", Secs(tolerance_), ")"));
    }
  }
  if (diffs.empty()) {
    Ok(step, now_);
    return;
  }
  std::string got_text = absl::StrCat(got.ret);
  if (!got.err.empty()) absl::StrAppend(&got_text, " ", got.err);
  if (!got.detail.empty()) absl::StrAppend(&got_text, " (", got.detail, ")");
  Mismatch(step.pos, absl::StrCat("expected `", StepBody(step), "`, got ", got_text, " at ",
                                  At(now_), ": ", absl::StrJoin(diffs, ", ")));
}

std::optional<int64_t> IntArg(const Syscall& c, size_t i) {
  if (i >= c.args.size() || c.args[i].kind != SyscallArg::Kind::kInt) return std::nullopt;
  return c.args[i].value;
}

bool NameArgHas(const Syscall& c, size_t i, absl::string_view word) {
  if (i >= c.args.size()) return false;
  const SyscallArg& a = c.args[i];
  if (a.kind != SyscallArg::Kind::kName) return false;
  for (absl::string_view part : absl::StrSplit(a.text, '|')) {
    if (part == word) return true;
  }
  return false;
}

absl::Status Runner::Call(const PacketStep& step, const Syscall& c, Instant t) {
  const size_t index = static_cast<size_t>(&step - script_.steps.data());
  auto done = [&](CallOutcome o) { Finish(index, t, o); };
  auto bad_args = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(step.pos), "cannot run `", StepBody(step), "`: ", why));
  };

  if (c.name == "socket") {
    int fd = LowestFreeFd();
    fds_[fd] = Fd{};
    done({fd, "", ""});
    return absl::OkStatus();
  }

  std::optional<int64_t> fd_arg = IntArg(c, 0);
  if (!fd_arg) return bad_args("the first argument must be a file descriptor number");
  const int fd = static_cast<int>(*fd_arg);
  auto it = fds_.find(fd);
  if (it == fds_.end()) {
    done({-1, "EBADF", absl::StrCat("no fd ", fd)});
    return absl::OkStatus();
  }
  Fd& f = it->second;
  const bool is_conn = f.kind == Fd::Kind::kConnection;

  auto block_or_finish = [&](Pending p) {
    std::optional<CallOutcome> got = TryOp(p);
    if (got) {
      done(*got);
    } else if (f.nonblocking) {
      done({-1, "EAGAIN", "would block"});
    } else {
      pending_ = std::move(p);
    }
  };

  if (c.name == "bind") {
    done(f.kind == Fd::Kind::kSocket ? CallOutcome{0, "", ""}
                                     : CallOutcome{-1, "EINVAL", "already bound"});
  } else if (c.name == "listen") {
    if (f.kind != Fd::Kind::kSocket) {
      done({f.kind == Fd::Kind::kListener ? 0 : -1, f.kind == Fd::Kind::kListener ? "" : "EINVAL",
            ""});
      return absl::OkStatus();
    }
    int backlog = static_cast<int>(IntArg(c, 1).value_or(1));
    absl::StatusOr<tcp::SocketId> id = stack_.Listen(now_, script_.local_port, backlog);
    AfterStack();
    if (!id.ok()) {
      done(Error(id.status(), &f, Op::kAccept));
      return absl::OkStatus();
    }
    f.kind = Fd::Kind::kListener;
    f.id = *id;
    done({0, "", ""});
  } else if (c.name == "accept") {
    if (f.kind != Fd::Kind::kListener) {
      done({-1, "EINVAL", "not listening"});
      return absl::OkStatus();
    }
    block_or_finish(Pending{index, t, fd, Op::kAccept, 0, {}, 0});
  } else if (c.name == "connect") {
    if (f.kind == Fd::Kind::kListener) {
      done({-1, "EISCONN", "listening"});
    } else if (is_conn) {
      if (f.established && tcp::IsSynchronized(stack_.State(f.id))) {
        done({-1, "EISCONN", ""});
      } else if (absl::Status e = stack_.Error(f.id); !e.ok() && !f.error_reported) {
        f.error_reported = true;
        done(Error(e, &f, Op::kConnect));
      } else {
        done({-1, "EALREADY", ""});
      }
    } else {
      absl::StatusOr<tcp::SocketId> id =
          stack_.Connect(now_, script_.remote_ip, remote_port_, script_.local_port);
      if (!id.ok()) {
        done(Error(id.status(), &f, Op::kConnect));
        return absl::OkStatus();
      }
      f.kind = Fd::Kind::kConnection;
      f.id = *id;
      if (f.nonblocking) {
        done({-1, "EINPROGRESS", "connecting"});
        AfterStack();
      } else {
        Pending p{index, t, fd, Op::kConnect, 0, {}, 0};
        pending_ = std::move(p);
        AfterStack();
      }
    }
  } else if (c.name == "read" || c.name == "recv") {
    if (!is_conn) {
      done({-1, "ENOTCONN", ""});
      return absl::OkStatus();
    }
    int64_t want = IntArg(c, 2).value_or(65536);
    if (want < 0 || want > kMaxIoBytes) return bad_args("the byte count is out of range");
    size_t count = static_cast<size_t>(want);
    block_or_finish(Pending{index, t, fd, Op::kRead, count, {}, 0});
    AfterStack();
  } else if (c.name == "write" || c.name == "send") {
    if (!is_conn) {
      done({-1, f.kind == Fd::Kind::kListener ? "ENOTCONN" : "EPIPE", ""});
      return absl::OkStatus();
    }
    std::vector<uint8_t> data;
    if (c.args.size() > 1 && c.args[1].kind == SyscallArg::Kind::kString) {
      data.assign(c.args[1].text.begin(), c.args[1].text.end());
      if (std::optional<int64_t> n = IntArg(c, 2);
          n && *n >= 0 && static_cast<size_t>(*n) < data.size()) {
        data.resize(static_cast<size_t>(*n));
      }
    } else {
      std::optional<int64_t> n = IntArg(c, 2);
      if (!n || *n < 0 || *n > kMaxIoBytes) {
        return bad_args("the byte count must be an integer from 0 to 64 MiB");
      }
      data.resize(static_cast<size_t>(*n));
      for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>('A' + i % 26);
    }
    block_or_finish(Pending{index, t, fd, Op::kWrite, data.size(), std::move(data), 0});
    AfterStack();
  } else if (c.name == "shutdown") {
    if (!is_conn) {
      done({-1, "ENOTCONN", ""});
      return absl::OkStatus();
    }
    if (NameArgHas(c, 1, "SHUT_RD") || IntArg(c, 1) == 0) {
      done({0, "", ""});
      return absl::OkStatus();
    }
    absl::Status s = stack_.Shutdown(now_, f.id);
    AfterStack();
    if (!s.ok() && absl::StrContains(s.message(), "already shut down")) s = absl::OkStatus();
    done(s.ok() ? CallOutcome{0, "", ""} : Error(s, &f, Op::kConnect));
  } else if (c.name == "close") {
    if (f.kind != Fd::Kind::kSocket) {
      if (f.linger_rst) {
        (void)stack_.Abort(now_, f.id);
      } else {
        (void)stack_.Close(now_, f.id);
      }
    }
    fds_.erase(it);
    AfterStack();
    done({0, "", ""});
  } else if (c.name == "fcntl") {
    if (NameArgHas(c, 1, "F_GETFL")) {
      done({kORdwr | (f.nonblocking ? kONonblock : 0), "", ""});
    } else if (NameArgHas(c, 1, "F_SETFL")) {
      std::optional<int64_t> v = IntArg(c, 2);
      f.nonblocking = NameArgHas(c, 2, "O_NONBLOCK") || (v && (*v & kONonblock) != 0);
      done({0, "", ""});
    } else {
      return bad_args("only F_GETFL and F_SETFL are supported");
    }
  } else if (c.name == "setsockopt") {
    if (NameArgHas(c, 2, "SO_LINGER") && c.args.size() > 3 &&
        c.args[3].kind == SyscallArg::Kind::kStruct) {
      int64_t onoff = 0, linger = 1;
      for (const SyscallArg& e : c.args[3].elements) {
        if (e.field == "l_onoff") onoff = e.value;
        if (e.field == "l_linger") linger = e.value;
      }
      f.linger_rst = onoff != 0 && linger == 0;
    } else if (NameArgHas(c, 2, "TCP_NODELAY") && is_conn && c.args.size() > 3) {
      // [1] or 1: Nagle off for this connection (what pushes held data).
      const SyscallArg& v = c.args[3];
      const int64_t on = v.kind == SyscallArg::Kind::kList && v.elements.size() == 1
                             ? v.elements[0].value
                             : v.value;
      (void)stack_.SetNoDelay(now_, f.id, on != 0);
      AfterStack();
    }
    done({0, "", ""});
  } else if (c.name == "getsockopt") {
    if (NameArgHas(c, 2, "SO_ERROR") && c.args.size() > 3 &&
        c.args[3].kind == SyscallArg::Kind::kList && c.args[3].elements.size() == 1) {
      int actual = 0;
      std::string actual_name = "0";
      if (is_conn && !f.error_reported) {
        absl::Status e = stack_.Error(f.id);
        if (!e.ok()) {
          actual_name = Error(e, &f, Op::kConnect).err;
          actual = ErrnoValue(actual_name);
          f.error_reported = true;
        }
      }
      const SyscallArg& want = c.args[3].elements[0];
      int64_t want_value =
          want.kind == SyscallArg::Kind::kName ? ErrnoValue(want.text) : want.value;
      if (want.kind != SyscallArg::Kind::kEllipsis && want_value != actual) {
        Mismatch(step.pos, absl::StrCat("expected `", StepBody(step), "`, got SO_ERROR ",
                                        actual_name, ": value differs"));
        return absl::OkStatus();
      }
    }
    done({0, "", ""});
  } else {
    return bad_args("this call is not supported");
  }
  return absl::OkStatus();
}

absl::StatusOr<PktRunResult> Runner::Run() {
  for (size_t i = 0; i < script_.steps.size(); ++i) {
    const PacketStep& step = script_.steps[i];
    if (options_.stop_at_first_mismatch && !result_.mismatches.empty()) break;
    const Instant t = std::max(ScriptTime(step), Instant::Zero());
    if (const auto* spec = std::get_if<PacketSpec>(&step.event)) {
      if (spec->direction == PacketDirection::kOutbound) {
        Expect(step, *spec, t);
        continue;
      }
      AdvanceTo(t);
      base_ = t;
      ReportExtras(step.pos);
      Inject(step, *spec);
      continue;
    }
    AdvanceTo(t);
    base_ = t;
    ReportExtras(step.pos);
    if (pending_) {
      const PacketStep& blocked = script_.steps[pending_->step];
      Mismatch(blocked.pos, absl::StrCat("expected `", StepBody(blocked),
                                         "`, but the call was still blocked at ", At(now_),
                                         " when the next call came"));
      pending_.reset();
    }
    absl::Status s = Call(step, std::get<Syscall>(step.event), t);
    if (!s.ok()) return s;
  }
  if (!options_.stop_at_first_mismatch || result_.mismatches.empty()) {
    // A call still blocked at the end is waited for, as packetdrill waits
    // for its blocking thread: up to its return time (plus tolerance).
    if (pending_) {
      const PacketStep& blocked = script_.steps[pending_->step];
      Instant limit = Instant::Infinite();
      if (!blocked.time.any) limit = ReturnTime(blocked, pending_->start) + tolerance_;
      for (int i = 0; i < kMaxTimerFirings && pending_; ++i) {
        Instant d = stack_.NextDeadline();
        if (d.is_infinite() || d > limit) break;
        now_ = std::max(now_, d);
        stack_.Advance(now_);
        AfterStack();
      }
    }
    ReportExtras(SourcePos{});
    if (pending_) {
      const PacketStep& blocked = script_.steps[pending_->step];
      Mismatch(blocked.pos,
               absl::StrCat("expected `", StepBody(blocked),
                            "`, but the call was still blocked at the end (", At(now_), ")"));
      pending_.reset();
    }
  }
  result_.passed = result_.mismatches.empty();
  return std::move(result_);
}

}  // namespace

absl::StatusOr<PktRunResult> RunPacketScript(const PacketScript& script,
                                             const PktRunOptions& options) {
  absl::StatusOr<tcp::StackConfig> config = MakeStackConfig(script);
  if (!config.ok()) return config.status();
  Runner runner(script, options, *std::move(config));
  return runner.Run();
}

}  // namespace tcplab::scenario
