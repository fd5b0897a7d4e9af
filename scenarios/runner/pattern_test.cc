#include "scenarios/runner/pattern.h"

#include <vector>

#include "gtest/gtest.h"

namespace tcplab::scenario::runner {
namespace {

const wire::Ipv4Address kA(10, 0, 0, 1), kB(10, 0, 0, 2);

TEST(PatternTest, KeyIsSymmetricAndPerConnection) {
  EXPECT_EQ(PatternKey(kA, 1000, kB, 80), PatternKey(kB, 80, kA, 1000));
  EXPECT_NE(PatternKey(kA, 1000, kB, 80), PatternKey(kA, 1001, kB, 80));
  EXPECT_NE(PatternKey(kA, 80, kB, 1000), PatternKey(kA, 1000, kB, 80));
}

TEST(PatternTest, FillMatchesByteAtAnyOffsetAndMismatchesAreCounted) {
  const uint64_t key = PatternKey(kA, 1, kB, 2);
  for (uint64_t offset : {0ull, 3ull, 8ull, 1000001ull}) {
    std::vector<uint8_t> buf(37);
    FillPattern(key, offset, absl::MakeSpan(buf));
    for (size_t i = 0; i < buf.size(); ++i) EXPECT_EQ(buf[i], PatternByte(key, offset + i));
    EXPECT_EQ(CountMismatches(key, offset, buf), 0u);
    EXPECT_GT(CountMismatches(key, offset + 1, buf), 20u);  // shifted by one
    buf[5] ^= 1;
    buf[30] ^= 0x80;
    EXPECT_EQ(CountMismatches(key, offset, buf), 2u);
    EXPECT_GT(CountMismatches(key + 1, offset, buf), 20u);  // another connection
  }
}

}  // namespace
}  // namespace tcplab::scenario::runner
