// Mutated example files through both parsers: no crash (ASan/UBSan in CI),
// an error always carries a position, and whatever parses prints back to
// text that parses to the same printout.

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "scenarios/lang/packet_script_parser.h"
#include "scenarios/lang/scenario_parser.h"

namespace tcplab::scenario {
namespace {

// xorshift64*: a fixed, seeded sequence (the project bans library RNGs).
class Mutator {
 public:
  explicit Mutator(uint64_t seed) : state_(seed | 1) {}
  uint64_t Next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }
  size_t Below(size_t n) { return n == 0 ? 0 : Next() % n; }

  std::string Mutate(std::string s) {
    static constexpr absl::string_view kPieces[] = {
        "{", "}", ";", ":", "\n", " ", "--", "->", "<", ">", "(", ")", ",", "...", "+", "*",
        "%", "0", "9", "-1", "1.5", "ms", "MB", "0x", "#", "//", "/*", "*/", "\"", "at ",
        "when ", "host x", "link", "expect", "S.", "ack", "win", "<...>", "\x00", "\xff"};
    int edits = 1 + static_cast<int>(Below(4));
    for (int e = 0; e < edits; ++e) {
      size_t at = Below(s.size() + 1);
      switch (Below(5)) {
        case 0:
          if (!s.empty()) s[Below(s.size())] = static_cast<char>(Next());
          break;
        case 1:
          s.erase(at, Below(20));
          break;
        case 2: {
          absl::string_view p = kPieces[Below(std::size(kPieces))];
          s.insert(at, p.data(), p.size());
          break;
        }
        case 3: {
          size_t from = Below(s.size() + 1);
          s.insert(at, s.substr(from, Below(40)));
          break;
        }
        default:
          // Swap two lines' worth of text.
          if (s.size() > 2) std::swap(s[Below(s.size())], s[Below(s.size())]);
      }
    }
    return s;
  }

 private:
  uint64_t state_;
};

std::string ReadTestdata(const std::string& name) {
  std::string path =
      std::string(std::getenv("TEST_SRCDIR")) + "/tcplab/scenarios/lang/testdata/" + name;
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void CheckScenario(const std::string& text) {
  auto s = ParseScenario(text, "m.scn");
  if (!s.ok()) {
    EXPECT_TRUE(absl::StartsWith(s.status().message(), "m.scn:")) << s.status();
    return;
  }
  std::string printed = ToString(*s);
  auto again = ParseScenario(printed, "m.scn");
  ASSERT_TRUE(again.ok()) << again.status() << "\nprinted:\n" << printed << "\nfrom:\n" << text;
  EXPECT_EQ(ToString(*again), printed) << "from:\n" << text;
}

void CheckPacketScript(const std::string& text) {
  auto s = ParsePacketScript(text, "m.pkt");
  if (!s.ok()) {
    EXPECT_TRUE(absl::StartsWith(s.status().message(), "m.pkt:")) << s.status();
    return;
  }
  std::string printed = ToString(*s);
  auto again = ParsePacketScript(printed, "m.pkt");
  ASSERT_TRUE(again.ok()) << again.status() << "\nprinted:\n" << printed << "\nfrom:\n" << text;
  EXPECT_EQ(ToString(*again), printed) << "from:\n" << text;
}

TEST(RobustnessTest, MutatedExamples) {
  Mutator m(0x5eed);
  int parsed = 0;
  for (const char* name : {"bulk_loss_jitter.scn", "slow_reader_pause.scn",
                           "link_dies_after_1mb.scn", "handshake_close.pkt"}) {
    std::string base = ReadTestdata(name);
    ASSERT_FALSE(base.empty()) << name;
    for (int i = 0; i < 1500; ++i) {
      std::string text = m.Mutate(base);
      CheckScenario(text);
      CheckPacketScript(text);
      if (ParseScenario(text, "x").ok() || ParsePacketScript(text, "x").ok()) ++parsed;
      if (::testing::Test::HasFailure()) return;
    }
  }
  // Some mutants must still parse, or the round-trip check tested nothing.
  EXPECT_GT(parsed, 100);
}

}  // namespace
}  // namespace tcplab::scenario
