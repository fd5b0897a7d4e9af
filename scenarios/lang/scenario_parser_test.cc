#include "scenarios/lang/scenario_parser.h"

#include <fstream>
#include <sstream>
#include <string>
#include <variant>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tcplab::scenario {
namespace {

using ::testing::HasSubstr;

Scenario MustParse(absl::string_view text) {
  auto s = ParseScenario(text, "t.scn");
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : Scenario{};
}

std::string ErrorOf(absl::string_view text) {
  auto s = ParseScenario(text, "t.scn");
  if (s.ok()) return "(parsed)";
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(s.status().message());
}

Percent P(double percent) { return Percent{static_cast<uint32_t>(percent * 1e7 + 0.5)}; }

constexpr absl::string_view kTwoHosts = "host a\nhost b\nlink a -- b\n";

TEST(ScenarioParserTest, TopLevelAndHosts) {
  Scenario s = MustParse(R"(# header comment
seed 0x2a
time_limit 10min
host client {
  address 10.0.0.1
  count 20
  mss 1460
  send_buffer 64KiB
  recv_buffer 1MB
  rto_initial 1s
  rto_min 200ms
  rto_max 60s
  msl 30s
  persist_min 500ms
  persist_max 1min
  syn_retries 6
  data_retries 15
  fin_retries 8
  isn_secret 0xdeadbeef
  congestion cubic
  sack on
  timestamps off
  window_scale 7
  delayed_ack 40ms
  ack_bursts off
  nagle off
  keepalive idle 2h interval 75s count 9
}
host server { address 10.0.1.1; window_scale off; delayed_ack on; keepalive off }
switch sw
)");
  EXPECT_EQ(s.file, "t.scn");
  EXPECT_EQ(s.seed, 42u);
  EXPECT_EQ(s.time_limit, absl::Minutes(10));
  ASSERT_EQ(s.hosts.size(), 2u);
  const Host& c = s.hosts[0];
  EXPECT_EQ(c.name, "client");
  EXPECT_EQ(c.pos, (SourcePos{4, 1}));
  EXPECT_EQ(c.address, wire::Ipv4Address(10, 0, 0, 1));
  EXPECT_EQ(c.count, 20u);
  StackConfig want;
  want.mss = 1460;
  want.send_buffer = 65536;
  want.recv_buffer = 1000000;
  want.rto_initial = absl::Seconds(1);
  want.rto_min = absl::Milliseconds(200);
  want.rto_max = absl::Seconds(60);
  want.msl = absl::Seconds(30);
  want.persist_min = absl::Milliseconds(500);
  want.persist_max = absl::Minutes(1);
  want.syn_retries = 6;
  want.data_retries = 15;
  want.fin_retries = 8;
  want.isn_secret = 0xdeadbeef;
  want.congestion = CongestionControl::kCubic;
  want.sack = true;
  want.timestamps = false;
  want.window_scale = true;
  want.window_scale_shift = 7;
  want.delayed_ack = true;
  want.delayed_ack_timeout = absl::Milliseconds(40);
  want.ack_bursts = false;
  want.nagle = false;
  want.keepalive = true;
  want.keepalive_idle = absl::Hours(2);
  want.keepalive_interval = absl::Seconds(75);
  want.keepalive_count = 9;
  EXPECT_EQ(c.stack, want);
  const Host& sv = s.hosts[1];
  EXPECT_EQ(sv.count, 1u);
  EXPECT_EQ(sv.stack.window_scale, false);
  EXPECT_FALSE(sv.stack.window_scale_shift.has_value());
  EXPECT_EQ(sv.stack.delayed_ack, true);
  EXPECT_FALSE(sv.stack.delayed_ack_timeout.has_value());
  EXPECT_EQ(sv.stack.keepalive, false);
  EXPECT_FALSE(sv.stack.mss.has_value());
  ASSERT_EQ(s.switches.size(), 1u);
  EXPECT_EQ(s.switches[0].name, "sw");
}

TEST(ScenarioParserTest, LinkImpairmentsPerDirection) {
  Scenario s = MustParse(R"(host a
host b
link a -- b {
  delay 50ms jitter 10ms correlation 25% distribution paretonormal
  rate 10Mbit/s
  limit 100
  mtu 1400
  a -> b {
    loss 1% correlation 10%
    duplicate 2% 5%
    reorder 25% 50% gap 5
    corrupt 0.1%
    limit 64KB
  }
  b -> a { loss gemodel p 1% r 30% 1-h 100% 1-k 0.5% }
  b -> a { delay 5ms }
}
)");
  ASSERT_EQ(s.links.size(), 1u);
  const Link& l = s.links[0];
  EXPECT_EQ(l.a, "a");
  EXPECT_EQ(l.b, "b");
  EXPECT_EQ(l.pos, (SourcePos{3, 1}));
  const LinkParams& ab = l.a_to_b;
  EXPECT_EQ(ab.delay, absl::Milliseconds(50));
  EXPECT_EQ(ab.jitter, absl::Milliseconds(10));
  EXPECT_EQ(ab.delay_correlation, P(25));
  EXPECT_EQ(ab.distribution, Distribution::kParetoNormal);
  EXPECT_EQ(ab.rate_bps, 10'000'000u);
  EXPECT_EQ(ab.limit_packets, 100u);
  EXPECT_EQ(ab.limit_bytes, 64'000u);
  EXPECT_EQ(ab.mtu, 1400u);
  ASSERT_TRUE(ab.loss.has_value());
  EXPECT_EQ(std::get<RandomLoss>(*ab.loss), (RandomLoss{P(1), P(10)}));
  EXPECT_EQ(ab.duplicate, P(2));
  EXPECT_EQ(ab.duplicate_correlation, P(5));
  EXPECT_EQ(ab.reorder, P(25));
  EXPECT_EQ(ab.reorder_correlation, P(50));
  EXPECT_EQ(ab.reorder_gap, 5u);
  EXPECT_EQ(ab.corrupt, P(0.1));
  EXPECT_FALSE(ab.corrupt_correlation.has_value());

  const LinkParams& ba = l.b_to_a;
  EXPECT_EQ(ba.delay, absl::Milliseconds(5));        // overridden
  EXPECT_EQ(ba.jitter, absl::Milliseconds(10));      // kept from the shared line
  EXPECT_FALSE(ba.limit_bytes.has_value());
  EXPECT_FALSE(ba.duplicate.has_value());
  ASSERT_TRUE(ba.loss.has_value());
  EXPECT_EQ(std::get<GilbertElliottLoss>(*ba.loss),
            (GilbertElliottLoss{P(1), P(30), P(100), P(0.5)}));
}

TEST(ScenarioParserTest, NetemPositionalForms) {
  Scenario s = MustParse(
      "host a\nhost b\nlink a -- b {\n"
      "  delay 100ms 10ms 25% distribution normal\n"
      "  loss gemodel 1% 10% 70% 0.1%\n"
      "  a -> b { loss random 3% 20% }\n"
      "}\n");
  const LinkParams& ab = s.links[0].a_to_b;
  EXPECT_EQ(ab.delay, absl::Milliseconds(100));
  EXPECT_EQ(ab.jitter, absl::Milliseconds(10));
  EXPECT_EQ(ab.delay_correlation, P(25));
  EXPECT_EQ(ab.distribution, Distribution::kNormal);
  EXPECT_EQ(std::get<RandomLoss>(*ab.loss), (RandomLoss{P(3), P(20)}));
  EXPECT_EQ(std::get<GilbertElliottLoss>(*s.links[0].b_to_a.loss),
            (GilbertElliottLoss{P(1), P(10), P(70), P(0.1)}));
  Scenario g = MustParse("host a\nhost b\nlink a -- b { loss gemodel 2% }\n");
  EXPECT_EQ(std::get<GilbertElliottLoss>(*g.links[0].a_to_b.loss),
            (GilbertElliottLoss{P(2), std::nullopt, std::nullopt, std::nullopt}));
}

TEST(ScenarioParserTest, Apps) {
  Scenario s = MustParse(R"(
host c
host s
link c -- s
app web http_server on s { listen 80; backlog 128 }
app get http_get on c {
  connect s:80
  bytes 1MB
  requests 10
  count 20
  start 1.5s
  write_size 1KB
  read_size 16KiB
}
app slow sink on s {
  listen 5001
  read_rate 10KB/s
  read_pause 5s for 30s
  read_pause 60s for 1s
}
app lazy sink on s { listen 5002; never_read }
app quitter bulk on c { connect s:5001; bytes 10MB; close_after 100KB }
app killer bulk on c { connect s:5002; bytes 10MB; abort_after 1MiB }
app e echo on s { listen 7 }
app pushy bulk on s { listen 9; bytes 1GB }
app puller sink on c { connect s:9 }
app peer sink on c { connect s:80; local_port 4000 }
)");
  ASSERT_EQ(s.apps.size(), 10u);
  EXPECT_EQ(s.apps[9].local_port, 4000);
  EXPECT_FALSE(s.apps[0].local_port.has_value());
  const App& web = s.apps[0];
  EXPECT_EQ(web.kind, AppKind::kHttpServer);
  EXPECT_EQ(web.host, "s");
  EXPECT_EQ(web.listen, 80);
  EXPECT_EQ(web.backlog, 128u);
  EXPECT_FALSE(web.connect.has_value());
  const App& get = s.apps[1];
  EXPECT_EQ(get.pos, (SourcePos{6, 1}));
  EXPECT_EQ(get.kind, AppKind::kHttpGet);
  EXPECT_EQ(get.connect, (Endpoint{"s", 80}));
  EXPECT_EQ(get.bytes, 1'000'000u);
  EXPECT_EQ(get.requests, 10u);
  EXPECT_EQ(get.count, 20u);
  EXPECT_EQ(get.start, absl::Milliseconds(1500));
  EXPECT_EQ(get.write_size, 1000u);
  EXPECT_EQ(get.read_size, 16384u);
  const App& slow = s.apps[2];
  EXPECT_EQ(slow.read_rate_bps, 80'000u);
  ASSERT_EQ(slow.read_pauses.size(), 2u);
  EXPECT_EQ(slow.read_pauses[0], (ReadPause{absl::Seconds(5), absl::Seconds(30)}));
  EXPECT_EQ(slow.read_pauses[1], (ReadPause{absl::Seconds(60), absl::Seconds(1)}));
  EXPECT_TRUE(s.apps[3].never_read);
  EXPECT_FALSE(slow.never_read);
  EXPECT_EQ(s.apps[4].close_after, 100'000u);
  EXPECT_EQ(s.apps[5].abort_after, 1'048'576u);
  EXPECT_EQ(s.apps[6].kind, AppKind::kEcho);
  EXPECT_EQ(s.apps[7].listen, 9);
  EXPECT_EQ(s.apps[7].bytes, 1'000'000'000u);
  EXPECT_EQ(s.apps[8].connect, (Endpoint{"s", 9}));
}

TEST(ScenarioParserTest, EventsAndTriggers) {
  Scenario s = MustParse(R"(
host a
host b
link a -- b
app rx sink on b { listen 1 }
app tx bulk on a { connect b:1; bytes 10MB }
at 10s: link a -- b down
at 40s: link b -> a up
at 20s: link a -> b {
  loss 5%
  delay 100ms
}
at 5s: app rx stop_reading
at 35s: app rx resume_reading
at 50s: app tx shutdown
at 51s: app tx close
at 52s: app tx abort
when tx.sent >= 1MB: link a -- b down
when rx.received > 500KB: app rx stop_reading
)");
  ASSERT_EQ(s.events.size(), 10u);
  const Event& e0 = s.events[0];
  EXPECT_EQ(e0.pos, (SourcePos{7, 1}));
  EXPECT_EQ(std::get<absl::Duration>(e0.trigger), absl::Seconds(10));
  EXPECT_EQ(std::get<LinkStateAction>(e0.action), (LinkStateAction{{"a", "b", true}, false}));
  EXPECT_EQ(std::get<LinkStateAction>(s.events[1].action),
            (LinkStateAction{{"b", "a", false}, true}));
  const auto& change = std::get<LinkChangeAction>(s.events[2].action);
  EXPECT_EQ(change.link, (LinkRef{"a", "b", false}));
  EXPECT_EQ(change.params.delay, absl::Milliseconds(100));
  EXPECT_EQ(std::get<RandomLoss>(*change.params.loss).percent, P(5));
  EXPECT_FALSE(change.params.rate_bps.has_value());
  EXPECT_EQ(std::get<AppAction>(s.events[3].action),
            (AppAction{"rx", AppActionKind::kStopReading}));
  EXPECT_EQ(std::get<AppAction>(s.events[4].action).kind, AppActionKind::kResumeReading);
  EXPECT_EQ(std::get<AppAction>(s.events[5].action).kind, AppActionKind::kShutdown);
  EXPECT_EQ(std::get<AppAction>(s.events[6].action).kind, AppActionKind::kClose);
  EXPECT_EQ(std::get<AppAction>(s.events[7].action).kind, AppActionKind::kAbort);
  EXPECT_EQ(std::get<ProgressTrigger>(s.events[8].trigger),
            (ProgressTrigger{"tx", ProgressMetric::kSent, CompareOp::kGe, 1'000'000}));
  EXPECT_EQ(std::get<ProgressTrigger>(s.events[9].trigger),
            (ProgressTrigger{"rx", ProgressMetric::kReceived, CompareOp::kGt, 500'000}));
}

TEST(ScenarioParserTest, Expectations) {
  Scenario s = MustParse(R"(
host a
host b
link a -- b
app rx sink on b { listen 1 }
app tx bulk on a { connect b:1; bytes 10MB }
expect tx.state == ESTABLISHED at 20s
expect tx.state != TIME_WAIT
expect tx.error == timed_out
expect rx.received == 10MB
expect tx.sent >= 1KiB
expect rx.intact
expect rx.intact == false
expect tx.completed
expect tx.completed <= 30s
expect tx.completed > 5s at 1min
expect tx.retransmits <= 50
expect tx.timeouts == 0
expect tx.fast_retransmits < 3
expect tx.zero_window_probes >= 1
expect rx.connections == 1
)");
  ASSERT_EQ(s.expectations.size(), 15u);
  const Expectation& x0 = s.expectations[0];
  EXPECT_EQ(x0.pos, (SourcePos{7, 1}));
  EXPECT_EQ(x0.app, "tx");
  EXPECT_EQ(x0.metric, Metric::kState);
  EXPECT_EQ(x0.op, CompareOp::kEq);
  EXPECT_EQ(std::get<TcpState>(x0.value), TcpState::kEstablished);
  EXPECT_EQ(x0.at, absl::Seconds(20));
  EXPECT_EQ(s.expectations[1].op, CompareOp::kNe);
  EXPECT_EQ(std::get<TcpState>(s.expectations[1].value), TcpState::kTimeWait);
  EXPECT_FALSE(s.expectations[1].at.has_value());
  EXPECT_EQ(std::get<ErrorKind>(s.expectations[2].value), ErrorKind::kTimedOut);
  EXPECT_EQ(std::get<uint64_t>(s.expectations[3].value), 10'000'000u);
  EXPECT_EQ(s.expectations[4].op, CompareOp::kGe);
  EXPECT_EQ(std::get<uint64_t>(s.expectations[4].value), 1024u);
  EXPECT_FALSE(s.expectations[5].op.has_value());
  EXPECT_EQ(s.expectations[5].metric, Metric::kIntact);
  EXPECT_EQ(std::get<bool>(s.expectations[6].value), false);
  EXPECT_FALSE(s.expectations[7].op.has_value());
  EXPECT_EQ(s.expectations[7].metric, Metric::kCompleted);
  EXPECT_EQ(std::get<absl::Duration>(s.expectations[8].value), absl::Seconds(30));
  EXPECT_EQ(s.expectations[9].op, CompareOp::kGt);
  EXPECT_EQ(s.expectations[9].at, absl::Minutes(1));
  EXPECT_EQ(s.expectations[10].metric, Metric::kRetransmits);
  EXPECT_EQ(std::get<uint64_t>(s.expectations[10].value), 50u);
  EXPECT_EQ(s.expectations[11].metric, Metric::kTimeouts);
  EXPECT_EQ(s.expectations[12].metric, Metric::kFastRetransmits);
  EXPECT_EQ(s.expectations[13].metric, Metric::kZeroWindowProbes);
  EXPECT_EQ(s.expectations[14].metric, Metric::kConnections);
}

TEST(ScenarioParserTest, CongestionAndRecoveryMetrics) {
  Scenario s = MustParse(R"(
host a
host b
link a -- b
app rx sink on b { listen 1 }
app tx bulk on a { connect b:1; bytes 10MB }
expect tx.sack_retransmits >= 1
expect tx.fast_recoveries == 2
expect tx.dup_acks > 3
expect tx.sack_blocks != 0
expect rx.keepalive_probes <= 9 at 3h
expect tx.cwnd >= 14600B
expect tx.ssthresh < 64KiB at 2s
expect tx.srtt <= 120ms
)");
  ASSERT_EQ(s.expectations.size(), 8u);
  const Metric kWant[] = {Metric::kSackRetransmits, Metric::kFastRecoveries, Metric::kDupAcks,
                          Metric::kSackBlocks,      Metric::kKeepaliveProbes, Metric::kCwnd,
                          Metric::kSsthresh,        Metric::kSrtt};
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(s.expectations[i].metric, kWant[i]) << i;
  EXPECT_EQ(std::get<uint64_t>(s.expectations[0].value), 1u);
  EXPECT_EQ(std::get<uint64_t>(s.expectations[2].value), 3u);
  EXPECT_EQ(s.expectations[4].at, absl::Hours(3));
  // cwnd and ssthresh are sizes, srtt a duration.
  EXPECT_EQ(std::get<uint64_t>(s.expectations[5].value), 14600u);
  EXPECT_EQ(std::get<uint64_t>(s.expectations[6].value), 65536u);
  EXPECT_EQ(s.expectations[6].op, CompareOp::kLt);
  EXPECT_EQ(std::get<absl::Duration>(s.expectations[7].value), absl::Milliseconds(120));
  // Round trip through the printer.
  const std::string printed = ToString(s);
  EXPECT_THAT(printed, HasSubstr("expect tx.ssthresh < 64KiB at 2s\n"));
  EXPECT_THAT(printed, HasSubstr("expect tx.srtt <= 120ms\n"));
  EXPECT_THAT(printed, HasSubstr("expect tx.dup_acks > 3\n"));
}

TEST(ScenarioParserTest, CongestionMetricValuesAreTyped) {
  EXPECT_THAT(ErrorOf("expect tx.cwnd >= 10\n"), HasSubstr("t.scn:1:19: expected a size"));
  EXPECT_THAT(ErrorOf("expect tx.srtt < 5\n"), HasSubstr("t.scn:1:18: expected a duration"));
  EXPECT_THAT(ErrorOf("expect tx.dup_acks > 3KB\n"),
              HasSubstr("t.scn:1:22: expected a count"));
  EXPECT_EQ(ErrorOf("expect tx.dup_ack > 3\n"),
            "t.scn:1:11: unknown metric \"dup_ack\"; did you mean \"dup_acks\"?");
}

TEST(ScenarioParserTest, DeclarationOrderDoesNotMatter) {
  Scenario s = MustParse(
      "expect tx.completed\n"
      "app tx bulk on a { connect b:1; bytes 1MB }\n"
      "link a -- b\n"
      "host b\nhost a\n");
  EXPECT_EQ(s.apps.size(), 1u);
}

TEST(ScenarioParserTest, SwitchTopology) {
  Scenario s = MustParse(R"(
host server { address 10.0.0.100 }
host client { address 10.0.0.1; count 20 }
switch sw
link client -- sw { delay 1ms }
link server -- sw { delay 1ms; rate 100Mbit/s }
app srv sink on server { listen 80 }
app cli bulk on client { connect server:80; bytes 1MB; count 5 }
)");
  EXPECT_EQ(s.hosts[1].count, 20u);
  EXPECT_EQ(s.links.size(), 2u);
  EXPECT_EQ(s.apps[1].count, 5u);
}

struct BadCase {
  const char* text;
  const char* message;
};

TEST(ScenarioParserTest, ErrorsArePositionedAndSayWhatWasExpected) {
  const BadCase cases[] = {
      // Statements and units.
      {"hots a\n", "t.scn:1:1: unknown statement \"hots\"; did you mean \"host\"?"},
      {"frobnicate\n",
       "t.scn:1:1: unknown statement \"frobnicate\"; expected one of: seed, time_limit, host, "
       "switch, link, app, at, when, expect"},
      {"{\n", "t.scn:1:1: expected a statement (host, link, app, at, expect, ...), got \"{\""},
      {"seed\n", "t.scn:1:5: expected a seed (an integer), got end of line"},
      {"seed -1\n", "t.scn:1:6: expected a seed (an integer) (0 to 18446744073709551615), got \"-1\""},
      {"seed 1\nseed 2\n", "t.scn:2:1: seed given twice (first at 1:1)"},
      {"seed 1 2\n", "t.scn:1:8: expected end of line, got \"2\""},
      {"time_limit 10\n", "t.scn:1:12: expected a duration like 10ms, got \"10\""},
      {"time_limit 1s\ntime_limit 2s", "t.scn:2:1: time_limit given twice (first at 1:1)"},
      // Hosts.
      {"host\n", "t.scn:1:5: expected a host name, got end of line"},
      {"host 1a\n",
       "t.scn:1:6: expected a host name (letters, digits and _, not starting with a digit), got \"1a\""},
      {"host a {\n  adress 10.0.0.1\n}\n",
       "t.scn:2:3: unknown host key \"adress\"; did you mean \"address\"?"},
      {"host a { address 10.0.0.256 }\n",
       "t.scn:1:18: expected an IPv4 address like 10.0.0.1, got \"10.0.0.256\""},
      {"host a {\n  rto_min 10\n}\n", "t.scn:2:11: expected a duration like 10ms, got \"10\""},
      {"host a {\n  mss 1460\n  mss 1400\n}\n", "t.scn:3:3: \"mss\" given twice"},
      {"host a { mss 1460B }\n",
       "t.scn:1:14: expected an MSS in bytes (an integer) (0 to 65535), got \"1460B\""},
      {"host a { send_buffer 64k }\n",
       "t.scn:1:22: expected a size like 1500B, 64KiB or 10MB, got \"64k\""},
      {"host a { sack yes }\n", "t.scn:1:15: expected \"on\" or \"off\", got \"yes\""},
      {"host a { window_scale 15 }\n",
       "t.scn:1:23: expected \"on\", \"off\" or a shift count (0 to 14), got \"15\""},
      {"host a { delayed_ack 40 }\n",
       "t.scn:1:22: expected \"on\", \"off\" or a timeout like 40ms, got \"40\""},
      {"host a { congestion bbr }\n",
       "t.scn:1:21: unknown congestion control \"bbr\"; expected one of: none, reno, newreno, cubic"},
      {"host a { keepalive idle 1s idel 2s }\n",
       "t.scn:1:28: unknown keepalive setting \"idel\"; did you mean \"idle\"?"},
      {"host a { keepalive idle 1s idle 2s }\n", "t.scn:1:28: \"idle\" given twice"},
      {"host a { rto_min 2s; rto_max 1s }\n",
       "t.scn:1:1: host \"a\": rto_min 2s is above rto_max 1s"},
      {"host a { persist_max 1s; persist_min 1min }\n",
       "t.scn:1:1: host \"a\": persist_min 1min is above persist_max 1s"},
      {"host a { count 0 }\n", "t.scn:1:16: expected a host count of at least 1, got \"0\""},
      {"host a {\n  mss 1\n", "t.scn:3:1: expected \"}\" to close the block opened at 1:8, got end of file"},
      {"host a { mss 1 } x\n", "t.scn:1:18: expected end of line, got \"x\""},
      {"host a\nhost a\n", "t.scn:2:6: duplicate name \"a\" (first declared at 1:6)"},
      {"host a\nswitch a\n", "t.scn:2:8: duplicate name \"a\" (first declared at 1:6)"},
      {"host a { address 10.0.0.1 }\nhost b { address 10.0.0.1 }\n",
       "t.scn:2:1: host \"b\" has an address of host \"a\" (declared at 1:1)"},
      {"host a { address 10.0.0.1; count 10 }\nhost b { address 10.0.0.5 }\n",
       "t.scn:2:1: host \"b\" has an address of host \"a\" (declared at 1:1)"},
      {"host a { address 255.255.255.255; count 2 }\n",
       "t.scn:1:1: host \"a\": 2 addresses from 255.255.255.255 run past 255.255.255.255"},
      // Links.
      {"host a\nlink a -- b\n", "t.scn:2:11: no host or switch named \"b\""},
      {"host a\nlink a -- a\n", "t.scn:2:11: a link needs two different ends"},
      {"host a\nhost b\nlink a -> b\n",
       "t.scn:3:8: expected \"--\" (a link joins both directions; use \"a -> b { ... }\" inside "
       "its block for one), got \"->\""},
      {"host a\nhost b\nlink a -- b\nlink b -- a\n",
       "t.scn:4:1: duplicate link between b and a (first at 3:1)"},
      {"host a\nhost b\nlink a -- b { delay 10 }\n",
       "t.scn:3:21: expected a duration like 10ms, got \"10\""},
      {"host a\nhost b\nlink a -- b {\n  lose 1%\n}\n",
       "t.scn:4:3: unknown impairment \"lose\"; did you mean \"loss\"?"},
      {"host a\nhost b\nlink a -- b { loss 1 }\n",
       "t.scn:3:20: expected a percentage from 0% to 100% like 1.5%, got \"1\""},
      {"host a\nhost b\nlink a -- b { loss 101% }\n",
       "t.scn:3:20: expected a percentage from 0% to 100% like 1.5%, got \"101%\""},
      {"host a\nhost b\nlink a -- b { delay 1ms jitter 1ms jitter 2ms }\n",
       "t.scn:3:36: jitter given twice"},
      {"host a\nhost b\nlink a -- b { delay 1ms distribution gauss }\n",
       "t.scn:3:38: unknown distribution \"gauss\"; expected one of: uniform, normal, pareto, "
       "paretonormal"},
      {"host a\nhost b\nlink a -- b { delay 1ms wobble }\n",
       "t.scn:3:25: unknown delay setting \"wobble\"; expected one of: jitter, correlation, "
       "distribution"},
      {"host a\nhost b\nlink a -- b { loss gemodel p 1% x 2% }\n",
       "t.scn:3:33: unknown gemodel parameter \"x\"; expected one of: r, 1-h, 1-k"},
      {"host a\nhost b\nlink a -- b { loss gemodel 1% r 2% r 3% }\n",
       "t.scn:3:36: r given twice"},
      {"host a\nhost b\nlink a -- b { rate 10Mbps }\n",
       "t.scn:3:20: expected a rate like 10Mbit/s or 100KB/s, got \"10Mbps\""},
      {"host a\nhost b\nlink a -- b { rate 0bit/s }\n",
       "t.scn:3:15: rate must be above 0 (leave it out for no limit)"},
      {"host a\nhost b\nlink a -- b { limit 10k }\n",
       "t.scn:3:21: expected a size like 1500B, 64KiB or 10MB, got \"10k\""},
      {"host a\nhost b\nlink a -- b { mtu 20 }\n",
       "t.scn:3:19: expected an MTU of at least 68 bytes, got \"20\""},
      {"host a\nhost b\nhost c\nlink a -- b {\n  a -> c { loss 1% }\n}\n",
       "t.scn:5:3: expected a direction of this link (a -> b or b -> a), got \"a -> c\""},
      {"host a\nhost b\nlink a -- b {\n  a -> b loss 1%\n}\n",
       "t.scn:4:10: expected \"{\", got \"loss\""},
      {"host a\nhost b\nlink a -- b {\n  a -> b {\n    b -> a { }\n  }\n}\n",
       "t.scn:5:5: unknown impairment \"b\"; expected one of: delay, loss, duplicate, reorder, "
       "corrupt, rate, limit, mtu"},
      // Apps.
      {"host a\napp x sinc on a { listen 1 }\n",
       "t.scn:2:7: unknown app kind \"sinc\"; did you mean \"sink\"?"},
      {"host a\napp x sink at a { listen 1 }\n", "t.scn:2:12: expected \"on\", got \"at\""},
      {"app x sink on a { listen 1 }\n", "t.scn:1:15: no host named \"a\""},
      {"switch s\napp x sink on s { listen 1 }\n", "t.scn:2:15: \"s\" is a switch, not a host"},
      {"host a\napp x sink on a\n",
       "t.scn:2:1: app \"x\" (sink) needs \"listen PORT\" or \"connect HOST:PORT\""},
      {"host a\napp x bulk on a { listen 1 }\n", "t.scn:2:1: app \"x\" (bulk) needs \"bytes SIZE\""},
      {"host a\napp x echo on a { connect a:1 }\n",
       "t.scn:2:19: \"connect\" does not apply to a echo app"},
      {"host a\napp x http_get on a { listen 1 }\n",
       "t.scn:2:23: \"listen\" does not apply to a http_get app"},
      {"host a\napp x sink on a { listen 1; bytes 1MB }\n",
       "t.scn:2:29: \"bytes\" does not apply to a sink app"},
      {"host a\napp x sink on a { listen 1; connect a:2 }\n",
       "t.scn:2:29: an app either listens or connects, not both"},
      {"host a\napp x sink on a { listen 1; count 3 }\n",
       "t.scn:2:29: \"count\" applies to connecting apps only"},
      {"host a\napp x sink on a { connect a:1; backlog 3 }\n",
       "t.scn:2:32: \"backlog\" applies to listening apps only"},
      {"host a\napp x sink on a { listen 1; local_port 3 }\n",
       "t.scn:2:29: \"local_port\" applies to connecting apps with a single instance only"},
      {"host a\napp x sink on a { listen 70000 }\n",
       "t.scn:2:26: expected a port number (0 to 65535), got \"70000\""},
      {"host a\napp x sink on a { connect a }\n",
       "t.scn:2:27: expected HOST:PORT like server:80, got \"a\""},
      {"host a\napp x sink on a { connect a:http }\n",
       "t.scn:2:29: expected a port number (0 to 65535), got \"http\""},
      {"host a\napp x sink on a { connect b:1 }\n", "t.scn:2:27: no host named \"b\""},
      {"host a\nhost b { count 2 }\napp x sink on a { connect b:1 }\n",
       "t.scn:3:27: cannot connect to \"b\": it stands for 2 hosts"},
      {"host a { count 2 }\nhost b { count 3 }\nlink a -- b\n",
       "t.scn:3:1: a link may join at most one counted host (a and b both have a count)"},
      {"host a\napp x sink on a {\n  listen 1\n  red_rate 1KB/s\n}\n",
       "t.scn:4:3: unknown app key \"red_rate\"; did you mean \"read_rate\"?"},
      {"host a\napp x sink on a { listen 1; read_pause 5s 30s }\n",
       "t.scn:2:43: expected \"for\", got \"30s\""},
      {"host a\napp x sink on a { listen 1; read_rate 1KB }\n",
       "t.scn:2:39: expected a rate like 10Mbit/s or 100KB/s, got \"1KB\""},
      {"host a\napp x sink on a { listen 1 }\napp x sink on a { listen 2 }\n",
       "t.scn:3:5: duplicate name \"x\" (first declared at 2:5)"},
      // Events.
      {"at 10: app x close\n", "t.scn:1:4: expected a duration like 10ms, got \"10\""},
      {"at 10s app x close\n", "t.scn:1:8: expected \":\", got \"app\""},
      {"at 10s: lnk a -- b down\n",
       "t.scn:1:9: unknown action \"lnk\"; did you mean \"link\"?"},
      {"at 10s: app x close\n", "t.scn:1:13: no app named \"x\""},
      {"host a\napp x sink on a { listen 1 }\nat 1s: app x explode\n",
       "t.scn:3:14: unknown app action \"explode\"; expected one of: shutdown, close, abort, "
       "stop_reading, resume_reading"},
      {"host a\nhost b\nat 1s: link a -- b down\n", "t.scn:3:13: no link between \"a\" and \"b\""},
      {"host a\nhost b\nlink a -- b\nat 1s: link a => b down\n",
       "t.scn:4:15: expected \"--\" (both directions) or \"->\" (one direction), got \"=>\""},
      {"host a\nhost b\nlink a -- b\nat 1s: link a -- b sideways\n",
       "t.scn:4:20: expected \"down\", \"up\" or \"{\" with impairments, got \"sideways\""},
      {"host a\nhost b\nlink a -- b\nat 1s: link a -- b { mtu 1500; jitter 1ms }\n",
       "t.scn:4:32: unknown impairment \"jitter\"; expected one of: delay, loss, duplicate, "
       "reorder, corrupt, rate, limit, mtu"},
      {"when x.sent >= 1MB link a -- b down\n", "t.scn:1:20: expected \":\", got \"link\""},
      {"when x.acked >= 1MB: app x close\n",
       "t.scn:1:8: unknown progress metric \"acked\"; expected one of: sent, received"},
      {"when x.sent => 1MB: app x close\n",
       "t.scn:1:13: expected a comparison (==, !=, <, <=, >, >=), got \"=>\""},
      {"when sent >= 1MB: app x close\n",
       "t.scn:1:6: expected APP.sent or APP.received, got \"sent\""},
      {"when x.sent >= 1000: app x close\n",
       "t.scn:1:16: expected a size like 1500B, 64KiB or 10MB, got \"1000\""},
      // Expectations.
      {"expect x.stat == CLOSED\n", "t.scn:1:10: unknown metric \"stat\"; did you mean \"state\"?"},
      {"expect x.state == OPEN\n",
       "t.scn:1:19: unknown TCP state \"OPEN\"; expected one of: CLOSED, LISTEN, SYN_SENT, "
       "SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, "
       "TIME_WAIT"},
      {"expect x.state < CLOSED\n", "t.scn:1:16: state can only be compared with == or !="},
      {"expect x.error == timeout\n",
       "t.scn:1:19: unknown error kind \"timeout\"; did you mean \"timed_out\"?"},
      {"expect x.state\n", "t.scn:1:15: expected a comparison after state, got end of line"},
      {"expect x.received == 10\n",
       "t.scn:1:22: expected a size like 1500B, 64KiB or 10MB, got \"10\""},
      {"expect x.intact == yes\n", "t.scn:1:20: expected true or false, got \"yes\""},
      {"expect x.completed <= 30\n", "t.scn:1:23: expected a duration like 10ms, got \"30\""},
      {"expect x.retransmits <= many\n",
       "t.scn:1:25: expected a count (an integer) (0 to 18446744073709551615), got \"many\""},
      {"expect x.intact at 10\n", "t.scn:1:20: expected a duration like 10ms, got \"10\""},
      {"expect x.intact\n", "t.scn:1:8: no app named \"x\""},
      {"expect .state == CLOSED\n", "t.scn:1:8: expected APP.METRIC like client.state, got \".state\""},
      // Odd bytes.
      {"host a\x01 b\n",
       "t.scn:1:6: expected a host name (letters, digits and _, not starting with a digit), got "
       "\"a\\x01\""},
      {"}\n", "t.scn:1:1: expected a statement (host, link, app, at, expect, ...), got \"}\""},
  };
  for (const BadCase& c : cases) {
    EXPECT_EQ(ErrorOf(c.text), c.message) << "input:\n" << c.text;
  }
}

TEST(ScenarioParserTest, UnknownKeysAreNeverIgnored) {
  // Every block kind rejects a key it does not know.
  EXPECT_THAT(ErrorOf("host a { colour red }"), HasSubstr("unknown host key \"colour\""));
  EXPECT_THAT(ErrorOf(std::string(kTwoHosts) + "link a -- b { colour red }"),
              HasSubstr("unknown impairment \"colour\""));
  EXPECT_THAT(ErrorOf("host a\napp x sink on a { colour red }"),
              HasSubstr("unknown app key \"colour\""));
}

TEST(ScenarioParserTest, PrinterRoundTrips) {
  const char* text = R"(
seed 3
time_limit 90s
host c { address 10.0.0.1; count 3; mss 1000; window_scale 4; delayed_ack 10ms; keepalive idle 1min; isn_secret 255 }
host s { address 10.0.1.1; window_scale on; delayed_ack off; keepalive on; congestion newreno }
switch sw
link c -- sw { delay 1ms jitter 100us correlation 5% distribution pareto; loss 0.25% 50%; duplicate 1%; reorder 10% gap 3; corrupt 0.5% 1%; rate 1Gbit/s; limit 1000; mtu 9000 }
link s -- sw {
  s -> sw { loss gemodel p 1% r 2% 1-h 3% 1-k 4%; limit 1MiB }
}
app web http_server on s { listen 80; backlog 10 }
app get http_get on c { connect s:80; bytes 100KB; requests 3; count 2; start 1s; read_rate 1Mbit/s; read_pause 1s for 2s; never_read; close_after 1MB; abort_after 2MB; write_size 1KB; read_size 2KB }
at 1s: link c -- sw down
at 2s: link sw -> c up
at 3s: link s -> sw { delay 20ms }
at 4s: app get abort
when get.received >= 10KB: app web close
expect get.state == CLOSED at 10s
expect get.completed
expect get.completed <= 1min
expect get.received == 300KB
expect web.intact == true
expect get.error != reset
expect get.retransmits < 10
expect get.dup_acks >= 1
expect get.cwnd > 10KB
expect get.srtt < 1s at 5s
)";
  Scenario s = MustParse(text);
  std::string printed = ToString(s);
  Scenario again = MustParse(printed);
  EXPECT_EQ(ToString(again), printed);
  // Positions differ; everything else must match.
  auto strip = [](Scenario x) {
    for (Host& h : x.hosts) h.pos = {};
    for (Switch& w : x.switches) w.pos = {};
    for (Link& l : x.links) l.pos = {};
    for (App& a : x.apps) a.pos = {};
    for (Event& e : x.events) e.pos = {};
    for (Expectation& e : x.expectations) e.pos = {};
    return x;
  };
  EXPECT_TRUE(strip(s) == strip(again)) << printed;
  EXPECT_THAT(printed, HasSubstr("link s -- sw {\n  s -> sw {\n    loss gemodel p 1% r 2% 1-h 3% 1-k 4%\n    limit 1MiB\n  }\n}\n"));
  EXPECT_THAT(printed, HasSubstr("when get.received >= 10KB: app web close\n"));
}

TEST(ScenarioParserTest, HostileInputsDoNotCrash) {
  std::string deep(100000, '{');
  EXPECT_NE(ErrorOf(deep), "(parsed)");
  std::string many_hosts;
  for (int i = 0; i < 5000; ++i) many_hosts += "host h" + std::to_string(i) + "\n";
  EXPECT_EQ(MustParse(many_hosts).hosts.size(), 5000u);
  std::string long_word(1 << 16, 'x');
  EXPECT_THAT(ErrorOf(long_word), HasSubstr("unknown statement"));
  EXPECT_NE(ErrorOf("host a {" + std::string(100000, '\n')), "(parsed)");
  for (absl::string_view s : {"", "\n\n;;;\n", "#\n#"}) EXPECT_TRUE(ParseScenario(s, "x").ok());
}

std::string ReadTestdata(const std::string& name) {
  std::string path = std::string(getenv("TEST_SRCDIR")) + "/tcplab/scenarios/lang/testdata/" + name;
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ScenarioParserTest, ExampleFilesParse) {
  for (const char* name :
       {"bulk_loss_jitter.scn", "slow_reader_pause.scn", "link_dies_after_1mb.scn"}) {
    std::string text = ReadTestdata(name);
    ASSERT_FALSE(text.empty()) << name;
    auto s = ParseScenario(text, name);
    ASSERT_TRUE(s.ok()) << s.status();
    auto again = ParseScenario(ToString(*s), name);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(ToString(*again), ToString(*s));
  }
  Scenario dies = *ParseScenario(ReadTestdata("link_dies_after_1mb.scn"), "x");
  ASSERT_EQ(dies.events.size(), 1u);
  EXPECT_EQ(std::get<ProgressTrigger>(dies.events[0].trigger).bytes, 1'000'000u);
  EXPECT_EQ(std::get<LinkStateAction>(dies.events[0].action),
            (LinkStateAction{{"a", "sw", true}, false}));
}

}  // namespace
}  // namespace tcplab::scenario
