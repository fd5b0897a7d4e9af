#include "scenarios/engine_config.h"

#include <functional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scenarios/lang/scenario_parser.h"

namespace tcplab::scenario {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

// The names of the fields in which a and b differ.
std::vector<std::string> Diff(const tcp::StackConfig& a, const tcp::StackConfig& b) {
  std::vector<std::string> out;
#define TCPLAB_FIELD(f) \
  if (!(a.f == b.f)) out.push_back(#f)
  TCPLAB_FIELD(local_address);
  TCPLAB_FIELD(mss);
  TCPLAB_FIELD(send_buffer_bytes);
  TCPLAB_FIELD(recv_buffer_bytes);
  TCPLAB_FIELD(out_of_order_limit_bytes);
  TCPLAB_FIELD(rto_initial);
  TCPLAB_FIELD(rto_min);
  TCPLAB_FIELD(rto_max);
  TCPLAB_FIELD(rto_granularity);
  TCPLAB_FIELD(syn_retries);
  TCPLAB_FIELD(data_retries);
  TCPLAB_FIELD(fin_retries);
  TCPLAB_FIELD(probe_retries);
  TCPLAB_FIELD(persist_min);
  TCPLAB_FIELD(persist_max);
  TCPLAB_FIELD(fin_wait2_timeout);
  TCPLAB_FIELD(msl);
  TCPLAB_FIELD(isn_secret);
  TCPLAB_FIELD(isn_tick);
  TCPLAB_FIELD(ephemeral_port_min);
  TCPLAB_FIELD(ephemeral_port_max);
  TCPLAB_FIELD(congestion);
  TCPLAB_FIELD(initial_window_segments);
  TCPLAB_FIELD(sack);
  TCPLAB_FIELD(timestamps);
  TCPLAB_FIELD(window_scale);
  TCPLAB_FIELD(window_scale_shift);
  TCPLAB_FIELD(delayed_ack);
  TCPLAB_FIELD(delayed_ack_timeout);
  TCPLAB_FIELD(ack_arrival_bursts_once);
  TCPLAB_FIELD(nagle);
  TCPLAB_FIELD(limited_transmit);
  TCPLAB_FIELD(restart_after_idle);
  TCPLAB_FIELD(keepalive);
  TCPLAB_FIELD(keepalive_idle);
  TCPLAB_FIELD(keepalive_interval);
  TCPLAB_FIELD(keepalive_count);
  TCPLAB_FIELD(challenge_ack_limit);
  TCPLAB_FIELD(ttl);
  TCPLAB_FIELD(verify_checksums);
#undef TCPLAB_FIELD
  return out;
}

struct KeyCase {
  const char* key;
  // Sets the key to a value that differs from `base`.
  std::function<void(StackConfig&, const tcp::StackConfig& base)> set;
  // The fields it must change on `base` (and no other).
  std::function<std::vector<std::string>(const tcp::StackConfig& base)> fields;
};

std::function<std::vector<std::string>(const tcp::StackConfig&)> Just(
    std::vector<std::string> f) {
  return [f](const tcp::StackConfig&) { return f; };
}

const std::vector<KeyCase>& Cases() {
  using B = const tcp::StackConfig&;
  static const std::vector<KeyCase> kCases = {
      {"mss", [](StackConfig& k, B) { k.mss = 536; }, Just({"mss"})},
      {"send_buffer", [](StackConfig& k, B) { k.send_buffer = 4096; },
       Just({"send_buffer_bytes"})},
      {"recv_buffer", [](StackConfig& k, B) { k.recv_buffer = 8192; },
       Just({"recv_buffer_bytes"})},
      {"rto_initial", [](StackConfig& k, B) { k.rto_initial = absl::Seconds(3); },
       Just({"rto_initial"})},
      {"rto_min", [](StackConfig& k, B) { k.rto_min = absl::Milliseconds(300); },
       Just({"rto_min"})},
      {"rto_max", [](StackConfig& k, B) { k.rto_max = absl::Seconds(30); }, Just({"rto_max"})},
      {"msl", [](StackConfig& k, B) { k.msl = absl::Seconds(5); }, Just({"msl"})},
      {"persist_min", [](StackConfig& k, B) { k.persist_min = absl::Seconds(1); },
       Just({"persist_min"})},
      {"persist_max", [](StackConfig& k, B) { k.persist_max = absl::Seconds(10); },
       Just({"persist_max"})},
      {"syn_retries", [](StackConfig& k, B) { k.syn_retries = 2; }, Just({"syn_retries"})},
      {"data_retries", [](StackConfig& k, B) { k.data_retries = 4; }, Just({"data_retries"})},
      {"fin_retries", [](StackConfig& k, B) { k.fin_retries = 3; }, Just({"fin_retries"})},
      {"isn_secret", [](StackConfig& k, B) { k.isn_secret = 0x1234; }, Just({"isn_secret"})},
      {"congestion",
       [](StackConfig& k, B b) {
         k.congestion = b.congestion == tcp::CongestionAlgorithm::kNewReno
                            ? CongestionControl::kCubic
                            : CongestionControl::kNewReno;
       },
       Just({"congestion"})},
      {"sack", [](StackConfig& k, B b) { k.sack = !b.sack; }, Just({"sack"})},
      {"timestamps", [](StackConfig& k, B b) { k.timestamps = !b.timestamps; },
       Just({"timestamps"})},
      {"nagle", [](StackConfig& k, B b) { k.nagle = !b.nagle; }, Just({"nagle"})},
      {"ack_bursts",
       [](StackConfig& k, B b) { k.ack_bursts = !b.ack_arrival_bursts_once; },
       Just({"ack_arrival_bursts_once"})},
      {"window_scale on|off", [](StackConfig& k, B b) { k.window_scale = !b.window_scale; },
       Just({"window_scale"})},
      {"window_scale N",
       [](StackConfig& k, B) {
         k.window_scale = true;
         k.window_scale_shift = 5;
       },
       [](B b) {
         std::vector<std::string> f = {"window_scale_shift"};
         if (!b.window_scale) f.push_back("window_scale");
         return f;
       }},
      {"delayed_ack on|off", [](StackConfig& k, B b) { k.delayed_ack = !b.delayed_ack; },
       Just({"delayed_ack"})},
      {"delayed_ack D",
       [](StackConfig& k, B) {
         k.delayed_ack = true;
         k.delayed_ack_timeout = absl::Milliseconds(200);
       },
       [](B b) {
         std::vector<std::string> f = {"delayed_ack_timeout"};
         if (!b.delayed_ack) f.push_back("delayed_ack");
         return f;
       }},
      {"keepalive on|off", [](StackConfig& k, B b) { k.keepalive = !b.keepalive; },
       Just({"keepalive"})},
      {"keepalive idle",
       [](StackConfig& k, B) {
         k.keepalive = true;
         k.keepalive_idle = absl::Seconds(10);
       },
       Just({"keepalive", "keepalive_idle"})},
      {"keepalive interval",
       [](StackConfig& k, B) {
         k.keepalive = true;
         k.keepalive_interval = absl::Seconds(2);
       },
       Just({"keepalive", "keepalive_interval"})},
      {"keepalive count",
       [](StackConfig& k, B) {
         k.keepalive = true;
         k.keepalive_count = 3;
       },
       Just({"keepalive", "keepalive_count"})},
  };
  return kCases;
}

TEST(EngineConfigTest, EachKeyChangesExactlyItsFieldsOnBothBases) {
  for (const tcp::StackConfig& base : {tcp::StackConfig{}, tcp::BareConfig()}) {
    // Both bases have keepalive off; the case list relies on it.
    ASSERT_FALSE(base.keepalive);
    for (const KeyCase& c : Cases()) {
      StackConfig keys;
      c.set(keys, base);
      tcp::StackConfig engine = base;
      ASSERT_TRUE(ApplyStackKeys(keys, &engine).ok()) << c.key;
      EXPECT_THAT(Diff(base, engine), UnorderedElementsAreArray(c.fields(base)))
          << c.key << (base.sack ? " on StackConfig{}" : " on BareConfig()");
    }
  }
}

TEST(EngineConfigTest, NoKeysChangeNothing) {
  for (const tcp::StackConfig& base : {tcp::StackConfig{}, tcp::BareConfig()}) {
    tcp::StackConfig engine = base;
    ASSERT_TRUE(ApplyStackKeys(StackConfig{}, &engine).ok());
    EXPECT_THAT(Diff(base, engine), IsEmpty());
  }
}

TEST(EngineConfigTest, ValuesAreMapped) {
  StackConfig keys;
  keys.mss = 536;
  keys.recv_buffer = 4096;
  keys.rto_min = absl::Milliseconds(300);
  keys.data_retries = 4;
  keys.isn_secret = 0x1234;
  keys.sack = false;
  keys.timestamps = true;
  keys.window_scale = true;
  keys.window_scale_shift = 14;
  keys.delayed_ack = true;
  keys.delayed_ack_timeout = absl::Milliseconds(500);  // the largest allowed
  keys.nagle = false;
  keys.keepalive = true;
  keys.keepalive_idle = absl::Seconds(30);
  keys.keepalive_interval = absl::Seconds(5);
  keys.keepalive_count = 4;
  tcp::StackConfig engine = tcp::BareConfig();
  ASSERT_TRUE(ApplyStackKeys(keys, &engine).ok());
  EXPECT_EQ(engine.mss, 536);
  EXPECT_EQ(engine.recv_buffer_bytes, 4096u);
  EXPECT_EQ(engine.rto_min, absl::Milliseconds(300));
  EXPECT_EQ(engine.data_retries, 4);
  EXPECT_EQ(engine.isn_secret[0], 0x1234u);
  EXPECT_EQ(engine.isn_secret[1], ~uint64_t{0x1234});
  EXPECT_FALSE(engine.sack);
  EXPECT_TRUE(engine.timestamps);
  EXPECT_TRUE(engine.window_scale);
  EXPECT_EQ(engine.window_scale_shift, uint8_t{14});
  EXPECT_TRUE(engine.delayed_ack);
  EXPECT_EQ(engine.delayed_ack_timeout, absl::Milliseconds(500));
  EXPECT_FALSE(engine.nagle);
  EXPECT_TRUE(engine.keepalive);
  EXPECT_EQ(engine.keepalive_idle, absl::Seconds(30));
  EXPECT_EQ(engine.keepalive_interval, absl::Seconds(5));
  EXPECT_EQ(engine.keepalive_count, 4);
}

TEST(EngineConfigTest, CongestionNamesMapRenoToNewReno) {
  const std::pair<CongestionControl, tcp::CongestionAlgorithm> kMap[] = {
      {CongestionControl::kNone, tcp::CongestionAlgorithm::kNone},
      {CongestionControl::kReno, tcp::CongestionAlgorithm::kNewReno},
      {CongestionControl::kNewReno, tcp::CongestionAlgorithm::kNewReno},
      {CongestionControl::kCubic, tcp::CongestionAlgorithm::kCubic},
  };
  for (const auto& [from, to] : kMap) {
    for (const tcp::StackConfig& base : {tcp::StackConfig{}, tcp::BareConfig()}) {
      StackConfig keys;
      keys.congestion = from;
      tcp::StackConfig engine = base;
      ASSERT_TRUE(ApplyStackKeys(keys, &engine).ok());
      EXPECT_EQ(engine.congestion, to) << Name(from);
    }
  }
}

TEST(EngineConfigTest, OffTurnsAModernDefaultOff) {
  StackConfig keys;
  keys.congestion = CongestionControl::kNone;
  keys.sack = false;
  keys.timestamps = false;
  keys.window_scale = false;
  keys.delayed_ack = false;
  keys.nagle = false;
  tcp::StackConfig engine;
  ASSERT_TRUE(ApplyStackKeys(keys, &engine).ok());
  // What BareConfig() turns off and these keys name.
  const tcp::StackConfig bare = tcp::BareConfig();
  EXPECT_EQ(engine.congestion, bare.congestion);
  EXPECT_EQ(engine.sack, bare.sack);
  EXPECT_EQ(engine.timestamps, bare.timestamps);
  EXPECT_EQ(engine.window_scale, bare.window_scale);
  EXPECT_EQ(engine.delayed_ack, bare.delayed_ack);
  EXPECT_EQ(engine.nagle, bare.nagle);
}

TEST(EngineConfigTest, ParsedHostKeysReachTheEngine) {
  absl::StatusOr<Scenario> s = ParseScenario(
      "# keys\nhost a { congestion reno; sack off; timestamps on; window_scale 3; "
      "delayed_ack 200ms; nagle off; keepalive idle 10s count 3 }\n",
      "t.scn");
  ASSERT_TRUE(s.ok()) << s.status();
  tcp::StackConfig engine;
  ASSERT_TRUE(ApplyStackKeys(s->hosts[0].stack, &engine).ok());
  EXPECT_EQ(engine.congestion, tcp::CongestionAlgorithm::kNewReno);
  EXPECT_FALSE(engine.sack);
  EXPECT_TRUE(engine.timestamps);
  EXPECT_TRUE(engine.window_scale);
  EXPECT_EQ(engine.window_scale_shift, uint8_t{3});
  EXPECT_TRUE(engine.delayed_ack);
  EXPECT_EQ(engine.delayed_ack_timeout, absl::Milliseconds(200));
  EXPECT_FALSE(engine.nagle);
  EXPECT_TRUE(engine.keepalive);
  EXPECT_EQ(engine.keepalive_idle, absl::Seconds(10));
  EXPECT_EQ(engine.keepalive_interval, tcp::StackConfig{}.keepalive_interval);
  EXPECT_EQ(engine.keepalive_count, 3);
  EXPECT_THAT(Diff(tcp::StackConfig{}, engine),
              UnorderedElementsAreArray(std::vector<std::string>{
                  "congestion", "sack", "window_scale_shift", "delayed_ack_timeout", "nagle",
                  "keepalive", "keepalive_idle", "keepalive_count"}));
}

TEST(EngineConfigTest, ValuesTheEngineCannotTakeAreRefusedAndChangeNothing) {
  const std::pair<std::function<void(StackConfig&)>, const char*> kBad[] = {
      {[](StackConfig& k) { k.mss = 0; }, "mss 0"},
      {[](StackConfig& k) { k.delayed_ack_timeout = absl::ZeroDuration(); }, "delayed_ack 0ns"},
      {[](StackConfig& k) { k.delayed_ack_timeout = absl::Milliseconds(501); },
       "delayed_ack 501ms"},
      {[](StackConfig& k) { k.keepalive_idle = absl::ZeroDuration(); }, "keepalive idle"},
      {[](StackConfig& k) { k.keepalive_interval = absl::ZeroDuration(); },
       "keepalive interval"},
      {[](StackConfig& k) { k.keepalive_count = 0; }, "keepalive count 0"},
  };
  for (const auto& [set, text] : kBad) {
    StackConfig keys;
    keys.sack = false;
    keys.rto_min = absl::Seconds(1);
    set(keys);
    const tcp::StackConfig base;
    tcp::StackConfig engine = base;
    const absl::Status s = ApplyStackKeys(keys, &engine);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(std::string(s.message()), HasSubstr(text));
    EXPECT_THAT(Diff(base, engine), IsEmpty()) << text;
  }
}

}  // namespace
}  // namespace tcplab::scenario
