// ParsePacket, SerializePacket, SerializedSize and WireSize promise not to
// allocate: this binary replaces the global operator new to count calls.

#include <cstdlib>
#include <new>
#include <vector>

#include "gtest/gtest.h"
#include "tcp/wire/packet.h"
#include "tcp/wire/wire_test_util.h"

namespace {
int g_allocations = 0;
}  // namespace

void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace tcplab::wire {
namespace {

TEST(NoAllocationTest, ParseAndSerialize) {
  std::vector<testing::Bytes> inputs = {testing::ScapySyn(), testing::ScapyData(),
                                        testing::WithOptionBytes({99, 4, 1, 2, 1, 0, 0, 0})};
  testing::Bytes bad = testing::ScapySyn();
  bad[41] = 30;  // option past the header
  testing::FixChecksums(bad);
  inputs.push_back(bad);
  std::vector<uint8_t> out(2000);
  Packet sack;
  for (int i = 0; i < 4; ++i) sack.tcp.options.AddSackBlock({Seq(i), Seq(i + 1)});

  const int before = g_allocations;
  int ok = 0;
  for (const auto& in : inputs) {
    Packet p;
    if (ParsePacket(in, &p) == ParseError::kOk) {
      ++ok;
      EXPECT_GT(SerializePacket(p, absl::MakeSpan(out)), 0u);
    }
  }
  EXPECT_EQ(SerializedSize(sack), 76u);
  EXPECT_EQ(SerializePacket(sack, absl::MakeSpan(out)), 76u);
  const int during = g_allocations - before;
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(during, 0);
}

TEST(NoAllocationTest, CounterWorks) {
  const int before = g_allocations;
  auto* v = new std::vector<int>(100);
  delete v;
  EXPECT_GE(g_allocations - before, 2);
}

}  // namespace
}  // namespace tcplab::wire
