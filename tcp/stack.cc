#include "tcp/stack.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace tcplab::tcp {

using wire::Seq;
namespace fl = wire::flags;

namespace {
constexpr size_t kMaxPacket = 20 + 60 + 20 + 40 + 65535;
}  // namespace

Stack::Stack(StackConfig config, PacketSink* sink)
    : config_(std::move(config)),
      sink_(sink),
      isn_(config_.isn_secret, config_.isn_tick),
      tx_buf_(kMaxPacket),
      scratch_(65535) {
  events_.reserve(64);
  timers_.reserve(64);
  due_.reserve(64);
}

Stack::~Stack() = default;

// ---------------------------------------------------------------- inputs

void Stack::Input(Instant now, absl::Span<const uint8_t> ip_packet) {
  ++counters_.packets_received;
  // Parsed into a member: a fresh Packet is zeroed (rep stos, ~150 bytes)
  // on every input, and ParsePacket sets every field anyway. Input is not
  // re-entered (the sink may not call back), so nothing else uses it.
  wire::Packet& p = rx_packet_;
  wire::ParseOptions opts;
  opts.verify_checksums = config_.verify_checksums;
  wire::ParseError err = wire::ParsePacket(ip_packet, &p, opts);
  if (err != wire::ParseError::kOk) {
    size_t i = static_cast<size_t>(err);
    if (i < counters_.parse_errors.size()) ++counters_.parse_errors[i];
    return;
  }
  if (p.ip.dst != config_.local_address) {
    ++counters_.wrong_address;
    return;
  }
  FourTuple t{config_.local_address, p.tcp.dst_port, p.ip.src, p.tcp.src_port};
  // Consecutive packets nearly always belong to one connection: the last
  // one found is checked before the hash table.
  Connection* conn = last_input_;
  if (conn == nullptr || !(conn->tuple() == t)) {
    auto it = demux_.find(t);
    conn = it == demux_.end() ? nullptr : it->second;
    if (conn != nullptr) last_input_ = conn;
  }
  if (conn != nullptr) {  // its demux entry may go during the call
    conn->OnSegment(now, p);
    Reschedule(conn);
    Reap();
    return;
  }
  if (auto it = listen_ports_.find(p.tcp.dst_port); it != listen_ports_.end()) {
    ListenerInput(now, listeners_.at(it->second), p);
    Reap();
    return;
  }
  ++counters_.no_connection;
  ResetNoConnection(p);
}

void Stack::ListenerInput(Instant now, Listener& l, const wire::Packet& p) {
  const wire::TcpHeader& h = p.tcp;
  if (h.has(fl::kRst)) {  // §3.10.7.2: ignore
    ++counters_.listen_dropped;
    return;
  }
  if (h.has(fl::kAck)) {
    ++counters_.listen_dropped;
    ResetNoConnection(p);
    return;
  }
  if (!h.has(fl::kSyn)) {
    ++counters_.listen_dropped;
    return;
  }
  if (l.pending + static_cast<int>(l.accept_queue.size()) >= l.backlog) {
    ++counters_.listen_overflow;
    return;
  }
  Connection* c = NewConnection(now, FourTuple{config_.local_address, h.dst_port, p.ip.src,
                                                h.src_port});
  ++l.pending;
  c->PassiveOpen(now, p, l.id);
  Reschedule(c);
}

Connection* Stack::NewConnection(Instant now, const FourTuple& t) {
  const SocketId id = next_id_++;
  const Seq iss = isn_.Generate(now, t.local_address, t.local_port, t.remote_address,
                                t.remote_port);
  auto conn = std::make_unique<Connection>(config_, static_cast<ConnectionEnv*>(this), id, t, iss);
  Connection* c = conn.get();
  connections_.emplace(id, std::move(conn));
  demux_.emplace(t, c);
  return c;
}

void Stack::ResetNoConnection(const wire::Packet& in) {
  const wire::TcpHeader& h = in.tcp;
  if (h.has(fl::kRst)) return;
  wire::Packet p;
  p.ip.src = config_.local_address;
  p.ip.dst = in.ip.src;
  p.ip.ttl = config_.ttl;
  p.tcp.src_port = h.dst_port;
  p.tcp.dst_port = h.src_port;
  if (h.has(fl::kAck)) {
    p.tcp.seq = h.ack;
    p.tcp.flags = fl::kRst;
  } else {
    p.tcp.seq = Seq(0);
    p.tcp.ack = h.seq + in.SeqLength();
    p.tcp.flags = fl::kRst | fl::kAck;
  }
  ++counters_.resets_sent;
  Emit(p);
}

void Stack::Advance(Instant now) {
  // Take everything due first: a timer that re-arms at or before `now`
  // waits for the next Advance instead of spinning here.
  due_.clear();
  while (!timers_.empty() && timers_[0].at <= now) {
    due_.push_back(timers_[0].conn);
    HeapRemove(0);
  }
  for (Connection* c : due_) {
    c->OnTimer(now);
    Reschedule(c);
  }
  due_.clear();
  Reap();
}

Instant Stack::NextDeadline() const {
  return timers_.empty() ? Instant::Infinite() : timers_[0].at;
}

namespace {
bool Before(Instant a_at, SocketId a_id, Instant b_at, SocketId b_id) {
  return a_at < b_at || (a_at == b_at && a_id < b_id);
}
}  // namespace

void Stack::HeapSet(int slot, const TimerEntry& e) {
  timers_[slot] = e;
  e.conn->set_timer_slot(slot);
}

void Stack::HeapFix(int slot) {
  TimerEntry e = timers_[slot];
  // Up.
  while (slot > 0) {
    int parent = (slot - 1) / 2;
    if (!Before(e.at, e.id, timers_[parent].at, timers_[parent].id)) break;
    HeapSet(slot, timers_[parent]);
    slot = parent;
  }
  // Down.
  const int n = static_cast<int>(timers_.size());
  for (;;) {
    int child = 2 * slot + 1;
    if (child >= n) break;
    if (child + 1 < n &&
        Before(timers_[child + 1].at, timers_[child + 1].id, timers_[child].at, timers_[child].id)) {
      ++child;
    }
    if (!Before(timers_[child].at, timers_[child].id, e.at, e.id)) break;
    HeapSet(slot, timers_[child]);
    slot = child;
  }
  HeapSet(slot, e);
}

void Stack::HeapRemove(int slot) {
  timers_[slot].conn->set_timer_slot(-1);
  const int last = static_cast<int>(timers_.size()) - 1;
  if (slot != last) {
    HeapSet(slot, timers_[last]);
    timers_.pop_back();
    HeapFix(slot);
  } else {
    timers_.pop_back();
  }
}

void Stack::Reschedule(Connection* c) {
  const Instant at = c->NextDeadline();
  const int slot = c->timer_slot();
  if (at.is_infinite()) {
    if (slot >= 0) HeapRemove(slot);
    return;
  }
  if (slot >= 0) {
    if (timers_[slot].at == at) return;
    timers_[slot].at = at;
    HeapFix(slot);
    return;
  }
  timers_.push_back(TimerEntry{at, c->id(), c});
  HeapFix(static_cast<int>(timers_.size()) - 1);
}

// ---------------------------------------------------------------- env

void Stack::Emit(const wire::Packet& packet) {
  // Room for the largest option area rather than the exact size: measuring
  // the options is a third pass over them (SerializePacket measures and
  // writes), and the packet is a prefix of the buffer either way.
  absl::Span<uint8_t> out = sink_->TransmitBuffer(
      wire::kIpv4HeaderSize + wire::kTcpHeaderSize + wire::kMaxOptionBytes + packet.payload.size());
  if (out.empty()) out = absl::MakeSpan(tx_buf_);
  size_t n = wire::SerializePacket(packet, out, !config_.checksum_offload);
  if (n == 0) return;
  ++counters_.packets_sent;
  sink_->Transmit(absl::MakeConstSpan(out.data(), n));
}

void Stack::PostEvent(SocketId id, EventKind kind, Instant now) {
  if (event_head_ > 0 && event_head_ == events_.size()) {
    events_.clear();
    event_head_ = 0;
  }
  // Filled in place: an Event built on the stack and pushed is stored in
  // 4- and 1-byte parts and copied with one 8-byte load, a store-forwarding
  // stall on every event.
  Event& e = events_.emplace_back();
  e.socket = id;
  e.kind = kind;
  if (observer_ != nullptr) observer_->OnEvent(Event{id, kind}, now);
}

bool Stack::PollEvent(Event* out) {
  if (event_head_ >= events_.size()) {
    events_.clear();
    event_head_ = 0;
    return false;
  }
  *out = events_[event_head_++];
  if (event_head_ == events_.size()) {
    events_.clear();
    event_head_ = 0;
  }
  return true;
}

std::optional<Event> Stack::PollEvent() {
  Event e;
  if (!PollEvent(&e)) return std::nullopt;
  return e;
}

void Stack::StateChanged(Connection& c, ConnectionState from, ConnectionState to,
                         Instant now) {
  if (observer_ != nullptr) observer_->OnStateChange(c.id(), from, to, now);
  if (c.passive() && !c.accepted()) {
    auto lit = listeners_.find(c.listener());
    if (to == ConnectionState::kEstablished && from == ConnectionState::kSynReceived &&
        lit != listeners_.end()) {
      --lit->second.pending;
      lit->second.accept_queue.push_back(c.id());
      PostEvent(lit->second.id, EventKind::kAcceptable, now);
    }
    if (to == ConnectionState::kClosed) {
      if (lit != listeners_.end()) {
        Listener& l = lit->second;
        if (from == ConnectionState::kSynReceived) {
          --l.pending;
        } else {
          l.accept_queue.erase(
              std::remove(l.accept_queue.begin(), l.accept_queue.end(), c.id()),
              l.accept_queue.end());
        }
      }
      doomed_.push_back(c.id());
    }
  }
  if (to == ConnectionState::kClosed) {
    demux_.erase(c.tuple());
    if (last_input_ == &c) last_input_ = nullptr;
    if (c.released()) doomed_.push_back(c.id());
  }
}

void Stack::ReapDoomed() {
  for (SocketId id : doomed_) {
    auto it = connections_.find(id);
    if (it == connections_.end()) continue;
    if (it->second->timer_slot() >= 0) HeapRemove(it->second->timer_slot());
    if (found_ == it->second.get()) found_ = nullptr;
    if (last_input_ == it->second.get()) last_input_ = nullptr;
    connections_.erase(it);
  }
  doomed_.clear();
}

// ---------------------------------------------------------------- user calls

absl::StatusOr<SocketId> Stack::Listen(Instant /*now*/, uint16_t port, int backlog) {
  if (port == 0) return absl::InvalidArgumentError("cannot listen on port 0");
  if (backlog <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("backlog must be positive, got ", backlog));
  }
  if (listen_ports_.contains(port)) {
    return absl::AlreadyExistsError(absl::StrCat("port ", port, " is already listening"));
  }
  SocketId id = next_id_++;
  Listener l;
  l.id = id;
  l.port = port;
  l.backlog = backlog;
  listeners_.emplace(id, std::move(l));
  listen_ports_.emplace(port, id);
  return id;
}

std::optional<uint16_t> Stack::AllocateEphemeral(wire::Ipv4Address remote,
                                                 uint16_t remote_port) {
  const uint32_t lo = config_.ephemeral_port_min;
  const uint32_t hi = std::max<uint32_t>(lo, config_.ephemeral_port_max);
  const uint32_t range = hi - lo + 1;
  for (uint32_t i = 0; i < range; ++i) {
    uint16_t port = static_cast<uint16_t>(lo + (ephemeral_cursor_++ % range));
    if (port == 0 || listen_ports_.contains(port)) continue;
    FourTuple t{config_.local_address, port, remote, remote_port};
    if (!demux_.contains(t)) return port;
  }
  return std::nullopt;
}

absl::StatusOr<SocketId> Stack::Connect(Instant now, wire::Ipv4Address remote,
                                        uint16_t remote_port,
                                        std::optional<uint16_t> local_port) {
  if (remote_port == 0) return absl::InvalidArgumentError("cannot connect to port 0");
  uint16_t port;
  if (local_port.has_value()) {
    port = *local_port;
    if (port == 0) return absl::InvalidArgumentError("local port 0");
    FourTuple t{config_.local_address, port, remote, remote_port};
    if (demux_.contains(t)) {
      return absl::AlreadyExistsError(absl::StrCat(
          "address in use: ", config_.local_address.ToString(), ":", port, " -> ",
          remote.ToString(), ":", remote_port, " already has a connection"));
    }
  } else {
    std::optional<uint16_t> p = AllocateEphemeral(remote, remote_port);
    if (!p) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "no free ephemeral port toward ", remote.ToString(), ":", remote_port));
    }
    port = *p;
  }
  Connection* c = NewConnection(now, FourTuple{config_.local_address, port, remote, remote_port});
  const SocketId id = c->id();
  c->ActiveOpen(now);
  Reschedule(c);
  Reap();
  return id;
}

absl::StatusOr<SocketId> Stack::Accept(Instant /*now*/, SocketId listener) {
  auto it = listeners_.find(listener);
  if (it == listeners_.end()) {
    return absl::NotFoundError(absl::StrCat("socket ", listener, " is not a listener"));
  }
  std::deque<SocketId>& q = it->second.accept_queue;
  while (!q.empty()) {
    SocketId id = q.front();
    q.pop_front();
    Connection* c = Find(id);
    if (c == nullptr) continue;
    c->set_accepted();
    return id;
  }
  return absl::UnavailableError("no connection waiting to be accepted (would block)");
}

Connection* Stack::Find(SocketId id) const {
  // Applications make runs of calls on one socket: the last one found is
  // checked before the map.
  if (found_ != nullptr && found_->id() == id) return found_;
  auto it = connections_.find(id);
  if (it == connections_.end()) return nullptr;
  found_ = it->second.get();
  return found_;
}

absl::StatusOr<Connection*> Stack::FindForUser(SocketId id) const {
  Connection* c = Find(id);
  if (c == nullptr || c->released()) {
    if (listeners_.contains(id)) {
      return absl::FailedPreconditionError(absl::StrCat("socket ", id, " is a listener"));
    }
    return absl::NotFoundError(absl::StrCat("no socket ", id));
  }
  return c;
}

absl::StatusOr<size_t> Stack::Send(Instant now, SocketId id,
                                   absl::Span<const uint8_t> data) {
  absl::StatusOr<Connection*> c = FindForUser(id);
  if (!c.ok()) return c.status();
  absl::StatusOr<size_t> r = (*c)->Send(now, data);
  Reschedule(*c);
  Reap();
  return r;
}

absl::StatusOr<size_t> Stack::Receive(Instant now, SocketId id, absl::Span<uint8_t> out) {
  absl::StatusOr<Connection*> c = FindForUser(id);
  if (!c.ok()) return c.status();
  absl::StatusOr<size_t> r = (*c)->Receive(now, out);
  Reschedule(*c);
  Reap();
  return r;
}

absl::StatusOr<size_t> Stack::ReceiveInPlace(
    Instant now, SocketId id, absl::FunctionRef<size_t(absl::Span<const uint8_t>)> take) {
  absl::StatusOr<Connection*> c = FindForUser(id);
  if (!c.ok()) return c.status();
  absl::StatusOr<size_t> r = (*c)->ReceiveInPlace(now, take);
  Reschedule(*c);
  Reap();
  return r;
}

absl::Status Stack::Shutdown(Instant now, SocketId id) {
  absl::StatusOr<Connection*> c = FindForUser(id);
  if (!c.ok()) return c.status();
  absl::Status s = (*c)->Shutdown(now);
  Reschedule(*c);
  Reap();
  return s;
}

absl::Status Stack::Close(Instant now, SocketId id) {
  if (auto lit = listeners_.find(id); lit != listeners_.end()) {
    // Reset every connection this listener spawned that nobody accepted.
    std::vector<Connection*> children;
    for (auto& [cid, conn] : connections_) {
      if (conn->passive() && !conn->accepted() && conn->listener() == id) {
        children.push_back(conn.get());
      }
    }
    listen_ports_.erase(lit->second.port);
    listeners_.erase(lit);
    for (Connection* c : children) {
      c->Abort(now);
      Reschedule(c);
    }
    Reap();
    return absl::OkStatus();
  }
  absl::StatusOr<Connection*> c = FindForUser(id);
  if (!c.ok()) return c.status();
  (*c)->Close(now);
  Reschedule(*c);
  if ((*c)->state() == ConnectionState::kClosed) doomed_.push_back(id);
  Reap();
  return absl::OkStatus();
}

absl::Status Stack::Abort(Instant now, SocketId id) {
  if (listeners_.contains(id)) return Close(now, id);
  absl::StatusOr<Connection*> c = FindForUser(id);
  if (!c.ok()) return c.status();
  (*c)->Abort(now);
  Reschedule(*c);
  if ((*c)->state() == ConnectionState::kClosed) doomed_.push_back(id);
  Reap();
  return absl::OkStatus();
}

absl::Status Stack::SetNoDelay(Instant now, SocketId id, bool nodelay) {
  absl::StatusOr<Connection*> c = FindForUser(id);
  if (!c.ok()) return c.status();
  (*c)->SetNoDelay(now, nodelay);
  Reschedule(*c);
  return absl::OkStatus();
}

absl::Status Stack::SetCongestion(SocketId id, CongestionAlgorithm algorithm) {
  absl::StatusOr<Connection*> c = FindForUser(id);
  if (!c.ok()) return c.status();
  (*c)->SetCongestion(algorithm);
  return absl::OkStatus();
}

bool Stack::AllowChallengeAck(Instant now) {
  if (config_.challenge_ack_limit == 0) return true;
  // RFC 5961 §7: a budget per one-second window, as Linux counts it.
  if (challenge_window_start_ == Instant::Infinite() ||
      now - challenge_window_start_ >= absl::Seconds(1)) {
    challenge_window_start_ = now;
    challenge_acks_in_window_ = 0;
    challenge_budget_ = config_.challenge_ack_limit;
    if (config_.challenge_ack_jitter) {
      const uint32_t half = (config_.challenge_ack_limit + 1) / 2;
      const int64_t ns = now.nanos();
      uint8_t bytes[8];
      for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(ns >> (8 * i));
      challenge_budget_ =
          half + static_cast<uint32_t>(SipHash24(config_.isn_secret, bytes) %
                                       config_.challenge_ack_limit);
    }
  }
  if (challenge_acks_in_window_ >= challenge_budget_) return false;
  ++challenge_acks_in_window_;
  return true;
}

// ---------------------------------------------------------------- queries

Readiness Stack::GetReadiness(SocketId id) const {
  if (auto lit = listeners_.find(id); lit != listeners_.end()) {
    Readiness r;
    r.acceptable = !lit->second.accept_queue.empty();
    return r;
  }
  Connection* c = Find(id);
  if (c == nullptr || c->released()) return Readiness{};
  return c->readiness();
}

ConnectionState Stack::State(SocketId id) const {
  if (listeners_.contains(id)) return ConnectionState::kListen;
  Connection* c = Find(id);
  if (c == nullptr || c->released()) return ConnectionState::kClosed;
  return c->state();
}

absl::Status Stack::Error(SocketId id) const {
  if (listeners_.contains(id)) return absl::OkStatus();
  Connection* c = Find(id);
  if (c == nullptr || c->released()) return absl::NotFoundError(absl::StrCat("no socket ", id));
  return c->error();
}

absl::StatusOr<ConnectionInfo> Stack::Info(SocketId id) const {
  Connection* c = Find(id);
  if (c == nullptr) return absl::NotFoundError(absl::StrCat("no connection ", id));
  return c->info();
}

}  // namespace tcplab::tcp
