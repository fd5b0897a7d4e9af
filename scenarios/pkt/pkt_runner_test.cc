#include "scenarios/pkt/pkt_runner.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scenarios/lang/packet_script_parser.h"
#include "tcp/wire/ipv4_address.h"
#include "tcp/wire/packet.h"

namespace tcplab::scenario {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

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
  EXPECT_THAT(r.report,
              HasSubstr("t.pkt:8:1: ok `> S. 0:0(0) ack 1 win 65535 <mss 1460>` at 0s\n"));
  EXPECT_THAT(r.report, HasSubstr("t.pkt:10:1: ok `accept(3, ..., ...) = 4` at 0.1s\n"));
}

// The passive-open script every negative test changes in one place.
constexpr char kPassive[] = R"(--remote_port=40000
0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0  bind(3, ..., ...) = 0
+0  listen(3, 1) = 0
+0  < S 0:0(0) win 65535 <mss 1460,sackOK,nop,nop,nop,wscale 7>
+0  > S. 0:0(0) ack 1 win 65535 <mss 1460>
+.1 < . 1:1(0) ack 1 win 65535
+0  accept(3, ..., ...) = 4
+0  < P. 1:11(10) ack 1 win 65535
+0  > . 1:1(0) ack 11 win 65525
+0  read(4, ..., 100) = 10
)";

// kPassive with the first occurrence of `from` replaced by `to`.
std::string Mutate(absl::string_view from, absl::string_view to) {
  std::string s = kPassive;
  size_t at = s.find(std::string(from));
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), std::string(to));
  return s;
}

std::vector<std::string> Messages(const PktRunResult& r) {
  std::vector<std::string> out;
  for (const PktMismatch& m : r.mismatches) out.push_back(m.message);
  return out;
}

TEST(PktRunnerTest, BaseScriptPasses) {
  PktRunResult r = RunText(kPassive);
  EXPECT_TRUE(r.passed) << r.report;
  EXPECT_TRUE(r.mismatches.empty());
}

TEST(PktRunnerTest, WrongFlagsAreCaught) {
  PktRunResult r = RunText(Mutate("> S. 0:0(0)", "> . 0:0(0)"));
  EXPECT_FALSE(r.passed);
  EXPECT_THAT(Messages(r),
              ElementsAre("t.pkt:6:1: expected `> . 0:0(0) ack 1 win 65535 <mss 1460>` at 0s, got "
                          "`> S. 0:0(0) ack 1 win 65535 <mss 1460>` at 0s: flags differ"));
}

TEST(PktRunnerTest, WrongSeqAckAndLengthAreCaught) {
  EXPECT_THAT(Messages(RunText(Mutate("> S. 0:0(0) ack 1", "> S. 5:5(0) ack 1"))),
              ElementsAre(HasSubstr(": seq differs")));
  EXPECT_THAT(Messages(RunText(Mutate("> S. 0:0(0) ack 1", "> S. 0:0(0) ack 2"))),
              ElementsAre(HasSubstr(": ack differs")));
  EXPECT_THAT(Messages(RunText(Mutate("> . 1:1(0) ack 11", "> . 1:2(1) ack 12"))),
              ElementsAre(HasSubstr(": payload length differs, ack differs")));
}

TEST(PktRunnerTest, WrongWindowIsCaughtUnlessIgnored) {
  std::string text = Mutate("ack 1 win 65535 <mss 1460>", "ack 1 win 29200 <mss 1460>");
  EXPECT_THAT(Messages(RunText(text)),
              ElementsAre("t.pkt:6:1: expected `> S. 0:0(0) ack 1 win 29200 <mss 1460>` at 0s, "
                          "got `> S. 0:0(0) ack 1 win 65535 <mss 1460>` at 0s: window differs"));
  PktRunOptions ignore;
  ignore.ignore_window = true;
  EXPECT_TRUE(RunText(text, ignore).passed);
}

TEST(PktRunnerTest, WrongOptionsAreCaught) {
  EXPECT_THAT(
      Messages(
          RunText(Mutate("ack 1 win 65535 <mss 1460>", "ack 1 win 65535 <mss 1460,nop,wscale 7>"))),
      ElementsAre("t.pkt:6:1: expected `> S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 7>` at "
                  "0s, got `> S. 0:0(0) ack 1 win 65535 <mss 1460>` at 0s: options differ"));
  EXPECT_THAT(Messages(RunText(Mutate("<mss 1460>", "<mss 536>"))),
              ElementsAre(HasSubstr(": options differ")));
  // No list at all means no options.
  EXPECT_THAT(Messages(RunText(Mutate(" <mss 1460>", ""))),
              ElementsAre(HasSubstr(": options differ")));
  // Options on a segment that carries none.
  EXPECT_THAT(Messages(RunText(Mutate("ack 11 win 65525", "ack 11 win 65525 <nop,nop>"))),
              ElementsAre(HasSubstr(": options differ")));
  // <...> does not look.
  EXPECT_TRUE(RunText(Mutate("<mss 1460>", "<...>")).passed);
}

TEST(PktRunnerTest, WrongTimingIsCaught) {
  // Expected 50 ms after the SYN, sent at once.
  EXPECT_THAT(Messages(RunText(Mutate("+0  > S.", "+.05  > S."))),
              ElementsAre(HasSubstr("at 0.05s, got `> S. 0:0(0) ack 1 win 65535 <mss 1460>` at "
                                    "0s: sent 0.05s early (tolerance 0.004s)")));
  // Within the tolerance, and with a wider one, it passes.
  EXPECT_TRUE(RunText(Mutate("+0  > S.", "+.004  > S.")).passed);
  PktRunOptions wide;
  wide.tolerance_override = absl::Milliseconds(60);
  EXPECT_TRUE(RunText(Mutate("+0  > S.", "+.05  > S."), wide).passed);
  // `*` takes any time.
  EXPECT_TRUE(RunText(Mutate("+0  > S.", "*  > S.")).passed);
}

constexpr char kSynRetransmit[] = R"(--remote_port=40000
--rto_initial=1s
0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0  fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0  connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0  > S 0:0(0) win 65535 <mss 1460>
%s  > S 0:0(0) win 65535 <mss 1460>
)";

TEST(PktRunnerTest, RetransmissionTimingIsChecked) {
  EXPECT_TRUE(RunText(absl::StrFormat(kSynRetransmit, "+1")).passed);
  EXPECT_TRUE(RunText(absl::StrFormat(kSynRetransmit, "1.003")).passed);
  // Expected too late: the retransmission at 1 s is early.
  EXPECT_THAT(Messages(RunText(absl::StrFormat(kSynRetransmit, "+2"))),
              ElementsAre("t.pkt:7:1: expected `> S 0:0(0) win 65535 <mss 1460>` at 2s, got "
                          "`> S 0:0(0) win 65535 <mss 1460>` at 1s: sent 1s early (tolerance "
                          "0.004s)"));
  // Expected too early: nothing by then; the late one is then extra.
  EXPECT_THAT(Messages(RunText(absl::StrFormat(kSynRetransmit, "+.5"))),
              ElementsAre("t.pkt:7:1: expected `> S 0:0(0) win 65535 <mss 1460>` at 0.5s, but "
                          "the stack sent nothing by 0.504s"));
  // `*` waits for it, and the next relative time counts from when it came.
  std::string any =
      absl::StrCat(absl::StrFormat(kSynRetransmit, "*"), "+2  > S 0:0(0) win 65535 <mss 1460>\n");
  PktRunResult r = RunText(any);
  EXPECT_TRUE(r.passed) << r.report;
  EXPECT_THAT(r.report, HasSubstr("t.pkt:8:1: ok `> S 0:0(0) win 65535 <mss 1460>` at 3s"));
}

TEST(PktRunnerTest, RelativeTimesFollowTheRealSendTime) {
  // The retransmitted SYN is expected 3 ms early (within tolerance) and goes
  // at 1 s; the next step's +0.003 counts from 1 s, not from 0.997 s.
  PktRunResult r = RunText(absl::StrCat(absl::StrFormat(kSynRetransmit, "+.997"),
                                        "+.003 < S. 0:0(0) ack 1 win 65535 <mss 1460>\n"
                                        "+0 > . 1:1(0) ack 1 win 65535\n"));
  EXPECT_TRUE(r.passed) << r.report;
  EXPECT_THAT(r.report, HasSubstr("t.pkt:8:1: ok `< S. 0:0(0) ack 1 win 65535 <mss 1460>` at "
                                  "1.003s"));
}

TEST(PktRunnerTest, MissingSegmentIsCaught) {
  PktRunResult r = RunText(absl::StrCat(kPassive, "+0  > P. 1:11(10) ack 11\n"));
  EXPECT_THAT(Messages(r), ElementsAre("t.pkt:12:1: expected `> P. 1:11(10) ack 11` at 0.1s, "
                                       "but the stack sent nothing by 0.104s"));
}

TEST(PktRunnerTest, ExtraSegmentIsCaughtBeforeInputsCallsAndAtTheEnd) {
  // Without the SYN-ACK line, it is extra when the next segment is injected.
  EXPECT_THAT(Messages(RunText(Mutate("+0  > S. 0:0(0) ack 1 win 65535 <mss 1460>\n", ""))),
              ElementsAre("t.pkt:6:1: the stack sent `> S. 0:0(0) ack 1 win 65535 <mss 1460>` "
                          "at 0s, which the script does not expect (extra segment)"));
  // ... before a call.
  EXPECT_THAT(Messages(RunText(Mutate("+0  > . 1:1(0) ack 11 win 65525\n", ""))),
              ElementsAre("t.pkt:10:1: the stack sent `> . 1:1(0) ack 11 win 65525` at 0.1s, "
                          "which the script does not expect (extra segment)"));
  // ... and at the end of the script.
  PktRunResult r = RunText(absl::StrCat(kPassive, "+0  write(4, ..., 5) = 5\n"));
  EXPECT_THAT(Messages(r), ElementsAre("t.pkt: end of script: the stack sent "
                                       "`> P. 1:6(5) ack 11 win 65525` at 0.1s, which the script "
                                       "does not expect (extra segment)"));
  EXPECT_EQ(r.mismatches[0].pos, SourcePos{});
}

TEST(PktRunnerTest, WrongCallResultsAreCaught) {
  EXPECT_THAT(Messages(RunText(Mutate("accept(3, ..., ...) = 4", "accept(3, ..., ...) = 5"))),
              ElementsAre("t.pkt:8:1: expected `accept(3, ..., ...) = 5`, got 4 at 0.1s: "
                          "result differs"));
  EXPECT_THAT(Messages(RunText(Mutate("read(4, ..., 100) = 10", "read(4, ..., 100) = 11"))),
              ElementsAre(HasSubstr("got 10 at 0.1s: result differs")));
  EXPECT_THAT(Messages(RunText(Mutate("socket(..., SOCK_STREAM, IPPROTO_TCP) = 3",
                                      "socket(..., SOCK_STREAM, IPPROTO_TCP) = 4"))),
              Contains(HasSubstr("t.pkt:2:1: expected `socket(..., SOCK_STREAM, IPPROTO_TCP) = 4`, "
                                 "got 3 at 0s: result differs")));
}

TEST(PktRunnerTest, WrongErrnoIsCaught) {
  std::string text = absl::StrCat(kPassive, R"(+0  < R. 11:11(0) ack 1 win 0
+0  read(4, ..., 100) = -1 ETIMEDOUT (Connection timed out)
)");
  EXPECT_THAT(Messages(RunText(text)),
              ElementsAre("t.pkt:13:1: expected `read(4, ..., 100) = -1 ETIMEDOUT (Connection "
                          "timed out)`, got -1 ECONNRESET (connection reset by peer in "
                          "ESTABLISHED) at 0.1s: result differs"));
  // A success where an error was expected, and an error where success was.
  EXPECT_THAT(Messages(RunText(Mutate("read(4, ..., 100) = 10", "read(4, ..., 100) = -1 EAGAIN"))),
              ElementsAre(HasSubstr("got 10 at 0.1s: result differs")));
  EXPECT_THAT(Messages(RunText(Mutate("accept(3, ..., ...) = 4\n",
                                      "accept(3, ..., ...) = 4\n+0 close(4) = 0\n"
                                      "+0 > R 1:1(0) win 0\n"))),
              Contains(HasSubstr("read(4, ..., 100) = 10`, got -1 EBADF")));
}

TEST(PktRunnerTest, ContinuesAfterMismatchesUnlessAskedToStop) {
  std::string text = Mutate("ack 1 win 65535 <mss 1460>", "ack 1 win 1 <mss 1460>");
  text = absl::StrReplaceAll(text, {{"read(4, ..., 100) = 10", "read(4, ..., 100) = 9"}});
  EXPECT_EQ(RunText(text).mismatches.size(), 2u);
  PktRunOptions stop;
  stop.stop_at_first_mismatch = true;
  PktRunResult r = RunText(text, stop);
  EXPECT_FALSE(r.passed);
  ASSERT_EQ(r.mismatches.size(), 1u);
  EXPECT_EQ(r.mismatches[0].pos.line, 6);
  EXPECT_THAT(r.report, Not(HasSubstr("t.pkt:7:1")));
}

TEST(PktRunnerTest, RecordsEveryPacketWithItsTime) {
  PktRunResult r = RunText(kPassive);
  // SYN, SYN-ACK, ACK, data, ACK.
  ASSERT_EQ(r.packets.size(), 5u);
  EXPECT_EQ(r.packets[0].first, Instant::Zero());
  EXPECT_EQ(r.packets[1].first, Instant::Zero());
  EXPECT_EQ(r.packets[2].first, Instant::Zero() + absl::Milliseconds(100));
  EXPECT_EQ(r.packets[4].first, Instant::Zero() + absl::Milliseconds(100));
  wire::Packet syn_ack;
  ASSERT_EQ(wire::ParsePacket(r.packets[1].second, &syn_ack), wire::ParseError::kOk);
  EXPECT_EQ(syn_ack.ip.src, wire::Ipv4Address(192, 168, 0, 1));
  EXPECT_EQ(syn_ack.ip.dst, wire::Ipv4Address(192, 0, 2, 1));
  EXPECT_EQ(syn_ack.tcp.src_port, 8080);
  EXPECT_EQ(syn_ack.tcp.dst_port, 40000);
  wire::Packet syn;
  ASSERT_EQ(wire::ParsePacket(r.packets[0].second, &syn), wire::ParseError::kOk);
  EXPECT_EQ(syn.tcp.seq.raw(), 0u);
  EXPECT_EQ(syn_ack.tcp.ack.raw(), 1u);
}

TEST(PktRunnerTest, RemoteIsnOffsetsThePeersNumbers) {
  std::string text = absl::StrCat("--remote_isn=4294967000\n", kPassive);
  PktRunResult r = RunText(text);
  EXPECT_TRUE(r.passed) << r.report;
  wire::Packet syn;
  ASSERT_EQ(wire::ParsePacket(r.packets[0].second, &syn), wire::ParseError::kOk);
  EXPECT_EQ(syn.tcp.seq.raw(), 4294967000u);
  wire::Packet data;  // 1:11 wraps past 2^32
  ASSERT_EQ(wire::ParsePacket(r.packets[3].second, &data), wire::ParseError::kOk);
  EXPECT_EQ(data.tcp.seq.raw(), 4294967001u);
}

TEST(PktRunnerTest, ActiveOpenRefused) {
  PktRunResult r = RunText(R"(--remote_port=40000
0        socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
0...0.1  connect(3, ..., ...) = -1 ECONNREFUSED (Connection refused)
0        > S 0:0(0) win 65535 <mss 1460>
+.1      < R. 0:0(0) ack 1 win 0
+0       read(3, ..., 10) = 0
)");
  EXPECT_TRUE(r.passed) << r.report;
  // The same, non-blocking: EINPROGRESS, then SO_ERROR tells.
  r = RunText(R"(--remote_port=40000
0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0   fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0   connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0   > S 0:0(0) win 65535 <mss 1460>
+.1  < R. 0:0(0) ack 1 win 0
+0   getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0
+0   getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
)");
  EXPECT_TRUE(r.passed) << r.report;
}

TEST(PktRunnerTest, SoErrorMismatchIsCaught) {
  PktRunResult r = RunText(R"(--remote_port=40000
0    socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0   fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0   connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0   > S 0:0(0) win 65535 <mss 1460>
+.1  < R. 0:0(0) ack 1 win 0
+0   getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
)");
  EXPECT_THAT(Messages(r), ElementsAre("t.pkt:7:1: expected `getsockopt(3, SOL_SOCKET, SO_ERROR, "
                                       "[0], [4]) = 0`, got SO_ERROR ECONNREFUSED: value "
                                       "differs"));
}

TEST(PktRunnerTest, BlockingCallReturnTimeIsChecked) {
  constexpr char kConnect[] = R"(--remote_port=40000
0        socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
%s  connect(3, ..., ...) = 0
0        > S 0:0(0) <mss 1460>
+.1      < S. 0:0(0) ack 1 win 65535 <mss 1460>
+0       > . 1:1(0) ack 1
)";
  EXPECT_TRUE(RunText(absl::StrFormat(kConnect, "0...0.1")).passed);
  EXPECT_TRUE(RunText(absl::StrFormat(kConnect, "0...+.1")).passed);
  EXPECT_TRUE(RunText(absl::StrFormat(kConnect, "*")).passed);
  EXPECT_THAT(Messages(RunText(absl::StrFormat(kConnect, "0...0.3"))),
              ElementsAre("t.pkt:3:1: expected `connect(3, ..., ...) = 0`, got 0 at 0.1s: "
                          "returned at 0.1s, expected at 0.3s (tolerance 0.004s)"));
  // Without an end time a call must not block.
  EXPECT_THAT(Messages(RunText(absl::StrFormat(kConnect, "0"))),
              ElementsAre(HasSubstr("returned at 0.1s, expected at 0s")));
}

TEST(PktRunnerTest, CallStillBlockedIsCaught) {
  // The read never gets data: reported when the next call comes ...
  EXPECT_THAT(Messages(RunText(absl::StrCat(kPassive,
                                            "+0...1 read(4, ..., 10) = 10\n"
                                            "+.5 close(4) = 0\n"
                                            "+0 > F. 1:1(0) ack 11 win 65525\n"))),
              ElementsAre("t.pkt:12:1: expected `read(4, ..., 10) = 10`, but the call was still "
                          "blocked at 0.6s when the next call came"));
  // ... or at the end, after waiting for its return time.
  EXPECT_THAT(Messages(RunText(absl::StrCat(kPassive, "+0...1 read(4, ..., 10) = 10\n"))),
              ElementsAre("t.pkt:12:1: expected `read(4, ..., 10) = 10`, but the call was still "
                          "blocked at the end (0.1s)"));
}

TEST(PktRunnerTest, CallErrorsMapToErrnoNames) {
  PktRunResult r = RunText(R"(--remote_port=40000
0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0  socket(..., SOCK_STREAM, IPPROTO_TCP) = 4
+0  listen(3, 1) = 0
+0  listen(4, 1) = -1 EADDRINUSE (Address already in use)
+0  read(9, ..., 10) = -1 EBADF (Bad file descriptor)
+0  read(4, ..., 10) = -1 ENOTCONN (Transport endpoint is not connected)
+0  accept(4, ..., ...) = -1 EINVAL (Invalid argument)
+0  close(4) = 0
+0  close(4) = -1 EBADF (Bad file descriptor)
+0  socket(..., SOCK_STREAM, IPPROTO_TCP) = 4
+0  fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0  fcntl(4, F_GETFL) = 0x802
+0  connect(4, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0  > S 0:0(0) win 65535 <mss 1460>
+0  connect(4, ..., ...) = -1 EALREADY (Operation already in progress)
+0  write(4, ..., 10) = 10
+0  shutdown(4, SHUT_RD) = 0
+0  close(3) = 0
+0  close(4) = 0
)");
  EXPECT_TRUE(r.passed) << r.report;
}

TEST(PktRunnerTest, InjectedOptionsAreSentAsWritten) {
  PktRunResult r = RunText(absl::StrCat(
      Mutate("<mss 1460,sackOK,nop,nop,nop,wscale 7>", "<mss 1000,nop,nop,TS val 5 ecr 0>"),
      "+0  < . 11:11(0) ack 1 win 65535 <nop,nop,sack 1:11>\n"));
  EXPECT_TRUE(r.passed) << r.report;
  wire::Packet syn;
  ASSERT_EQ(wire::ParsePacket(r.packets[0].second, &syn), wire::ParseError::kOk);
  EXPECT_EQ(syn.tcp.options.mss, 1000);
  ASSERT_TRUE(syn.tcp.options.timestamps.has_value());
  EXPECT_EQ(syn.tcp.options.timestamps->val, 5u);
  EXPECT_EQ(syn.tcp.options.WireSize(), 16);
  // SACK blocks name the stack's data: relative to its ISN.
  wire::Packet syn_ack, sack;
  ASSERT_EQ(wire::ParsePacket(r.packets[1].second, &syn_ack), wire::ParseError::kOk);
  ASSERT_EQ(wire::ParsePacket(r.packets.back().second, &sack), wire::ParseError::kOk);
  ASSERT_EQ(sack.tcp.options.sack_count, 1);
  EXPECT_EQ(sack.tcp.options.sack_blocks[0].left, syn_ack.tcp.seq + 1);
  EXPECT_EQ(sack.tcp.options.sack_blocks[0].right, syn_ack.tcp.seq + 11);
}

TEST(PktRunnerTest, BlockingWriteWaitsForBufferSpace) {
  // A 1000-byte send buffer: a 2500-byte write returns once the last byte
  // is queued, after the peer's second ACK.
  PktRunResult r =
      RunText(absl::StrCat("--send_buffer=1000B\n", kPassive, R"(+0...0.3 write(4, ..., 2500) = 2500
0.1  > P. 1:1001(1000) ack 11 win 65525
0.2  < . 11:11(0) ack 1001 win 65535
+0   > P. 1001:2001(1000) ack 11 win 65525
0.3  < . 11:11(0) ack 2001 win 65535
+0   > P. 2001:2501(500) ack 11 win 65525
)"));
  EXPECT_TRUE(r.passed) << r.report;
  // Non-blocking: as much as fits, then EAGAIN.
  r = RunText(absl::StrCat("--send_buffer=1000B\n", kPassive,
                           R"(+0  fcntl(4, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0  write(4, ..., 2500) = 1000
+0  > P. 1:1001(1000) ack 11 win 65525
+0  write(4, ..., 10) = -1 EAGAIN (Resource temporarily unavailable)
)"));
  EXPECT_TRUE(r.passed) << r.report;
}

TEST(PktRunnerTest, HostileScriptsAreBounded) {
  // A segment too large for IPv4 is a mismatch.
  EXPECT_THAT(Messages(RunText(absl::StrCat(kPassive, "+0 < P. 11:65546(65535) ack 1\n"))),
              ElementsAre(HasSubstr("do not fit in one IPv4 packet")));
  for (const char* call : {"+0 write(4, ..., 100000000000) = 1\n",
                           "+0 read(4, ..., 100000000000) = 1\n", "+0 read(..., ..., 1) = 1\n"}) {
    absl::StatusOr<PacketScript> script = ParsePacketScript(absl::StrCat(kPassive, call), "t.pkt");
    ASSERT_TRUE(script.ok()) << script.status();
    absl::StatusOr<PktRunResult> r = RunPacketScript(*script);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << call;
    EXPECT_THAT(r.status().message(), HasSubstr("t.pkt:12:1: cannot run")) << call;
  }
  // Waiting for a segment that never comes ends when the timers run out.
  PktRunResult r = RunText(absl::StrCat(kPassive, "*  > P. 1:2(1) ack 11\n"));
  EXPECT_THAT(Messages(r), ElementsAre(HasSubstr("the stack sent nothing and has no timer left")));
}

TEST(PktRunnerTest, SameScriptSameResult) {
  std::string text = absl::StrCat(Mutate("win 65525\n", "win 1\n"),
                                  "+0 write(4, ..., 3000) = 3000\n+1 < . 11:11(0) ack 1461\n");
  PktRunResult a = RunText(text);
  PktRunResult b = RunText(text);
  EXPECT_FALSE(a.passed);
  EXPECT_EQ(a.report, b.report);
  EXPECT_EQ(a.packets, b.packets);
}

// The SYN-ACK the stack answers a Linux-like SYN with, under `keys`.
wire::Packet SynAckWith(const std::string& keys) {
  PktRunResult r = RunText(absl::StrCat("--remote_port=40000\n", keys, R"(
0   socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0  bind(3, ..., ...) = 0
+0  listen(3, 1) = 0
+0  < S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>
+0  > S. 0:0(0) ack 1 <...>
)"));
  EXPECT_TRUE(r.passed) << keys << r.report;
  wire::Packet syn_ack;
  for (const auto& [time, bytes] : r.packets) {
    wire::Packet p;
    if (wire::ParsePacket(bytes, &p) == wire::ParseError::kOk &&
        p.ip.src == wire::Ipv4Address(192, 168, 0, 1) && p.tcp.has(wire::flags::kSyn)) {
      syn_ack = p;
    }
  }
  return syn_ack;
}

TEST(PktRunnerTest, TheStackUnderTestIsTheBareCoreUnlessKeysTurnFeaturesOn) {
  // No keys: BareConfig(), so the SYN-ACK offers nothing but the MSS.
  const wire::Packet bare = SynAckWith("");
  EXPECT_EQ(bare.tcp.options.mss, uint16_t{1460});
  EXPECT_FALSE(bare.tcp.options.sack_permitted);
  EXPECT_FALSE(bare.tcp.options.timestamps.has_value());
  EXPECT_FALSE(bare.tcp.options.window_scale.has_value());
  // Keys turn them on, each on its own.
  EXPECT_TRUE(SynAckWith("--sack=on\n").tcp.options.sack_permitted);
  EXPECT_FALSE(SynAckWith("--sack=on\n").tcp.options.timestamps.has_value());
  const wire::Packet ts = SynAckWith("--timestamps=on\n");
  ASSERT_TRUE(ts.tcp.options.timestamps.has_value());
  EXPECT_EQ(ts.tcp.options.timestamps->ecr, 100u);
  EXPECT_FALSE(ts.tcp.options.sack_permitted);
  EXPECT_EQ(SynAckWith("--window_scale=5\n").tcp.options.window_scale, uint8_t{5});
  // Off over the bare core changes nothing.
  const wire::Packet off = SynAckWith("--sack=off\n--timestamps=off\n--window_scale=off\n");
  EXPECT_FALSE(off.tcp.options.sack_permitted);
  EXPECT_FALSE(off.tcp.options.timestamps.has_value());
  EXPECT_FALSE(off.tcp.options.window_scale.has_value());
}

TEST(PktRunnerTest, StackKeyValuesTheEngineCannotTakeAreErrors) {
  for (const char* key : {"--mss=0\n", "--delayed_ack=600ms\n", "--keepalive=count 0\n"}) {
    absl::StatusOr<PacketScript> script = ParsePacketScript(absl::StrCat(key, kPassive), "t.pkt");
    ASSERT_TRUE(script.ok()) << script.status();
    absl::StatusOr<PktRunResult> r = RunPacketScript(*script);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << key;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("stack key")) << key;
  }
  // Every key is implemented now: turning features on is not an error.
  absl::StatusOr<PacketScript> script = ParsePacketScript(
      absl::StrCat("--congestion=reno\n--sack=on\n--timestamps=on\n--window_scale=on\n"
                   "--delayed_ack=40ms\n--nagle=on\n--keepalive=idle 1s\n",
                   kPassive),
      "t.pkt");
  ASSERT_TRUE(script.ok()) << script.status();
  EXPECT_TRUE(RunPacketScript(*script).ok());
}

// RFC 9293 §3.10.4 (ABORT; CLOSE with unread data): <SEQ=SND.NXT><CTL=RST>,
// no ACK (Linux sets ACK on these).
TEST(PktRunnerTest, SoLingerZeroCloseSendsRst) {
  PktRunResult r = RunText(absl::StrCat(
      kPassive, R"(+0  setsockopt(4, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, 8) = 0
+0  close(4) = 0
+0  > R 1:1(0) win 0
)"));
  EXPECT_TRUE(r.passed) << r.report;
}

TEST(PktRunnerTest, CloseWithUnreadDataSendsRst) {
  PktRunResult r =
      RunText(Mutate("+0  read(4, ..., 100) = 10\n", "+0  close(4) = 0\n+0  > R 1:1(0) win 0\n"));
  EXPECT_TRUE(r.passed) << r.report;
}

TEST(PktRunnerTest, HalfCloseKeepsReading) {
  PktRunResult r = RunText(absl::StrCat(kPassive, R"(+0  shutdown(4, SHUT_WR) = 0
+0  > F. 1:1(0) ack 11 win 65525
+0  write(4, ..., 10) = -1 EPIPE (Broken pipe)
+.1 < . 11:11(0) ack 2 win 65535
+0  < P. 11:21(10) ack 2 win 65535
+0  > . 2:2(0) ack 21 win 65515
+0  read(4, ..., 100) = 10
+0  < F. 21:21(0) ack 2 win 65535
+0  > . 2:2(0) ack 22 win 65515
+0  read(4, ..., 100) = 0
)"));
  EXPECT_TRUE(r.passed) << r.report;
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

constexpr const char* kLibraryScripts[] = {
    "handshake_passive.pkt",      "handshake_active.pkt",  "blocking_connect.pkt",
    "data_both_ways.pkt",         "close_active.pkt",      "close_passive.pkt",
    "rst_closed_port.pkt",        "rst_in_window.pkt",     "rst_out_of_window.pkt",
    "syn_retransmit_timeout.pkt", "zero_window_probe.pkt", "rst_syn_received.pkt",
    "connect_refused.pkt",        "simultaneous_open.pkt", "simultaneous_close.pkt",
    "retransmit_timeout.pkt",     "fin_retransmit.pkt",    "fin_wait2_timeout.pkt",
    // Issue 6's mechanisms, each switched on by its script's stack keys.
    "fast_retransmit_newreno.pkt", "sack_recovery.pkt",    "paws.pkt",
    "delayed_ack.pkt",            "nagle.pkt",             "keepalive.pkt",
    "window_scale.pkt"};

INSTANTIATE_TEST_SUITE_P(Testdata, LibraryScriptTest, ::testing::ValuesIn(kLibraryScripts),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           name = name.substr(0, name.find('.'));
                           return name;
                         });

// Every script in testdata/ runs above.
TEST(LibraryScriptTest, AllAreListed) {
  std::set<std::string> on_disk;
  for (const auto& e : std::filesystem::directory_iterator("scenarios/pkt/testdata")) {
    if (e.path().extension() == ".pkt") on_disk.insert(e.path().filename().string());
  }
  std::set<std::string> listed(std::begin(kLibraryScripts), std::end(kLibraryScripts));
  EXPECT_EQ(on_disk, listed);
}

}  // namespace
}  // namespace tcplab::scenario
