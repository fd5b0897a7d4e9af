#ifndef TCPLAB_NETSIM_SIMULATOR_H_
#define TCPLAB_NETSIM_SIMULATOR_H_

// A discrete-event loop in virtual time.
//
// Time is a tcplab::Instant (nanoseconds) that only the loop advances; no
// code in netsim reads the wall clock. Events due at the same instant run in
// the order they were scheduled (each event gets a sequence number when it is
// scheduled or rescheduled), so ties never depend on memory addresses or
// container order.
//
// Events are kept in an indexed binary heap: scheduling, cancelling and
// rescheduling are O(log n), and a cancelled event leaves nothing behind.
// The hot path (packet deliveries, host wakes) uses EventHandler + a 64-bit
// tag and allocates nothing once the heap has grown; ScheduleFn is for
// scenario-level one-off actions.

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/functional/function_ref.h"
#include "tcp/base/instant.h"

namespace tcplab::netsim {

class EventHandler {
 public:
  // Runs the event scheduled with `tag`; Simulator::Now() == now.
  virtual void OnEvent(Instant now, uint64_t tag) = 0;

 protected:
  ~EventHandler() = default;
};

// Names a scheduled event. A default-constructed id names nothing; an id
// whose event has run or been cancelled is stale and every operation on it is
// a harmless no-op (ids are never reused: slot generation counters).
class EventId {
 public:
  constexpr EventId() = default;
  bool valid() const { return generation_ != 0; }
  friend bool operator==(EventId a, EventId b) {
    return a.slot_ == b.slot_ && a.generation_ == b.generation_;
  }

 private:
  friend class Simulator;
  EventId(uint32_t slot, uint32_t generation) : slot_(slot), generation_(generation) {}
  uint32_t slot_ = 0;
  uint32_t generation_ = 0;
};

class Simulator {
 public:
  Simulator() = default;
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  Instant Now() const { return now_; }

  // Schedules handler->OnEvent(at, tag). A time before Now() is treated as
  // Now(). Instant::Infinite() schedules nothing and returns an invalid id.
  EventId Schedule(Instant at, EventHandler* handler, uint64_t tag);
  // Schedules fn() at `at` (same rules as Schedule).
  EventId ScheduleFn(Instant at, std::function<void()> fn);

  // For a handler that queues its own events in time order and keeps only
  // the earliest in the heap (a link direction's deliveries): TakeSequence
  // returns the sequence number Schedule would give an event scheduled now,
  // and ScheduleWithSequence schedules an event under a number taken
  // earlier. An event scheduled that way runs exactly when it would have
  // had it been scheduled when its number was taken: the order is by
  // (time, sequence number) alone.
  uint64_t TakeSequence() { return next_seq_++; }
  EventId ScheduleWithSequence(Instant at, uint64_t seq, EventHandler* handler, uint64_t tag);

  // Removes a pending event. Returns false if it already ran or was
  // cancelled (or the id is invalid).
  bool Cancel(EventId id);
  // Moves a pending event to `at`; it then orders after every event already
  // scheduled for `at`, as if newly scheduled. Returns false (and does
  // nothing) if the event is not pending.
  bool Reschedule(EventId id, Instant at);
  bool IsPending(EventId id) const;

  size_t pending_events() const { return heap_.size(); }
  // Time of the next event, or Infinite() if there is none.
  Instant NextEventTime() const;
  // Number of events run so far.
  uint64_t events_run() const { return events_run_; }

  // Runs the next event, if any. Returns whether one ran.
  bool Step();
  // Runs events until none is left. Returns the number run.
  uint64_t RunUntilIdle();
  // Runs every event due at or before `until`, then sets Now() to `until`
  // (if that is later). Returns the number run.
  uint64_t RunUntil(Instant until);
  // Runs events until `done()` holds (checked before the first event and
  // after each one), the queue is empty, or the next event is after `limit`
  // (Now() then stays at the last event run). Returns whether done() held.
  bool RunUntilCondition(absl::FunctionRef<bool()> done,
                         Instant limit = Instant::Infinite());

 private:
  struct HeapEntry {
    int64_t time;
    uint64_t seq;
    uint32_t slot;
  };
  struct Slot {
    EventHandler* handler = nullptr;
    uint64_t tag = 0;
    uint32_t heap_pos = 0;
    uint32_t generation = 0;  // bumped on every alloc and free; never 0 in an id
    bool in_use = false;
    bool has_fn = false;  // a ScheduleFn event: its closure is in fns_
  };
  class FnHandler;

  static bool Before(const HeapEntry& a, const HeapEntry& b) {
    return a.time != b.time ? a.time < b.time : a.seq < b.seq;
  }
  uint32_t AllocSlot();
  void FreeSlot(uint32_t slot);
  void Place(uint32_t pos, const HeapEntry& e);
  // Put `e` at `pos` or above (below), moving others down (up).
  void SiftUp(uint32_t pos, HeapEntry e);
  void SiftDown(uint32_t pos, HeapEntry e);
  void RemoveAt(uint32_t pos);
  // Puts `e`, the new key of the entry at `pos`, where it belongs.
  void Fix(uint32_t pos, HeapEntry e);
  void RunTop();

  Instant now_ = Instant::Zero();
  uint64_t next_seq_ = 0;
  uint64_t events_run_ = 0;
  std::vector<HeapEntry> heap_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  // Closures of ScheduleFn events, by slot (empty for handler events).
  std::vector<std::function<void()>> fns_;
};

}  // namespace tcplab::netsim

#endif  // TCPLAB_NETSIM_SIMULATOR_H_
