#include "netsim/link.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "netsim/network.h"
#include "netsim/node.h"

namespace tcplab::netsim {

LinkDirection::LinkDirection(Network* network, std::string name, Node* from,
                             Node* to, int to_port, const LinkParams& params,
                             Rng rng)
    : network_(network),
      name_(std::move(name)),
      from_(from),
      to_(to),
      to_port_(to_port),
      params_(params),
      delay_ns_(absl::ToInt64Nanoseconds(params.delay)),
      jitter_ns_(absl::ToInt64Nanoseconds(params.jitter)),
      rng_(rng) {}

LinkDirection::~LinkDirection() {
  for (EventId id : timed_changes_) network_->sim().Cancel(id);
  while (in_flight_head_ != PooledPacket::kNil) {
    const PacketHandle h = in_flight_head_;
    network_->sim().Cancel(network_->pool()[h].delivery);
    RemoveInFlight(h);
    network_->pool().Release(h);
  }
}

absl::Status LinkDirection::SetParams(const LinkParams& params) {
  if (absl::Status s = params.Validate(); !s.ok()) return s;
  params_ = params;
  delay_ns_ = absl::ToInt64Nanoseconds(params_.delay);
  jitter_ns_ = absl::ToInt64Nanoseconds(params_.jitter);
  if (!params_.gemodel.has_value()) ge_bad_ = false;
  return absl::OkStatus();
}

absl::Status LinkDirection::SetParamsAt(Instant at, const LinkParams& params) {
  if (absl::Status s = params.Validate(); !s.ok()) return s;
  RememberTimedChange(
      network_->sim().ScheduleFn(at, [this, params] { (void)SetParams(params); }));
  return absl::OkStatus();
}

void LinkDirection::RememberTimedChange(EventId id) {
  Simulator& sim = network_->sim();
  timed_changes_.erase(
      std::remove_if(timed_changes_.begin(), timed_changes_.end(),
                     [&sim](EventId e) { return !sim.IsPending(e); }),
      timed_changes_.end());
  timed_changes_.push_back(id);
}

void LinkDirection::SetUp(bool up) {
  if (up == up_) return;
  up_ = up;
  if (up) return;
  // Everything on the wire or in the queue is lost, in order of entry.
  while (in_flight_head_ != PooledPacket::kNil) {
    const PacketHandle h = in_flight_head_;
    network_->sim().Cancel(network_->pool()[h].delivery);
    RemoveInFlight(h);
    Drop(h, DropReason::kLinkDown);
  }
  lane_head_ = lane_tail_ = PooledPacket::kNil;
  waiting_.clear();
  waiting_bytes_ = 0;
  busy_until_ns_ = network_->Now().nanos();
}

void LinkDirection::SetUpAt(Instant at, bool up) {
  RememberTimedChange(network_->sim().ScheduleFn(at, [this, up] { SetUp(up); }));
}

void LinkDirection::Report(PacketEventType type, PacketHandle h,
                           DropReason reason, uint64_t original_id) {
  if (!network_->observed()) return;
  PooledPacket& p = network_->pool()[h];
  PacketEvent e;
  e.time = network_->Now();
  e.type = type;
  e.reason = reason;
  e.packet_id = p.id;
  e.original_id = original_id;
  e.link = this;
  e.bytes = p.bytes;
  network_->Emit(e);
}

void LinkDirection::Drop(PacketHandle h, DropReason reason) {
  ++counters_.dropped[static_cast<int>(reason)];
  Report(PacketEventType::kDropped, h, reason);
  network_->pool().Release(h);
}

bool LinkDirection::Chance(double probability, double correlation, double& last) {
  double u = rng_.Uniform01();
  if (correlation > 0) {
    u = (1.0 - correlation) * u + correlation * last;
    last = u;
  }
  return u < probability;
}

bool LinkDirection::GilbertElliottLoss() {
  const GilbertElliott& ge = *params_.gemodel;
  const bool lost = rng_.Uniform01() < (ge_bad_ ? ge.one_minus_h : ge.one_minus_k);
  const double u = rng_.Uniform01();
  if (ge_bad_) {
    if (u < ge.r) ge_bad_ = false;
  } else {
    if (u < ge.p) ge_bad_ = true;
  }
  return lost;
}

int64_t LinkDirection::JitteredDelayNanos() {
  const int64_t delay = delay_ns_;
  if (params_.jitter <= absl::ZeroDuration()) return delay;
  double z = SampleStandard(rng_, params_.jitter_distribution);
  const double c = params_.jitter_correlation;
  if (c > 0) {
    z = c * jitter_last_ + std::sqrt(1.0 - c * c) * z;
    jitter_last_ = z;
  }
  const double total =
      static_cast<double>(delay) +
      static_cast<double>(jitter_ns_) * z;
  if (!(total > 0)) return 0;
  if (total >= 9.0e18) return int64_t{9000000000000000000};
  return static_cast<int64_t>(total + 0.5);  // round half up; exact conversion
}

void LinkDirection::Transmit(PacketHandle h) {
  const size_t size = network_->pool()[h].bytes.size();
  ++counters_.entered;
  counters_.entered_bytes += size;
  if (!up_) return Drop(h, DropReason::kLinkDown);
  if (params_.mtu > 0 && size > static_cast<size_t>(params_.mtu)) {
    return Drop(h, DropReason::kMtu);
  }
  const bool lost = params_.gemodel.has_value()
                        ? GilbertElliottLoss()
                        : params_.loss > 0 &&
                              Chance(params_.loss, params_.loss_correlation, loss_last_);
  if (lost) return Drop(h, DropReason::kLoss);

  PacketHandle copy = PooledPacket::kNil;
  if (params_.duplicate > 0 &&
      Chance(params_.duplicate, params_.duplicate_correlation, duplicate_last_)) {
    PacketPool& pool = network_->pool();
    const uint64_t original_id = pool[h].id;
    copy = pool.Acquire(pool[h].bytes, network_->NextPacketId());
    pool[copy].checksums_valid = pool[h].checksums_valid;
    pool[copy].checksum_pending = pool[h].checksum_pending;
    ++counters_.duplicated;
    ++counters_.entered;
    counters_.entered_bytes += size;
    Report(PacketEventType::kDuplicated, copy, DropReason::kNone, original_id);
  }
  Admit(h);
  if (copy != PooledPacket::kNil) Admit(copy);
}

void LinkDirection::Admit(PacketHandle h) {
  PooledPacket& p = network_->pool()[h];
  const int64_t size = static_cast<int64_t>(p.bytes.size());
  if (params_.corrupt > 0 && !p.bytes.empty() &&
      Chance(params_.corrupt, params_.corrupt_correlation, corrupt_last_)) {
    p.Complete();  // the bit flips in what the receiver will check
    const uint64_t byte = rng_.Below(p.bytes.size());
    const uint64_t bit = rng_.Below(8);
    p.bytes[byte] ^= static_cast<uint8_t>(1u << bit);
    p.checksums_valid = false;  // the receiver must now find it out
    ++counters_.corrupted;
    Report(PacketEventType::kCorrupted, h);
  }

  const int64_t now = network_->Now().nanos();
  int64_t serialized_at = now;
  if (params_.rate_bps > 0) {
    while (!waiting_.empty() && waiting_.front().start_ns <= now) {
      waiting_bytes_ -= waiting_.front().bytes;
      waiting_.pop_front();
    }
    const int64_t start = std::max(now, busy_until_ns_);
    if (start > now) {
      if (waiting_.size() >= static_cast<size_t>(params_.limit_packets) ||
          (params_.limit_bytes > 0 && waiting_bytes_ + size > params_.limit_bytes)) {
        return Drop(h, DropReason::kQueueFull);
      }
      waiting_.push_back(Waiting{start, size});
      waiting_bytes_ += size;
      ++counters_.queued;
      Report(PacketEventType::kQueued, h);
    }
    // Exact integer ceiling, in 128 bits so that no size overflows (in 64
    // bits, the same value, when nothing can overflow: every real packet).
    int64_t serialize;
    if (size <= (int64_t{1} << 29)) {
      const uint64_t bits_ns = static_cast<uint64_t>(size) * 8 * 1000000000;
      const uint64_t rate = static_cast<uint64_t>(params_.rate_bps);
      serialize = static_cast<int64_t>((bits_ns + rate - 1) / rate);
    } else {
      const __int128 bits_ns = static_cast<__int128>(size) * 8 * 1000000000;
      serialize = static_cast<int64_t>((bits_ns + params_.rate_bps - 1) / params_.rate_bps);
    }
    serialized_at = start + serialize;
    busy_until_ns_ = serialized_at;
  }

  int64_t arrival = serialized_at;
  bool reordered = false;
  if (params_.reorder > 0 && reorder_counter_ >= params_.reorder_gap - 1 &&
      Chance(params_.reorder, params_.reorder_correlation, reorder_last_)) {
    reordered = true;
    reorder_counter_ = 0;
  } else {
    arrival += JitteredDelayNanos();
    ++reorder_counter_;
  }
  if (reordered) {
    ++counters_.reordered;
    Report(PacketEventType::kReordered, h);
  }
  AddInFlight(h);
  Simulator& sim = network_->sim();
  PacketPool& pool = network_->pool();
  PooledPacket& q = pool[h];
  const uint64_t seq = sim.TakeSequence();  // what Schedule would take now
  q.lane_next = PooledPacket::kNil;
  if (lane_tail_ == PooledPacket::kNil) {
    lane_head_ = lane_tail_ = h;
    q.arrival_ns = arrival;
    q.seq = seq;
    q.delivery = sim.ScheduleWithSequence(Instant::FromNanos(arrival), seq, this, h);
  } else if (arrival >= pool[lane_tail_].arrival_ns) {
    pool[lane_tail_].lane_next = h;
    lane_tail_ = h;
    q.arrival_ns = arrival;
    q.seq = seq;
    q.delivery = EventId();  // scheduled when the packet ahead is delivered
  } else {
    q.delivery = sim.ScheduleWithSequence(Instant::FromNanos(arrival), seq, this, h);
  }
}

void LinkDirection::OnEvent(Instant /*now*/, uint64_t tag) {
  const PacketHandle h = static_cast<PacketHandle>(tag);
  if (h == lane_head_) {
    PacketPool& pool = network_->pool();
    lane_head_ = pool[h].lane_next;
    if (lane_head_ == PooledPacket::kNil) {
      lane_tail_ = PooledPacket::kNil;
    } else {
      PooledPacket& next = pool[lane_head_];
      next.delivery = network_->sim().ScheduleWithSequence(Instant::FromNanos(next.arrival_ns),
                                                           next.seq, this, lane_head_);
    }
  }
  RemoveInFlight(h);
  ++counters_.delivered;
  counters_.delivered_bytes += network_->pool()[h].bytes.size();
  Report(PacketEventType::kDelivered, h);
  to_->Receive(network_->Now(), to_port_, h);
}

void LinkDirection::AddInFlight(PacketHandle h) {
  PooledPacket& p = network_->pool()[h];
  p.prev = in_flight_tail_;
  p.next = PooledPacket::kNil;
  if (in_flight_tail_ != PooledPacket::kNil) {
    network_->pool()[in_flight_tail_].next = h;
  } else {
    in_flight_head_ = h;
  }
  in_flight_tail_ = h;
  ++in_flight_count_;
}

void LinkDirection::RemoveInFlight(PacketHandle h) {
  PooledPacket& p = network_->pool()[h];
  if (p.prev != PooledPacket::kNil) {
    network_->pool()[p.prev].next = p.next;
  } else {
    in_flight_head_ = p.next;
  }
  if (p.next != PooledPacket::kNil) {
    network_->pool()[p.next].prev = p.prev;
  } else {
    in_flight_tail_ = p.prev;
  }
  p.prev = p.next = PooledPacket::kNil;
  --in_flight_count_;
}

Link::Link(Network* network, std::string name, Node* a, int a_port, Node* b,
           int b_port, const LinkParams& a_to_b, const LinkParams& b_to_a)
    : name_(name),
      a_to_b_(network, name + ":" + a->name() + ">" + b->name(), a, b, b_port,
              a_to_b, network->StreamFor("link/" + name + ":" + a->name() + ">" + b->name())),
      b_to_a_(network, name + ":" + b->name() + ">" + a->name(), b, a, a_port,
              b_to_a, network->StreamFor("link/" + name + ":" + b->name() + ">" + a->name())) {}

void Link::SetUp(bool up) {
  a_to_b_.SetUp(up);
  b_to_a_.SetUp(up);
}

void Link::SetUpAt(Instant at, bool up) {
  a_to_b_.SetUpAt(at, up);
  b_to_a_.SetUpAt(at, up);
}

}  // namespace tcplab::netsim
