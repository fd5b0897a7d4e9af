#include "netsim/simulator.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tcplab::netsim {
namespace {

Instant At(int64_t ns) { return Instant::FromNanos(ns); }

// Records (time, tag) of the events it runs.
class Recorder : public EventHandler {
 public:
  void OnEvent(Instant now, uint64_t tag) override {
    log.push_back(now.ToString() + ":" + std::to_string(tag));
  }
  std::vector<std::string> log;
};

TEST(SimulatorTest, RunsInTimeOrderAndTiesInInsertionOrder) {
  Simulator sim;
  Recorder r;
  sim.Schedule(At(30), &r, 1);
  sim.Schedule(At(10), &r, 2);
  sim.Schedule(At(30), &r, 3);
  sim.Schedule(At(10), &r, 4);
  sim.Schedule(At(20), &r, 5);
  sim.Schedule(At(10), &r, 6);
  EXPECT_EQ(sim.RunUntilIdle(), 6u);
  EXPECT_EQ(r.log, (std::vector<std::string>{
                       "0.000000010s:2", "0.000000010s:4", "0.000000010s:6",
                       "0.000000020s:5", "0.000000030s:1", "0.000000030s:3"}));
  EXPECT_EQ(sim.Now(), At(30));
}

TEST(SimulatorTest, ManyTiesKeepInsertionOrderThroughTheHeap) {
  Simulator sim;
  Recorder r;
  // Interleave two times so that heap reshuffling would show.
  for (uint64_t i = 0; i < 1000; ++i) sim.Schedule(At(i % 2 == 0 ? 5 : 7), &r, i);
  sim.RunUntilIdle();
  ASSERT_EQ(r.log.size(), 1000u);
  for (uint64_t i = 0; i < 500; ++i) {
    EXPECT_EQ(r.log[i], "0.000000005s:" + std::to_string(2 * i));
    EXPECT_EQ(r.log[500 + i], "0.000000007s:" + std::to_string(2 * i + 1));
  }
}

TEST(SimulatorTest, EventsScheduledDuringAnEventAtTheSameTimeRunAfterIt) {
  Simulator sim;
  std::vector<int> order;
  sim.ScheduleFn(At(5), [&] {
    order.push_back(1);
    sim.ScheduleFn(At(5), [&] { order.push_back(3); });
    sim.ScheduleFn(At(1), [&] { order.push_back(4); });  // past: runs at 5
  });
  sim.ScheduleFn(At(5), [&] { order.push_back(2); });
  sim.RunUntilIdle();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(sim.Now(), At(5));
}

TEST(SimulatorTest, CancelRemovesOnlyThatEvent) {
  Simulator sim;
  Recorder r;
  const EventId a = sim.Schedule(At(10), &r, 1);
  const EventId b = sim.Schedule(At(10), &r, 2);
  sim.Schedule(At(10), &r, 3);
  EXPECT_TRUE(sim.IsPending(b));
  EXPECT_TRUE(sim.Cancel(b));
  EXPECT_FALSE(sim.IsPending(b));
  EXPECT_FALSE(sim.Cancel(b));  // already cancelled
  EXPECT_EQ(sim.pending_events(), 2u);
  sim.RunUntilIdle();
  EXPECT_EQ(r.log, (std::vector<std::string>{"0.000000010s:1", "0.000000010s:3"}));
  EXPECT_FALSE(sim.Cancel(a));  // already ran
  EXPECT_FALSE(sim.Cancel(EventId()));
}

TEST(SimulatorTest, StaleIdDoesNotCancelTheEventReusingItsSlot) {
  Simulator sim;
  Recorder r;
  const EventId old_id = sim.Schedule(At(1), &r, 1);
  ASSERT_TRUE(sim.Cancel(old_id));
  const EventId new_id = sim.Schedule(At(2), &r, 2);  // reuses the slot
  EXPECT_FALSE(sim.Cancel(old_id));
  EXPECT_TRUE(sim.IsPending(new_id));
  sim.RunUntilIdle();
  EXPECT_EQ(r.log, (std::vector<std::string>{"0.000000002s:2"}));
}

TEST(SimulatorTest, CancelFromTheMiddleOfALargeHeapKeepsOrder) {
  Simulator sim;
  Recorder r;
  std::vector<EventId> ids;
  for (uint64_t i = 0; i < 200; ++i) {
    ids.push_back(sim.Schedule(At(static_cast<int64_t>((i * 37) % 101)), &r, i));
  }
  for (uint64_t i = 0; i < 200; i += 3) ASSERT_TRUE(sim.Cancel(ids[i]));
  sim.RunUntilIdle();
  // Times never decrease; within a time, tags (insertion order) increase.
  std::vector<std::pair<int64_t, uint64_t>> seen;
  for (uint64_t i = 0; i < 200; ++i) {
    if (i % 3 != 0) seen.push_back({static_cast<int64_t>((i * 37) % 101), i});
  }
  std::sort(seen.begin(), seen.end());
  ASSERT_EQ(r.log.size(), seen.size());
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(r.log[i], At(seen[i].first).ToString() + ":" + std::to_string(seen[i].second));
  }
}

TEST(SimulatorTest, RescheduleMovesAndOrdersAsNew) {
  Simulator sim;
  Recorder r;
  const EventId a = sim.Schedule(At(10), &r, 1);
  sim.Schedule(At(20), &r, 2);
  EXPECT_TRUE(sim.Reschedule(a, At(20)));  // now after tag 2 at 20
  sim.RunUntilIdle();
  EXPECT_EQ(r.log, (std::vector<std::string>{"0.000000020s:2", "0.000000020s:1"}));
  EXPECT_FALSE(sim.Reschedule(a, At(30)));
}

TEST(SimulatorTest, InfiniteScheduleIsANoOp) {
  Simulator sim;
  Recorder r;
  EXPECT_FALSE(sim.Schedule(Instant::Infinite(), &r, 1).valid());
  EXPECT_EQ(sim.pending_events(), 0u);
  EXPECT_EQ(sim.NextEventTime(), Instant::Infinite());
}

TEST(SimulatorTest, RunUntilStopsAtTheTimeInclusiveAndAdvancesTheClock) {
  Simulator sim;
  Recorder r;
  sim.Schedule(At(10), &r, 1);
  sim.Schedule(At(20), &r, 2);
  sim.Schedule(At(21), &r, 3);
  EXPECT_EQ(sim.RunUntil(At(20)), 2u);
  EXPECT_EQ(sim.Now(), At(20));
  EXPECT_EQ(sim.RunUntil(At(20)), 0u);
  EXPECT_EQ(sim.RunUntil(At(100)), 1u);
  EXPECT_EQ(sim.Now(), At(100));  // idle time passes too
  EXPECT_EQ(sim.events_run(), 3u);
}

TEST(SimulatorTest, RunUntilConditionStopsRightAfterTheEventThatMadeItTrue) {
  Simulator sim;
  int count = 0;
  for (int i = 1; i <= 10; ++i) sim.ScheduleFn(At(i * 100), [&] { ++count; });
  EXPECT_TRUE(sim.RunUntilCondition([&] { return count == 4; }));
  EXPECT_EQ(sim.Now(), At(400));
  EXPECT_EQ(sim.pending_events(), 6u);
  // Limit reached before the condition: false, clock at the last event run.
  EXPECT_FALSE(sim.RunUntilCondition([&] { return count == 100; }, At(650)));
  EXPECT_EQ(count, 6);
  EXPECT_EQ(sim.Now(), At(600));
  // Already true: runs nothing.
  EXPECT_TRUE(sim.RunUntilCondition([] { return true; }));
  EXPECT_EQ(count, 6);
  // Queue empties first: false.
  EXPECT_FALSE(sim.RunUntilCondition([&] { return count == 100; }));
  EXPECT_EQ(count, 10);
}

TEST(SimulatorTest, StepRunsOneEvent) {
  Simulator sim;
  Recorder r;
  EXPECT_FALSE(sim.Step());
  sim.Schedule(At(3), &r, 1);
  sim.Schedule(At(4), &r, 2);
  EXPECT_TRUE(sim.Step());
  EXPECT_EQ(r.log.size(), 1u);
  EXPECT_EQ(sim.NextEventTime(), At(4));
}

}  // namespace
}  // namespace tcplab::netsim
