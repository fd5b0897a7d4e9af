#include "scenarios/pkt/pkt_runner.h"

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scenarios/lang/packet_script_parser.h"

namespace tcplab::scenario {
namespace {

using ::testing::HasSubstr;

PktRunResult RunText(const std::string& text, const PktRunOptions& options = {}) {
  absl::StatusOr<PacketScript> script = ParsePacketScript(text, "t.pkt");
  EXPECT_TRUE(script.ok()) << script.status();
  if (!script.ok()) return {};
  absl::StatusOr<PktRunResult> r = RunPacketScript(*script, options);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return {};
  return *std::move(r);
}

constexpr char kHeader[] = R"(--remote_port=40000
--mss=1460
)";

TEST(PktRunnerTest, PassiveOpenReportsEveryStep) {
  PktRunResult r = RunText(absl::StrCat(kHeader, R"(
0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0  bind(3, ..., ...) = 0
+0  listen(3, 1) = 0
+0  < S 0:0(0) win 65535 <mss 1460,sackOK,nop,nop,nop,wscale 7>
+0  > S. 0:0(0) ack 1 win 65535 <mss 1460>
+.1 < . 1:1(0) ack 1 win 257
+0  accept(3, ..., ...) = 4
)"));
  EXPECT_TRUE(r.passed) << r.report;
  EXPECT_THAT(r.report, HasSubstr("t.pkt:8:1: ok `> S. 0:0(0) ack 1 win 65535 <mss 1460>` at 0s\n"));
  EXPECT_THAT(r.report, HasSubstr("t.pkt:10:1: ok `accept(3, ..., ...) = 4` at 0.1s\n"));
}

class LibraryScriptTest : public ::testing::TestWithParam<const char*> {};

TEST_P(LibraryScriptTest, Passes) {
  std::string path = absl::StrCat("scenarios/pkt/testdata/", GetParam());
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<PacketScript> script = ParsePacketScript(text.str(), GetParam());
  ASSERT_TRUE(script.ok()) << script.status();
  absl::StatusOr<PktRunResult> r = RunPacketScript(*script);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->passed) << r->report;
  EXPECT_TRUE(r->mismatches.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Testdata, LibraryScriptTest,
    ::testing::Values("handshake_passive.pkt", "handshake_active.pkt", "blocking_connect.pkt",
                      "data_both_ways.pkt", "close_active.pkt", "close_passive.pkt",
                      "rst_closed_port.pkt", "rst_in_window.pkt", "rst_out_of_window.pkt",
                      "syn_retransmit_timeout.pkt", "zero_window_probe.pkt"),
    [](const ::testing::TestParamInfo<const char*>& info) {
      std::string name = info.param;
      name = name.substr(0, name.find('.'));
      return name;
    });

}  // namespace
}  // namespace tcplab::scenario
