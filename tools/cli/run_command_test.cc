// `tcplab run` and `tcplab sweep`: exit codes, output, sharding, replay lines.

#include "tools/cli/run_command.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace tcplab::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string TmpDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d ? d : "/tmp";
}

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = absl::StrCat(TmpDir(), "/", name);
  std::ofstream(path) << text;
  return path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Captured {
  int code;
  std::string out;
  std::string err;
};

template <typename F>
Captured Capture(F f) {
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  Captured c;
  c.code = f(out, err);
  for (auto [file, s] : {std::pair{out, &c.out}, std::pair{err, &c.err}}) {
    std::rewind(file);
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, file)) > 0) s->append(buf, n);
    std::fclose(file);
  }
  return c;
}

// Passes for most seeds, fails for some: 20% loss with a short retry budget.
constexpr char kFlaky[] = R"(# flaky on purpose
seed 1
host a { address 10.0.0.1; syn_retries 1; data_retries 1; rto_initial 200ms }
host b { address 10.0.0.2 }
link a -- b { delay 1ms; loss 20% }
app rx sink on b { listen 80 }
app tx bulk on a { connect b:80; bytes 20KB }
expect tx.error == none
)";

TEST(RunCommandTest, PassFailAndUsageExitCodes) {
  RunFlags f;
  f.file = WriteFile("ok.scn", R"(# ok
host a { address 10.0.0.1 }
host b { address 10.0.0.2 }
link a -- b { delay 1ms }
app rx sink on b { listen 80 }
app tx bulk on a { connect b:80; bytes 10KB }
expect rx.received == 10KB
)");
  Captured ok = Capture([&](std::FILE* o, std::FILE* e) { return RunCommand(f, o, e); });
  EXPECT_EQ(ok.code, 0) << ok.out << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("result: PASS"));
  // The summary: congestion control, options, RTT, retransmissions by
  // cause, recovery counters, probes; stack counters.
  EXPECT_THAT(ok.out, HasSubstr("\n    cubic (open), cwnd "));
  EXPECT_THAT(ok.out, HasSubstr("; mss 1448, sack on, ts on, wscale snd "));
  EXPECT_THAT(ok.out, HasSubstr("\n    srtt "));
  EXPECT_THAT(ok.out, HasSubstr("\n    retransmits 0 (timeout 0, fast 0, sack 0, recovery 0), "
                                "timeouts 0, fast recoveries 0\n"));
  EXPECT_THAT(ok.out, HasSubstr("\n    dup acks 0, sack blocks 0, delayed acks "));
  EXPECT_THAT(ok.out, HasSubstr(", zero-window probes 0, keepalive probes 0\n"));
  EXPECT_THAT(ok.out, HasSubstr("stacks:\n  a: challenge acks 0 (0 suppressed), paws drops 0\n"));

  f.file = WriteFile("bad.scn", "# bad\nhost a { adress 1.2.3.4 }\n");
  Captured bad = Capture([&](std::FILE* o, std::FILE* e) { return RunCommand(f, o, e); });
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("bad.scn:2:10:"));

  // A value the engine cannot take: exit 2, positioned at the host.
  f.file = WriteFile("mss0.scn", "# mss 0\nhost a { address 10.0.0.1; mss 0 }\n");
  Captured mss0 = Capture([&](std::FILE* o, std::FILE* e) { return RunCommand(f, o, e); });
  EXPECT_EQ(mss0.code, 2);
  EXPECT_THAT(mss0.err, HasSubstr("mss0.scn:2:1: host a: mss 0"));

  f.file = absl::StrCat(TmpDir(), "/missing.scn");
  EXPECT_EQ(Capture([&](std::FILE* o, std::FILE* e) { return RunCommand(f, o, e); }).code, 2);
}

TEST(RunCommandTest, SameSeedSameTextAndPcapAndAFailurePrintsItsReplay) {
  RunFlags f;
  f.file = WriteFile("flaky.scn", kFlaky);
  // Find a failing seed with the sweep, then replay it twice.
  setenv("TEST_TOTAL_SHARDS", "1", 1);
  setenv("TEST_SHARD_INDEX", "0", 1);
  f.seeds = "0..39";
  Captured sweep = Capture([&](std::FILE* o, std::FILE* e) { return SweepCommand(f, o, e); });
  ASSERT_EQ(sweep.code, 1) << sweep.out;
  const size_t at = sweep.out.find("FAIL seed ");
  ASSERT_NE(at, std::string::npos);
  const std::string seed = sweep.out.substr(at + 10, sweep.out.find(':', at) - at - 10);
  EXPECT_THAT(sweep.out, HasSubstr(absl::StrCat("replay: tcplab run ", f.file, " --seed ", seed)));
  EXPECT_THAT(sweep.out, HasSubstr("expect tx.error == none"));

  f.seed = seed;
  f.pcap = absl::StrCat(TmpDir(), "/a.pcap");
  Captured a = Capture([&](std::FILE* o, std::FILE* e) { return RunCommand(f, o, e); });
  const std::string pcap_a = ReadFile(f.pcap);
  f.pcap = absl::StrCat(TmpDir(), "/b.pcap");
  Captured b = Capture([&](std::FILE* o, std::FILE* e) { return RunCommand(f, o, e); });
  const std::string pcap_b = ReadFile(f.pcap);
  EXPECT_EQ(a.code, 1);
  EXPECT_EQ(a.out, b.out);
  EXPECT_GT(pcap_a.size(), 100u);
  EXPECT_EQ(pcap_a, pcap_b);
  EXPECT_THAT(a.out, HasSubstr(absl::StrCat("replay: tcplab run ", f.file, " --seed ", seed)));
  unsetenv("TEST_TOTAL_SHARDS");
  unsetenv("TEST_SHARD_INDEX");
}

TEST(RunCommandTest, SweepRunsOnlyItsShardAndTouchesTheStatusFile) {
  RunFlags f;
  f.file = WriteFile("flaky2.scn", kFlaky);
  f.seeds = "10..29";
  const std::string status = absl::StrCat(TmpDir(), "/shard_status");
  std::remove(status.c_str());
  setenv("TEST_TOTAL_SHARDS", "3", 1);
  setenv("TEST_SHARD_INDEX", "1", 1);
  setenv("TEST_SHARD_STATUS_FILE", status.c_str(), 1);
  Captured c = Capture([&](std::FILE* o, std::FILE* e) { return SweepCommand(f, o, e); });
  // Seeds 11, 14, ..., 29: 7 runs.
  EXPECT_THAT(c.out, HasSubstr("seeds 10..29, shard 1 of 3: 7 runs"));
  EXPECT_TRUE(std::ifstream(status).good());
  // Every failing seed printed is one of this shard's.
  size_t pos = 0;
  while ((pos = c.out.find("FAIL seed ", pos)) != std::string::npos) {
    const int seed = std::atoi(c.out.c_str() + pos + 10);
    EXPECT_EQ((seed - 10) % 3, 1) << seed;
    ++pos;
  }
  unsetenv("TEST_TOTAL_SHARDS");
  unsetenv("TEST_SHARD_INDEX");
  unsetenv("TEST_SHARD_STATUS_FILE");

  f.seeds = "5..2";
  EXPECT_EQ(Capture([&](std::FILE* o, std::FILE* e) { return SweepCommand(f, o, e); }).code, 2);
}

TEST(RunCommandTest, PacketScriptsGoToThePktExecutor) {
  RunFlags f;
  f.file = WriteFile("x.pkt", "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n");
  Captured c = Capture([&](std::FILE* o, std::FILE* e) { return RunCommand(f, o, e); });
  // Whatever the executor decides, it is its report, not a scenario's.
  EXPECT_THAT(c.out + c.err, Not(HasSubstr("expected")));
  EXPECT_THAT(c.out + c.err, Not(HasSubstr("timeline")));
}

// A passive open whose SYN-ACK is expected with a window and a time that
// the engine does not give: each passes only with its flag.
TEST(RunCommandTest, PacketScriptComparisonFlags) {
  const std::string script = R"(--remote_port=40000
0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0   bind(3, ..., ...) = 0
+0   listen(3, 1) = 0
+0   < S 0:0(0) win 65535 <mss 1460>
+.01 > S. 0:0(0) ack 1 win 1000 <mss 1460>
)";
  RunFlags f;
  f.file = WriteFile("flags.pkt", script);
  auto run = [&f] {
    return Capture([&](std::FILE* o, std::FILE* e) { return RunCommand(f, o, e); });
  };
  Captured c = run();
  EXPECT_EQ(c.code, 1);
  EXPECT_THAT(c.out, HasSubstr("window differs, sent 0.01s early"));
  EXPECT_THAT(c.out, HasSubstr(absl::StrCat("replay: tcplab run ", f.file, "\n")));
  f.ignore_window = true;
  c = run();
  EXPECT_EQ(c.code, 1);
  EXPECT_THAT(c.out, HasSubstr(": sent 0.01s early"));
  // The replay line repeats the comparison flags.
  EXPECT_THAT(c.out, HasSubstr(absl::StrCat("replay: tcplab run ", f.file, " --ignore_window\n")));
  f.tolerance = "20ms";
  EXPECT_EQ(run().code, 0);
  f.tolerance = "20";
  c = run();
  EXPECT_EQ(c.code, 2);
  EXPECT_THAT(c.err, HasSubstr("tcplab run: --tolerance 20: "));

  RunFlags scn;
  scn.file = WriteFile("flags.scn", "# x\nhost a { address 10.0.0.1 }\n");
  scn.ignore_timestamp_values = true;
  c = Capture([&](std::FILE* o, std::FILE* e) { return RunCommand(scn, o, e); });
  EXPECT_EQ(c.code, 2);
  EXPECT_THAT(c.err, HasSubstr("apply to packet scripts (.pkt) only"));
}

}  // namespace
}  // namespace tcplab::cli
