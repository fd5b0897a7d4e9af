#include "tcp/base/instant.h"

#include <cstdint>
#include <limits>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace tcplab {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

TEST(InstantTest, ConstructionAndAccessors) {
  static_assert(Instant().nanos() == 0);
  static_assert(Instant::Zero() == Instant());
  static_assert(Instant::FromNanos(42).nanos() == 42);
  static_assert(Instant::Infinite().is_infinite());
  static_assert(!Instant::FromNanos(kMax - 1).is_infinite());
  EXPECT_EQ(Instant::FromNanos(1500).since_start(), absl::Nanoseconds(1500));
}

TEST(InstantTest, AddAndSubtractDurations) {
  const Instant t = Instant::Zero() + absl::Milliseconds(1500);
  EXPECT_EQ(t.nanos(), 1'500'000'000);
  EXPECT_EQ((t - absl::Milliseconds(500)).nanos(), 1'000'000'000);
  Instant u = t;
  u += absl::Nanoseconds(7);
  EXPECT_EQ(u.nanos(), 1'500'000'007);
  EXPECT_EQ(u - t, absl::Nanoseconds(7));
  EXPECT_EQ(t - u, absl::Nanoseconds(-7));
  EXPECT_EQ((t + absl::ZeroDuration()), t);
  // Sub-nanosecond parts are dropped (truncated toward zero).
  EXPECT_EQ((Instant::Zero() + absl::Nanoseconds(2) / 3).nanos(), 0);
}

TEST(InstantTest, SaturatesAtInfinite) {
  EXPECT_TRUE((Instant::Infinite() + absl::Seconds(1)).is_infinite());
  EXPECT_TRUE((Instant::Infinite() - absl::Seconds(1)).is_infinite());
  EXPECT_TRUE((Instant::Zero() + absl::InfiniteDuration()).is_infinite());
  EXPECT_TRUE((Instant::FromNanos(kMax - 10) + absl::Nanoseconds(20)).is_infinite());
  EXPECT_TRUE((Instant::FromNanos(kMax - 10) + absl::Nanoseconds(10)).is_infinite());
  EXPECT_EQ((Instant::FromNanos(kMax - 10) + absl::Nanoseconds(9)).nanos(), kMax - 1);
  // A duration beyond int64 nanoseconds saturates too.
  EXPECT_TRUE((Instant::FromNanos(1) + absl::Hours(24 * 365 * 1000)).is_infinite());
  EXPECT_EQ(Instant::FromNanos(5) + (-absl::InfiniteDuration()), Instant::Zero());
  Instant t = Instant::FromNanos(kMax - 1);
  t += absl::Nanoseconds(5);
  EXPECT_TRUE(t.is_infinite());
}

TEST(InstantTest, Ordering) {
  const Instant a = Instant::FromNanos(1);
  const Instant b = Instant::FromNanos(2);
  EXPECT_TRUE(a < b);
  EXPECT_TRUE(a <= b);
  EXPECT_TRUE(b > a);
  EXPECT_TRUE(b >= a);
  EXPECT_TRUE(a != b);
  EXPECT_TRUE(a <= a);
  EXPECT_FALSE(a < a);
  EXPECT_TRUE(b < Instant::Infinite());
  EXPECT_EQ(Earliest(a, b), a);
  EXPECT_EQ(Earliest(b, a), a);
  EXPECT_EQ(Earliest(Instant::Infinite(), b), b);
}

TEST(InstantTest, ToString) {
  EXPECT_EQ(Instant::Zero().ToString(), "0.000000000s");
  EXPECT_EQ(Instant::FromNanos(12'345'678'901).ToString(), "12.345678901s");
  EXPECT_EQ(Instant::FromNanos(1).ToString(), "0.000000001s");
  EXPECT_EQ(Instant::FromNanos(1'000'000'000).ToString(), "1.000000000s");
  EXPECT_EQ(Instant::FromNanos(-1'500'000'000).ToString(), "-1.500000000s");
  EXPECT_EQ(Instant::FromNanos(std::numeric_limits<int64_t>::min()).ToString(),
            "-9223372036.854775808s");
  EXPECT_EQ(Instant::FromNanos(kMax - 1).ToString(), "9223372036.854775806s");
  EXPECT_EQ(Instant::Infinite().ToString(), "never");
}

}  // namespace
}  // namespace tcplab
