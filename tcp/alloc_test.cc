// Steady-state transfers allocate nothing per segment: a counting global
// operator new watches a loopback transfer after warm-up.

#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

#include "gtest/gtest.h"
#include "tcp/testing/loopback.h"

namespace {
long g_allocations = 0;
bool g_counting = false;
}  // namespace

void* operator new(std::size_t n) {
  if (g_counting) ++g_allocations;
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace tcplab::tcp {
namespace {

TEST(AllocTest, SteadyStateTransferDoesNotAllocate) {
  testing::Loopback net;
  std::vector<uint8_t> chunk(1460, 0xab);
  std::vector<uint8_t> sink(65536);
  size_t total = 0;
  for (int i = 0; i < 200; ++i) total += net.Step(chunk, absl::MakeSpan(sink));  // warm-up
  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < 10000; ++i) total += net.Step(chunk, absl::MakeSpan(sink));
  g_counting = false;
  EXPECT_EQ(g_allocations, 0);
  EXPECT_EQ(total, 10200u * 1460u);
  auto info = net.a().Info(net.ca());
  EXPECT_EQ(info->bytes_sent, 10200u * 1460u);
  EXPECT_EQ(info->retransmissions, 0u);
}

TEST(AllocTest, CounterWorks) {
  g_allocations = 0;
  g_counting = true;
  auto* v = new std::vector<int>(10);
  g_counting = false;
  EXPECT_GE(g_allocations, 1);
  delete v;
}

}  // namespace
}  // namespace tcplab::tcp
