#include "scenarios/engine_config.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tcplab::scenario {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(EngineConfigTest, GivenKeysOverrideAndOthersKeepTheEngineDefaults) {
  StackConfig keys;
  keys.mss = 536;
  keys.recv_buffer = 4096;
  keys.rto_min = absl::Milliseconds(300);
  keys.data_retries = 4;
  keys.isn_secret = 0x1234;
  tcp::StackConfig engine;
  const tcp::StackConfig defaults;
  std::vector<std::string> unimplemented;
  ASSERT_TRUE(ApplyStackKeys(keys, &engine, &unimplemented).ok());
  EXPECT_EQ(engine.mss, 536);
  EXPECT_EQ(engine.recv_buffer_bytes, 4096u);
  EXPECT_EQ(engine.rto_min, absl::Milliseconds(300));
  EXPECT_EQ(engine.data_retries, 4);
  EXPECT_EQ(engine.isn_secret[0], 0x1234u);
  EXPECT_EQ(engine.isn_secret[1], ~uint64_t{0x1234});
  EXPECT_EQ(engine.send_buffer_bytes, defaults.send_buffer_bytes);
  EXPECT_EQ(engine.rto_max, defaults.rto_max);
  EXPECT_EQ(engine.syn_retries, defaults.syn_retries);
  EXPECT_THAT(unimplemented, IsEmpty());
}

TEST(EngineConfigTest, FeaturesTheEngineLacksAreNamedOnlyWhenAskedFor) {
  StackConfig keys;
  keys.sack = false;  // off is what the engine does
  keys.timestamps = true;
  keys.nagle = true;
  keys.congestion = CongestionControl::kNone;
  tcp::StackConfig engine;
  std::vector<std::string> unimplemented;
  ASSERT_TRUE(ApplyStackKeys(keys, &engine, &unimplemented).ok());
  EXPECT_THAT(unimplemented, ElementsAre("timestamps", "nagle"));
  keys.congestion = CongestionControl::kCubic;
  unimplemented.clear();
  ASSERT_TRUE(ApplyStackKeys(keys, &engine, &unimplemented).ok());
  EXPECT_THAT(unimplemented, ElementsAre("congestion", "timestamps", "nagle"));
}

TEST(EngineConfigTest, MssZeroIsRefused) {
  StackConfig keys;
  keys.mss = 0;
  tcp::StackConfig engine;
  std::vector<std::string> unimplemented;
  EXPECT_EQ(ApplyStackKeys(keys, &engine, &unimplemented).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tcplab::scenario
