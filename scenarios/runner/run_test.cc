// The runner end to end: the example scenarios pass, expectations bite,
// output and pcap are a function of the scenario and seed alone.

#include "scenarios/runner/run.h"

#include <algorithm>
#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scenarios/lang/scenario_parser.h"

namespace tcplab::scenario::runner {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Scenario Parse(const std::string& text) {
  absl::StatusOr<Scenario> s = ParseScenario(text, "test.scn");
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? *s : Scenario{};
}

RunResult RunIt(const Scenario& s, RunOptions o = {}) {
  absl::StatusOr<RunResult> r = RunScenario(s, o);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : RunResult{};
}

constexpr char kBulk[] = R"(# bulk over a lossy link
seed 5
host a { address 10.0.0.1 }
host b { address 10.0.0.2 }
link a -- b { delay 10ms; rate 10Mbit/s; loss 2% }
app rx sink on b { listen 80 }
app tx bulk on a { connect b:80; bytes 300KB }
expect rx.received == 300KB
expect rx.intact
expect tx.error == none
expect tx.state == CLOSED
expect rx.connections == 1
)";

TEST(RunTest, ExampleScenariosPass) {
  for (const char* f : {"scenarios/lang/testdata/bulk_loss_jitter.scn",
                        "scenarios/lang/testdata/link_dies_after_1mb.scn",
                        "scenarios/lang/testdata/slow_reader_pause.scn"}) {
    absl::StatusOr<RunResult> r = RunScenarioFile(f, {});
    ASSERT_TRUE(r.ok()) << f << ": " << r.status();
    EXPECT_TRUE(r->passed) << r->output;
    EXPECT_THAT(r->output, HasSubstr("result: PASS"));
    EXPECT_THAT(r->output, Not(HasSubstr("replay:")));
  }
}

TEST(RunTest, BulkTransferPassesAndReportsEverySection) {
  const RunResult r = RunIt(Parse(kBulk));
  EXPECT_TRUE(r.passed) << r.output;
  EXPECT_EQ(r.seed, 5u);
  EXPECT_THAT(r.output, HasSubstr("timeline"));
  EXPECT_THAT(r.output, HasSubstr("a:49152 > b:80  S 0:0(0)"));
  EXPECT_THAT(r.output, HasSubstr("dropped (loss)"));
  EXPECT_THAT(r.output, HasSubstr("summary:"));
  EXPECT_THAT(r.output, HasSubstr("a-b:a>b: entered"));
  EXPECT_THAT(r.output, HasSubstr("PASS  expect rx.received == 300KB"));
  EXPECT_EQ(r.expectations.size(), 5u);
}

TEST(RunTest, SameSeedSameOutputAndPcapOtherSeedDifferent) {
  const Scenario s = Parse(kBulk);
  RunOptions o;
  o.pcap_in_memory = true;
  const RunResult a = RunIt(s, o);
  const RunResult b = RunIt(s, o);
  EXPECT_EQ(a.output, b.output);
  EXPECT_EQ(a.pcap, b.pcap);
  EXPECT_GT(a.pcap.size(), 300000u);
  o.seed = 6;
  const RunResult c = RunIt(s, o);
  EXPECT_NE(a.pcap, c.pcap);
  EXPECT_NE(a.output, c.output);
}

TEST(RunTest, TimelineIsCappedUnlessTrace) {
  const Scenario s = Parse(kBulk);
  RunOptions o;
  const RunResult capped = RunIt(s, o);
  o.trace = true;
  const RunResult full = RunIt(s, o);
  EXPECT_THAT(capped.output, HasSubstr("more segments of a:49152 <> b:80 (--trace shows them)"));
  EXPECT_THAT(full.output, Not(HasSubstr("more segments")));
  // Drops and retransmissions are never capped away.
  EXPECT_THAT(capped.output, HasSubstr("[retransmission]"));
  EXPECT_THAT(capped.output, HasSubstr(" -x "));
  auto lines = [](const std::string& t) { return std::count(t.begin(), t.end(), '\n'); };
  EXPECT_GT(lines(full.output), lines(capped.output) + 200);
}

TEST(RunTest, UnsetAddressesAreAssignedAndCountedHostsExpand) {
  const RunResult r = RunIt(Parse(R"(# auto addresses
host c { count 3 }
host s
switch sw
link c -- sw
link s -- sw
app rx sink on s { listen 80 }
app tx bulk on c { connect s:80; bytes 5KB }
expect rx.connections == 3
expect rx.received == 5KB
expect rx.intact
)"));
  EXPECT_TRUE(r.passed) << r.output;
  EXPECT_THAT(r.output, HasSubstr("tx[2] (bulk on c[2]) c[2]:49152 <> s:80"));
  EXPECT_THAT(r.output, HasSubstr("c[0]-sw:c[0]>sw: entered"));
}

TEST(RunTest, FailingExpectationPrintsWhatWasSeenAndReplay) {
  std::string text = kBulk;
  text += "expect rx.received == 1MB\nexpect tx.retransmits == 0\n";
  RunOptions o;
  o.seed = 9;
  const RunResult r = RunIt(Parse(text), o);
  EXPECT_FALSE(r.passed);
  EXPECT_THAT(r.output, HasSubstr("FAIL  expect rx.received == 1MB  (seen rx[0]: 300KB)"));
  EXPECT_THAT(r.output, HasSubstr("FAIL  expect tx.retransmits == 0"));
  EXPECT_THAT(r.output, HasSubstr("result: FAIL (5 of 7 expectations hold)"));
  EXPECT_THAT(r.output, HasSubstr("replay: tcplab run test.scn --seed 9\n"));
}

TEST(RunTest, RefusedResetAndTimedOut) {
  const RunResult r = RunIt(Parse(R"(# errors
host a { address 10.0.0.1; syn_retries 2; rto_initial 200ms }
host b { address 10.0.0.2 }
host c { address 10.0.0.3 }
switch sw
link a -- sw
link b -- sw
link c -- sw
app refused bulk on a { connect b:81; bytes 1KB }
app rx sink on b { listen 80 }
app tx bulk on a { connect b:80; bytes 1MB }
app void bulk on a { connect c:80; bytes 1KB }
app crx sink on c { listen 80 }
at 0s: link c -- sw down
when rx.received >= 100KB: app rx abort
expect refused.error == refused
expect tx.error == reset
expect void.error == timed_out
expect rx.received >= 100KB
)"));
  EXPECT_TRUE(r.passed) << r.output;
}

TEST(RunTest, ManyClientsHttpAndEcho) {
  const RunResult r = RunIt(Parse(R"(# many clients
host c { address 10.0.1.1; count 5 }
host s { address 10.0.0.2 }
switch sw
link c -- sw { delay 2ms }
link s -- sw { delay 1ms; rate 50Mbit/s }
app web http_server on s { listen 80 }
app get http_get on c { connect s:80; bytes 20KB; requests 3; count 2 }
app echo echo on s { listen 7 }
app talk bulk on c { connect s:7; bytes 50KB }
expect get.received == 60KB
expect get.intact
expect talk.received == 50KB
expect talk.intact
expect web.connections == 10
expect echo.connections == 5
expect echo.sent == 50KB
expect web.sent == 60KB
expect talk.completed <= 10s
)"));
  EXPECT_TRUE(r.passed) << r.output;
}

TEST(RunTest, SlowReaderRateAndStopResume) {
  const RunResult r = RunIt(Parse(R"(# slow
host a { address 10.0.0.1 }
host b { address 10.0.0.2; recv_buffer 16KiB }
link a -- b { delay 5ms }
app rx sink on b { listen 80; read_rate 100KB/s }
app tx bulk on a { connect b:80; bytes 200KB }
at 1s: app rx stop_reading
at 3s: app rx resume_reading
expect rx.received <= 110KB at 2s
expect rx.received >= 90KB at 2s
expect tx.zero_window_probes >= 1
expect rx.received == 200KB
expect tx.completed >= 3s
)"));
  EXPECT_TRUE(r.passed) << r.output;
}

TEST(RunTest, SummaryShowsCongestionOptionsAndRecoveryPerConnectionAndStackCounters) {
  const RunResult r = RunIt(Parse(kBulk));
  ASSERT_TRUE(r.passed) << r.output;
  const std::string summary = r.output.substr(r.output.find("\nsummary:\n"));
  // A host block without keys: tcp::StackConfig{}, CUBIC with every option.
  EXPECT_THAT(summary, HasSubstr("\n    cubic ("));
  EXPECT_THAT(summary, HasSubstr(", cwnd "));
  EXPECT_THAT(summary, HasSubstr(", ssthresh "));
  EXPECT_THAT(summary, HasSubstr("; mss 1448, sack on, ts on, wscale snd "));
  EXPECT_THAT(summary, HasSubstr("\n    srtt "));
  EXPECT_THAT(summary, HasSubstr(", rttvar "));
  EXPECT_THAT(summary, HasSubstr(", rto "));
  EXPECT_THAT(summary, HasSubstr("\n    retransmits "));
  EXPECT_THAT(summary, HasSubstr(" (timeout "));
  EXPECT_THAT(summary, HasSubstr(", fast "));
  EXPECT_THAT(summary, HasSubstr(", sack "));
  EXPECT_THAT(summary, HasSubstr(", recovery "));
  EXPECT_THAT(summary, HasSubstr(", fast recoveries "));
  EXPECT_THAT(summary, HasSubstr("\n    dup acks "));
  EXPECT_THAT(summary, HasSubstr(", sack blocks "));
  EXPECT_THAT(summary, HasSubstr(", zero-window probes "));
  EXPECT_THAT(summary, HasSubstr(", keepalive probes "));
  // One line per stack.
  EXPECT_THAT(summary, HasSubstr("stacks:\n  a: challenge acks 0 (0 suppressed), paws drops 0\n"
                                 "  b: challenge acks 0 (0 suppressed), paws drops 0\nlinks:\n"));
  // The timeline notes what the handshake negotiated, and the losses put
  // the sender into recovery at least once.
  const std::string timeline = r.output.substr(0, r.output.find("\nsummary:\n"));
  EXPECT_THAT(timeline, HasSubstr(" a socket 1: mss 1448, sack on, ts on, wscale snd "));
  EXPECT_THAT(timeline, HasSubstr(" -> recovery, cwnd "));
}

TEST(RunTest, StackKeysChooseTheEngineFeaturesPerHost) {
  const RunResult r = RunIt(Parse(R"(# keys per host
seed 5
host a { address 10.0.0.1; congestion none; window_scale off; delayed_ack off }
host b { address 10.0.0.2; congestion reno; sack off; timestamps off }
link a -- b { delay 10ms; rate 10Mbit/s; loss 2% }
app rx sink on a { listen 80 }
app tx bulk on b { connect a:80; bytes 300KB }
expect rx.received == 300KB
expect rx.intact
expect tx.fast_retransmits >= 1
expect tx.sack_retransmits == 0
expect tx.sack_blocks == 0
expect tx.dup_acks >= 1
expect tx.fast_recoveries >= 1
expect tx.srtt >= 20ms
expect tx.cwnd > 0B
expect rx.cwnd == 0B
expect rx.ssthresh == 0B
)"));
  EXPECT_TRUE(r.passed) << r.output;
  // reno is the engine's NewReno; a's stack has none. Without both sides'
  // consent there is no SACK, no timestamps, no window scaling.
  EXPECT_THAT(r.output, HasSubstr("\n    newreno ("));
  EXPECT_THAT(r.output, HasSubstr("\n    congestion none; mss 1460, sack off, ts off, wscale off\n"));
  EXPECT_THAT(r.output, Not(HasSubstr("cubic")));
  EXPECT_THAT(r.output, Not(HasSubstr("sack on")));
}

TEST(RunTest, KeepaliveProbesAnIdleConnectionAndGivesUp) {
  const RunResult r = RunIt(Parse(R"(# keepalive
time_limit 30s
host a { address 10.0.0.1; keepalive idle 1s interval 1s count 2 }
host b { address 10.0.0.2 }
link a -- b { delay 5ms }
app rx sink on b { listen 80 }
app tx sink on a { connect b:80 }
at 5s: link a -- b down
expect tx.keepalive_probes >= 1 at 4s
expect rx.keepalive_probes == 0
expect tx.error == timed_out
expect tx.completed <= 10s
)"));
  EXPECT_TRUE(r.passed) << r.output;
  EXPECT_THAT(r.output, HasSubstr("a socket 1: keepalive probe 1\n"));
}

TEST(RunTest, AStackKeyValueTheEngineCannotTakeIsAnErrorAtTheHost) {
  absl::StatusOr<RunResult> r = RunScenario(Parse(R"(# bad value
host a { address 10.0.0.1 }
host b { address 10.0.0.2; delayed_ack 600ms }
link a -- b
)"), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("test.scn:3:1: host b: delayed_ack 600ms: the timeout must be above 0 "
                        "and at most 500ms"));
}

TEST(RunTest, ExpectationAfterTheRunEndsFails) {
  const RunResult r = RunIt(Parse(R"(# short
time_limit 1s
host a { address 10.0.0.1 }
host b { address 10.0.0.2 }
link a -- b
app rx sink on b { listen 80 }
expect rx.connections == 0 at 2s
)"));
  EXPECT_FALSE(r.passed);
  EXPECT_THAT(r.output, HasSubstr("before the check time"));
}

}  // namespace
}  // namespace tcplab::scenario::runner
