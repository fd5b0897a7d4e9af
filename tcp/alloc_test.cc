// Steady-state transfers allocate nothing per segment: a counting global
// operator new watches a loopback transfer after warm-up.

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "gtest/gtest.h"
#include "tcp/testing/counting_new.h"
#include "tcp/testing/loopback.h"


namespace tcplab::tcp {
namespace {

// Whether our counting operator new is the one in use (a sanitizer runtime
// could supply its own); the tests skip rather than pass vacuously.
// The compiler may elide a new/delete pair whose pointer never escapes
// (it does at -O1 under ASan); passing the pointer through an empty asm
// makes the allocation observable.
template <typename T>
void Escape(T* p) {
  asm volatile("" : : "g"(p) : "memory");
}

bool CountingWorks() {
  int64_t before = testing::AllocationCount();
  auto* p = new int(1);
  Escape(p);
  bool works = testing::AllocationCount() > before;
  delete p;
  return works;
}

TEST(AllocTest, SteadyStateTransferDoesNotAllocate) {
  if (!CountingWorks()) GTEST_SKIP() << "operator new is not ours (sanitizer build)";
  testing::Loopback net;
  std::vector<uint8_t> chunk(1460, 0xab);
  std::vector<uint8_t> sink(65536);
  size_t total = 0;
  for (int i = 0; i < 200; ++i) total += net.Step(chunk, absl::MakeSpan(sink));  // warm-up
  int64_t before = testing::AllocationCount();
  for (int i = 0; i < 10000; ++i) total += net.Step(chunk, absl::MakeSpan(sink));
  EXPECT_EQ(testing::AllocationCount() - before, 0);
  total += net.Settle(absl::MakeSpan(sink));
  EXPECT_EQ(total, 10200u * 1460u);
  auto info = net.a().Info(net.ca());
  EXPECT_EQ(info->bytes_sent, 10200u * 1460u);
  EXPECT_EQ(info->retransmissions, 0u);
}

TEST(AllocTest, CounterWorks) {
  if (!CountingWorks()) GTEST_SKIP() << "operator new is not ours (sanitizer build)";
  int64_t before = testing::AllocationCount();
  auto* v = new std::vector<int>(10);
  Escape(v);
  EXPECT_GE(testing::AllocationCount() - before, 1);
  delete v;
}

}  // namespace
}  // namespace tcplab::tcp
