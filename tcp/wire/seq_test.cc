#include "tcp/wire/seq.h"

#include <sstream>

#include "gtest/gtest.h"

namespace tcplab::wire {
namespace {

TEST(SeqTest, OrdersAcrossTheWrap) {
  const Seq before(0xfffffff0u);
  const Seq after(0x10);
  EXPECT_TRUE(before < after);
  EXPECT_TRUE(before <= after);
  EXPECT_FALSE(before > after);
  EXPECT_FALSE(before >= after);
  EXPECT_TRUE(after > before);
  EXPECT_TRUE(after >= before);
  EXPECT_FALSE(after < before);
  EXPECT_NE(before, after);
  EXPECT_TRUE(Seq(5) <= Seq(5));
  EXPECT_TRUE(Seq(5) >= Seq(5));
  EXPECT_FALSE(Seq(5) < Seq(5));
  EXPECT_EQ(Seq(5), Seq(5));
}

TEST(SeqTest, SignedDistance) {
  EXPECT_EQ(Seq(0x10) - Seq(0xfffffff0u), 0x20);
  EXPECT_EQ(Seq(0xfffffff0u) - Seq(0x10), -0x20);
  EXPECT_EQ(Seq(100) - Seq(100), 0);
  EXPECT_EQ(Seq(0x7fffffff) - Seq(0), 0x7fffffff);
  // Exactly 2^31 apart: the distance is INT32_MIN, "before" both ways round.
  EXPECT_EQ(Seq(0x80000000u) - Seq(0), INT32_MIN);
}

TEST(SeqTest, ArithmeticWraps) {
  Seq s(0xfffffffeu);
  EXPECT_EQ(s + 3, Seq(1));
  EXPECT_EQ(Seq(1) - 3, Seq(0xfffffffeu));
  s += 2;
  EXPECT_EQ(s.raw(), 0u);
  s -= 1;
  EXPECT_EQ(s.raw(), 0xffffffffu);
}

TEST(SeqTest, InRangeAcrossWrap) {
  const Seq lo(0xfffffff0u);
  const Seq hi(0x10);
  EXPECT_TRUE(Seq(0xfffffff0u).InRange(lo, hi));
  EXPECT_TRUE(Seq(0xffffffffu).InRange(lo, hi));
  EXPECT_TRUE(Seq(0).InRange(lo, hi));
  EXPECT_TRUE(Seq(0xf).InRange(lo, hi));
  EXPECT_FALSE(Seq(0x10).InRange(lo, hi));  // half-open
  EXPECT_FALSE(Seq(0xffffffefu).InRange(lo, hi));
  EXPECT_FALSE(Seq(0x1000).InRange(lo, hi));
  EXPECT_FALSE(Seq(7).InRange(Seq(7), Seq(7)));  // empty window
}

TEST(SeqTest, MaxMinAcrossWrap) {
  EXPECT_EQ(Max(Seq(0xfffffff0u), Seq(0x10)), Seq(0x10));
  EXPECT_EQ(Min(Seq(0xfffffff0u), Seq(0x10)), Seq(0xfffffff0u));
  EXPECT_EQ(Max(Seq(3), Seq(3)), Seq(3));
}

TEST(SeqTest, ConstexprAndPrinting) {
  static_assert(Seq(1) < Seq(2));
  static_assert((Seq(0) - 1).raw() == 0xffffffffu);
  std::ostringstream os;
  os << Seq(4294967295u);
  EXPECT_EQ(os.str(), "4294967295");
}

}  // namespace
}  // namespace tcplab::wire
