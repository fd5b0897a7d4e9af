#include "netsim/simulator.h"

#include <utility>

#include "absl/base/attributes.h"

namespace tcplab::netsim {

// Marker handler for ScheduleFn events: the closure lives in fns_.
class Simulator::FnHandler final : public EventHandler {
 public:
  void OnEvent(Instant, uint64_t) override {}
};

uint32_t Simulator::AllocSlot() {
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
    fns_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.in_use = true;
  ++s.generation;
  if (s.generation == 0) s.generation = 1;  // 0 marks an invalid id
  return slot;
}

void Simulator::FreeSlot(uint32_t slot) {
  Slot& s = slots_[slot];
  s.in_use = false;
  s.has_fn = false;
  s.handler = nullptr;
  ++s.generation;  // stale ids stop matching
  if (s.generation == 0) s.generation = 1;
  free_slots_.push_back(slot);
}

void Simulator::Place(uint32_t pos, const HeapEntry& e) {
  heap_[pos] = e;
  slots_[e.slot].heap_pos = pos;
}

// The sifts and Fix take the moving entry by value rather than reading it
// back from heap_: it was usually just stored there field by field, and a
// wider load of it stalls on store forwarding (perf put SiftUp at ~5% of a
// bulk transfer for that reload alone). They are inlined into their callers
// for the same reason: a 24-byte argument is passed through memory.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void Simulator::SiftUp(uint32_t pos, const HeapEntry e) {
  while (pos > 0) {
    const uint32_t parent = (pos - 1) / 2;
    if (!Before(e, heap_[parent])) break;
    Place(pos, heap_[parent]);
    pos = parent;
  }
  Place(pos, e);
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline void Simulator::SiftDown(uint32_t pos, const HeapEntry e) {
  const uint32_t n = static_cast<uint32_t>(heap_.size());
  while (true) {
    uint32_t child = 2 * pos + 1;
    if (child >= n) break;
    if (child + 1 < n && Before(heap_[child + 1], heap_[child])) ++child;
    if (!Before(heap_[child], e)) break;
    Place(pos, heap_[child]);
    pos = child;
  }
  Place(pos, e);
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline void Simulator::Fix(uint32_t pos, const HeapEntry e) {
  // The entry may belong above or below its place.
  if (pos > 0 && Before(e, heap_[(pos - 1) / 2])) {
    SiftUp(pos, e);
  } else {
    SiftDown(pos, e);
  }
}

void Simulator::RemoveAt(uint32_t pos) {
  const uint32_t last = static_cast<uint32_t>(heap_.size()) - 1;
  const HeapEntry moved = heap_[last];
  heap_.pop_back();
  if (pos != last) Fix(pos, moved);
}

EventId Simulator::Schedule(Instant at, EventHandler* handler, uint64_t tag) {
  if (at.is_infinite()) return EventId();
  return ScheduleWithSequence(at, next_seq_++, handler, tag);
}

EventId Simulator::ScheduleWithSequence(Instant at, uint64_t seq, EventHandler* handler,
                                        uint64_t tag) {
  if (at.is_infinite()) return EventId();
  if (at < now_) at = now_;
  const uint32_t slot = AllocSlot();
  Slot& s = slots_[slot];
  s.handler = handler;
  s.tag = tag;
  const HeapEntry e{at.nanos(), seq, slot};
  heap_.push_back(e);
  SiftUp(static_cast<uint32_t>(heap_.size()) - 1, e);
  return EventId(slot, s.generation);
}

EventId Simulator::ScheduleFn(Instant at, std::function<void()> fn) {
  static FnHandler marker;
  const EventId id = Schedule(at, &marker, 0);
  if (id.valid() && fn) {  // an empty closure runs the marker's no-op
    fns_[id.slot_] = std::move(fn);
    slots_[id.slot_].has_fn = true;
  }
  return id;
}

bool Simulator::IsPending(EventId id) const {
  return id.valid() && id.slot_ < slots_.size() &&
         slots_[id.slot_].in_use && slots_[id.slot_].generation == id.generation_;
}

bool Simulator::Cancel(EventId id) {
  if (!IsPending(id)) return false;
  RemoveAt(slots_[id.slot_].heap_pos);
  if (slots_[id.slot_].has_fn) fns_[id.slot_] = nullptr;
  FreeSlot(id.slot_);
  return true;
}

bool Simulator::Reschedule(EventId id, Instant at) {
  if (!IsPending(id)) return false;
  if (at.is_infinite()) return Cancel(id);
  if (at < now_) at = now_;
  // A new key in place: the order events run in depends only on the keys
  // (time, then sequence number; all distinct), never on where entries sit.
  const uint32_t pos = slots_[id.slot_].heap_pos;
  Fix(pos, HeapEntry{at.nanos(), next_seq_++, id.slot_});
  return true;
}

Instant Simulator::NextEventTime() const {
  return heap_.empty() ? Instant::Infinite() : Instant::FromNanos(heap_[0].time);
}

void Simulator::RunTop() {
  const HeapEntry top = heap_[0];
  RemoveAt(0);
  Slot& s = slots_[top.slot];
  EventHandler* handler = s.handler;
  const uint64_t tag = s.tag;
  if (s.has_fn) {
    std::function<void()> fn = std::move(fns_[top.slot]);
    fns_[top.slot] = nullptr;
    // Free before running so that the closure may schedule into the slot.
    FreeSlot(top.slot);
    now_ = Instant::FromNanos(top.time);
    ++events_run_;
    fn();
    return;
  }
  // Free before running so that the handler may schedule into the slot.
  FreeSlot(top.slot);
  now_ = Instant::FromNanos(top.time);
  ++events_run_;
  handler->OnEvent(now_, tag);
}

bool Simulator::Step() {
  if (heap_.empty()) return false;
  RunTop();
  return true;
}

uint64_t Simulator::RunUntilIdle() {
  const uint64_t before = events_run_;
  while (!heap_.empty()) RunTop();
  return events_run_ - before;
}

uint64_t Simulator::RunUntil(Instant until) {
  const uint64_t before = events_run_;
  while (!heap_.empty() && heap_[0].time <= until.nanos()) RunTop();
  if (!until.is_infinite() && now_ < until) now_ = until;
  return events_run_ - before;
}

bool Simulator::RunUntilCondition(absl::FunctionRef<bool()> done, Instant limit) {
  if (done()) return true;
  while (!heap_.empty() && heap_[0].time <= limit.nanos()) {
    RunTop();
    if (done()) return true;
  }
  return false;
}

}  // namespace tcplab::netsim
