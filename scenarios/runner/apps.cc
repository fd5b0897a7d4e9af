#include "scenarios/runner/apps.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "scenarios/lang/units.h"
#include "scenarios/runner/pattern.h"
#include "scenarios/runner/world.h"

namespace tcplab::scenario::runner {
namespace {

constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();
constexpr size_t kDefaultIo = 64 * 1024;
// How often a rate-limited reader looks again when its budget is spent.
constexpr absl::Duration kReadTick = absl::Milliseconds(10);

ErrorKind Classify(const absl::Status& s, bool established) {
  switch (s.code()) {
    case absl::StatusCode::kOk:
    case absl::StatusCode::kCancelled:  // our own abort
      return ErrorKind::kNone;
    case absl::StatusCode::kDeadlineExceeded:
      return ErrorKind::kTimedOut;
    case absl::StatusCode::kUnavailable:
      return ErrorKind::kRefused;
    default:
      return established ? ErrorKind::kReset : ErrorKind::kRefused;
  }
}

}  // namespace

// ---------------------------------------------------------------- Conn

Conn::Conn(AppInstance* app, tcp::SocketId socket, std::string label)
    : app_(app), socket_(socket) {
  stats_.label = std::move(label);
  stats_.host = app_->host().name();
  app_->host().RegisterConn(socket_, this);
  Snapshot();
}

const App& Conn::spec() const { return app_->spec(); }
tcp::Stack& Conn::stack() const { return app_->host().stack(); }

tcp::ConnectionState Conn::state() const { return app_->host().StateOf(socket_); }

uint64_t Conn::acked() const {
  const uint64_t seen = stats_.info ? stats_.info->bytes_sent : 0;
  return app_->host().FinAckedOf(socket_) ? std::max(seen, stats_.written) : seen;
}

uint64_t Conn::retransmits() const {
  const uint64_t seen = app_->host().RetransmitsOf(socket_);
  return std::max(seen, stats_.info ? stats_.info->retransmissions : 0);
}

uint64_t Conn::zero_window_probes() const {
  const uint64_t seen = app_->host().ProbesOf(socket_);
  return std::max(seen, stats_.info ? stats_.info->zero_window_probes : 0);
}

void Conn::Snapshot() {
  if (stats_.released) return;
  absl::StatusOr<tcp::ConnectionInfo> info = stack().Info(socket_);
  if (!info.ok()) return;
  stats_.info = *info;
  if (!key_known_ && info->local_port != 0 && info->remote_port != 0) {
    key_ = PatternKey(info->local_address, info->local_port, info->remote_address,
                      info->remote_port);
    key_known_ = true;
  }
}

void Conn::ReportInfo(Instant now) {
  WorldObserver* observer = app_->host().world().observer();
  if (observer == nullptr || !stats_.info) return;
  observer->OnConnectionInfo(stats_.host, socket_, reported_ ? &*reported_ : nullptr,
                             *stats_.info, now);
  reported_ = stats_.info;
}

void Conn::Finish(Instant now) {
  if (stats_.finished) return;
  stats_.finished = true;
  stats_.finished_at = now;
  std::string what = absl::StrCat(stats_.label, " finished: ");
  if (stats_.error != ErrorKind::kNone) {
    absl::StrAppend(&what, "error ", Name(stats_.error), " (", stats_.error_text, ")");
  } else {
    absl::StrAppend(&what, "wrote ", stats_.written, "B, acked ", acked(), "B, read ",
                    stats_.read, "B");
  }
  app_->host().world().Note(now, what);
}

void Conn::Fail(Instant now) {
  const absl::Status err = stack().Error(socket_);
  stats_.error = Classify(err, stats_.established);
  stats_.error_text = std::string(err.message());
  Finish(now);
  Release(now, /*abort=*/false);
}

void Conn::Release(Instant now, bool abort) {
  if (stats_.released) return;
  Snapshot();
  absl::Status s = abort ? stack().Abort(now, socket_) : stack().Close(now, socket_);
  (void)s;  // a connection that already died is released either way
  stats_.released = true;
}

void Conn::WakeAt(Instant at) {
  if (wake_at_ != Instant::Infinite() && wake_at_ <= at) return;
  wake_at_ = at;
  World& world = app_->host().world();
  world.sim().ScheduleFn(at, [this, at, &world] {
    if (wake_at_ == at) wake_at_ = Instant::Infinite();
    app_->host().PumpApps(world.sim().Now());
  });
}

uint64_t Conn::MoveBudget() const {
  uint64_t limit = kUnlimited;
  if (spec().close_after) limit = std::min(limit, *spec().close_after);
  if (spec().abort_after) limit = std::min(limit, *spec().abort_after);
  if (limit == kUnlimited) return kUnlimited;
  const uint64_t moved = stats_.written + stats_.read;
  return moved >= limit ? 0 : limit - moved;
}

void Conn::CheckMoveLimit(Instant now) {
  if (stats_.released || MoveBudget() != 0) return;
  const bool abort =
      spec().abort_after &&
      (!spec().close_after || *spec().abort_after <= *spec().close_after);
  app_->host().world().Note(now, absl::StrCat(stats_.label, abort ? " aborts" : " closes",
                                              " after moving ",
                                              stats_.written + stats_.read, "B"));
  Finish(now);
  Release(now, abort);
}

uint64_t Conn::ReadAllowance(Instant now) {
  const App& a = spec();
  if (a.never_read || stopped_) return 0;
  const bool readable = stack().GetReadiness(socket_).readable;
  for (const ReadPause& p : a.read_pauses) {
    const Instant from = Instant::Zero() + p.at;
    const Instant to = from + p.length;
    if (now >= from && now < to) {
      if (readable) WakeAt(to);
      return 0;
    }
  }
  if (!a.read_rate_bps) return kUnlimited;
  const uint64_t bps = *a.read_rate_bps;
  if (rate_origin_ == Instant::Infinite()) {
    rate_origin_ = now;
    rate_read_ = 0;
  }
  const unsigned __int128 elapsed = static_cast<uint64_t>((now - rate_origin_) /
                                                          absl::Nanoseconds(1));
  const uint64_t allowed =
      static_cast<uint64_t>(elapsed * bps / (unsigned __int128)8'000'000'000ULL);
  // At most 100ms (or one read) of unused budget carries over.
  const uint64_t cap = std::max<uint64_t>(bps / 80, a.read_size.value_or(1));
  if (allowed > rate_read_ + cap) rate_read_ = allowed - cap;
  const uint64_t avail = allowed - rate_read_;
  if (avail == 0 && readable) WakeAt(now + kReadTick);
  return avail;
}

void Conn::Process(Instant now, absl::Span<const uint8_t> data) {
  (void)now;
  switch (spec().kind) {
    case AppKind::kHttpServer:
      request_text_.append(reinterpret_cast<const char*>(data.data()), data.size());
      ConsumeHttpRequests();
      break;
    case AppKind::kEcho:
      echo_buf_.append(reinterpret_cast<const char*>(data.data()), data.size());
      [[fallthrough]];
    default:
      stats_.mismatches += CountMismatches(key_, stats_.read, data);
      break;
  }
  if (spec().kind == AppKind::kHttpGet) {
    response_due_ -= std::min<uint64_t>(response_due_, data.size());
  }
  stats_.read += data.size();
  rate_read_ += data.size();
}

void Conn::ConsumeHttpRequests() {
  size_t nl;
  while ((nl = request_text_.find('\n')) != std::string::npos) {
    absl::string_view line(request_text_.data(), nl);
    uint64_t n = 0;
    if (absl::ConsumePrefix(&line, "GET ") && absl::SimpleAtoi(line, &n)) response_owed_ += n;
    request_text_.erase(0, nl + 1);
  }
  // A line that never ends must not grow without bound.
  if (request_text_.size() > 4096) request_text_.clear();
}

void Conn::ReadSome(Instant now) {
  uint64_t allowance = std::min(ReadAllowance(now), MoveBudget());
  if (allowance == 0) return;
  const size_t chunk = spec().read_size.value_or(kDefaultIo);
  // One scratch buffer for every read (Pump runs after every packet).
  static thread_local std::vector<uint8_t> scratch;
  scratch.resize(std::min<uint64_t>(chunk, kDefaultIo * 4));
  std::vector<uint8_t>& buf = scratch;
  while (allowance > 0) {
    const size_t n = std::min<uint64_t>(buf.size(), allowance);
    absl::StatusOr<size_t> got = stack().Receive(now, socket_, absl::MakeSpan(buf.data(), n));
    if (!got.ok() || *got == 0) break;
    Process(now, absl::MakeConstSpan(buf.data(), *got));
    allowance -= *got;
  }
  if (!eof_ && stack().GetReadiness(socket_).eof) eof_ = true;
}

void Conn::WriteSome(Instant now) {
  if (shut_) return;
  const App& a = spec();
  const size_t chunk = a.write_size.value_or(kDefaultIo);
  static thread_local std::vector<uint8_t> buf;
  // Writes up to `n` pattern bytes at stats_.written; false when the stack
  // took less than offered.
  auto write_pattern = [&](uint64_t n) {
    while (n > 0) {
      // Only what the send buffer can take now: filling more is wasted.
      absl::StatusOr<tcp::ConnectionInfo> info = stack().Info(socket_);
      if (!info.ok()) return false;
      const size_t room = stack().config().send_buffer_bytes -
                          std::min(info->send_buffered, stack().config().send_buffer_bytes);
      const size_t len = std::min<uint64_t>({n, chunk, MoveBudget(), room});
      if (len == 0) return false;
      buf.resize(len);
      FillPattern(key_, stats_.written, absl::MakeSpan(buf));
      absl::StatusOr<size_t> took = stack().Send(now, socket_, buf);
      if (!took.ok()) return false;
      stats_.written += *took;
      n -= *took;
      if (*took < len) return false;
    }
    return true;
  };
  switch (a.kind) {
    case AppKind::kBulk: {
      const uint64_t total = a.bytes.value_or(0);
      if (stats_.written < total) write_pattern(total - stats_.written);
      if (stats_.written >= total && !shut_) {
        shut_ = stack().Shutdown(now, socket_).ok();
      }
      break;
    }
    case AppKind::kEcho:
      while (!echo_buf_.empty()) {
        const size_t len = std::min<size_t>({echo_buf_.size(), chunk, MoveBudget()});
        if (len == 0) break;
        absl::StatusOr<size_t> took = stack().Send(
            now, socket_,
            absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(echo_buf_.data()), len));
        if (!took.ok() || *took == 0) break;
        echo_buf_.erase(0, *took);
        stats_.written += *took;
      }
      break;
    case AppKind::kHttpServer:
      if (response_owed_ > 0) {
        const uint64_t before = stats_.written;
        write_pattern(response_owed_);
        response_owed_ -= stats_.written - before;
      }
      break;
    case AppKind::kHttpGet: {
      if (request_out_.empty() && response_due_ == 0 &&
          requests_sent_ < a.requests.value_or(1)) {
        request_out_ = absl::StrCat("GET ", a.bytes.value_or(0), "\n");
        ++requests_sent_;
        response_due_ = a.bytes.value_or(0);
      }
      if (!request_out_.empty()) {
        absl::StatusOr<size_t> took = stack().Send(
            now, socket_,
            absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(request_out_.data()),
                                request_out_.size()));
        if (took.ok()) request_out_.erase(0, *took);
      }
      break;
    }
    case AppKind::kSink:
      break;
  }
}

void Conn::Pump(Instant now) {
  if (stats_.released) return;
  Snapshot();
  ReportInfo(now);
  if (!stats_.established && tcp::IsSynchronized(state())) {
    stats_.established = true;
    stats_.established_at = now;
  }
  if (!stats_.established && !stack().GetReadiness(socket_).error) return;
  // Reading twice: writing (an echo, a response) may make room to read more.
  for (int round = 0; round < 2 && !stats_.released; ++round) {
    ReadSome(now);
    CheckMoveLimit(now);
    if (stats_.released) return;
    if (stats_.established) WriteSome(now);
    CheckMoveLimit(now);
  }
  if (stats_.released) return;
  Snapshot();
  if (stack().GetReadiness(socket_).error) {
    Fail(now);
    return;
  }
  const App& a = spec();
  switch (a.kind) {
    case AppKind::kBulk:
      if (shut_ && acked() >= a.bytes.value_or(0)) Finish(now);
      if (stats_.finished && eof_) Release(now, false);
      break;
    case AppKind::kSink:
      if (eof_) {
        Finish(now);
        Release(now, false);
      }
      break;
    case AppKind::kEcho:
      if (eof_ && echo_buf_.empty()) {
        Finish(now);
        Release(now, false);
      }
      break;
    case AppKind::kHttpServer:
      if (eof_ && response_owed_ == 0) {
        Finish(now);
        Release(now, false);
      }
      break;
    case AppKind::kHttpGet:
      if ((requests_sent_ >= a.requests.value_or(1) && response_due_ == 0 &&
           request_out_.empty()) ||
          eof_) {
        Finish(now);
        Release(now, false);
      }
      break;
  }
}

void Conn::OnEvent(Instant now, const tcp::Event& /*e*/) { Pump(now); }

void Conn::Act(Instant now, AppActionKind action) {
  switch (action) {
    case AppActionKind::kStopReading:
      stopped_ = true;
      return;
    case AppActionKind::kResumeReading:
      stopped_ = false;
      return;
    case AppActionKind::kShutdown:
      if (!stats_.released && !shut_) shut_ = stack().Shutdown(now, socket_).ok();
      return;
    case AppActionKind::kClose:
    case AppActionKind::kAbort:
      if (stats_.released) return;
      Snapshot();
      Finish(now);
      Release(now, action == AppActionKind::kAbort);
      return;
  }
}

// ---------------------------------------------------------------- AppInstance

AppInstance::AppInstance(const App* spec, HostRuntime* host, uint32_t* next_label)
    : spec_(spec), host_(host), next_label_(next_label) {}

uint64_t AppInstance::established() const {
  uint64_t n = 0;
  for (const auto& c : conns_) n += c->stats().established ? 1 : 0;
  return n;
}

uint64_t AppInstance::SentTotal() const {
  uint64_t n = 0;
  for (const auto& c : conns_) n += c->acked();
  return n;
}

uint64_t AppInstance::ReceivedTotal() const {
  uint64_t n = 0;
  for (const auto& c : conns_) n += c->stats().read;
  return n;
}

Conn* AppInstance::Adopt(tcp::SocketId id) {
  conns_.push_back(
      std::make_unique<Conn>(this, id, absl::StrCat(spec_->name, "[", (*next_label_)++, "]")));
  return conns_.back().get();
}

void AppInstance::Start(Instant now) {
  World& world = host_->world();
  tcp::Stack& s = host_->stack();
  if (spec_->listen) {
    absl::StatusOr<tcp::SocketId> id =
        s.Listen(now, *spec_->listen, static_cast<int>(spec_->backlog.value_or(128)));
    if (!id.ok()) {
      problems_.push_back(absl::StrCat("listen: ", id.status().message()));
      world.Note(now, absl::StrCat(spec_->name, " on ", host_->name(), ": listen failed: ",
                                   id.status().message()));
      return;
    }
    listener_ = *id;
    host_->RegisterListener(listener_, this);
    return;
  }
  if (!spec_->connect) return;
  std::optional<wire::Ipv4Address> addr = world.AddressOf(spec_->connect->host);
  if (!addr) {
    problems_.push_back(absl::StrCat("no address for ", spec_->connect->host));
    return;
  }
  for (uint32_t i = 0; i < spec_->count; ++i) {
    absl::StatusOr<tcp::SocketId> id = s.Connect(now, *addr, spec_->connect->port, spec_->local_port);
    if (!id.ok()) {
      problems_.push_back(absl::StrCat("connect: ", id.status().message()));
      world.Note(now, absl::StrCat(spec_->name, " on ", host_->name(), ": connect failed: ",
                                   id.status().message()));
      continue;
    }
    Adopt(*id);
  }
}

void AppInstance::AcceptAll(Instant now) {
  if (listener_ == tcp::kInvalidSocket) return;
  tcp::Stack& s = host_->stack();
  while (s.GetReadiness(listener_).acceptable) {
    absl::StatusOr<tcp::SocketId> id = s.Accept(now, listener_);
    if (!id.ok()) break;
    Adopt(*id);
  }
}

void AppInstance::OnListenerEvent(Instant now, const tcp::Event& /*e*/) { Pump(now); }

void AppInstance::Pump(Instant now) {
  AcceptAll(now);
  for (size_t i = 0; i < conns_.size(); ++i) conns_[i]->Pump(now);
}

void AppInstance::Act(Instant now, AppActionKind action) {
  for (const auto& c : conns_) c->Act(now, action);
  if ((action == AppActionKind::kClose || action == AppActionKind::kAbort) &&
      listener_ != tcp::kInvalidSocket) {
    (void)host_->stack().Close(now, listener_);
    listener_ = tcp::kInvalidSocket;
  }
}

}  // namespace tcplab::scenario::runner
