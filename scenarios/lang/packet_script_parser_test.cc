#include "scenarios/lang/packet_script_parser.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tcp/wire/packet.h"

namespace tcplab::scenario {
namespace {

using ::testing::HasSubstr;
namespace flags = wire::flags;

PacketScript MustParse(absl::string_view text) {
  auto s = ParsePacketScript(text, "t.pkt");
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *std::move(s) : PacketScript{};
}

std::string ErrorOf(absl::string_view text) {
  auto s = ParsePacketScript(text, "t.pkt");
  if (s.ok()) return "(parsed)";
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(s.status().message());
}

const PacketSpec& Pkt(const PacketScript& s, size_t i) {
  return std::get<PacketSpec>(s.steps.at(i).event);
}
const Syscall& Call(const PacketScript& s, size_t i) {
  return std::get<Syscall>(s.steps.at(i).event);
}

TEST(PacketScriptParserTest, DefaultsWithoutHeader) {
  PacketScript s = MustParse("0 close(3) = 0\n");
  EXPECT_EQ(s.file, "t.pkt");
  EXPECT_EQ(s.tolerance, absl::Microseconds(4000));
  EXPECT_EQ(s.local_ip, wire::Ipv4Address(192, 168, 0, 1));
  EXPECT_EQ(s.local_port, 8080);
  EXPECT_EQ(s.remote_ip, wire::Ipv4Address(192, 0, 2, 1));
  EXPECT_FALSE(s.remote_port.has_value());
  EXPECT_EQ(s.remote_isn, 0u);
  EXPECT_EQ(s.stack, StackConfig{});
}

TEST(PacketScriptParserTest, HeaderOptions) {
  PacketScript s = MustParse(
      "--tolerance_usecs=10000\n"
      "--local_ip=10.1.2.3\n"
      "--local_port=80\n"
      "--remote_ip=10.9.9.9\n"
      "--remote_port=5555\n"
      "--remote_isn=0x10000\n"
      "--mss=1000\n"
      "--rto_min=200ms\n"
      "--keepalive=idle 1min count 3   \n"
      "--window_scale=off\n");
  EXPECT_EQ(s.tolerance, absl::Milliseconds(10));
  EXPECT_EQ(s.local_ip, wire::Ipv4Address(10, 1, 2, 3));
  EXPECT_EQ(s.local_port, 80);
  EXPECT_EQ(s.remote_ip, wire::Ipv4Address(10, 9, 9, 9));
  EXPECT_EQ(s.remote_port, 5555);
  EXPECT_EQ(s.remote_isn, 0x10000u);
  EXPECT_EQ(s.stack.mss, 1000u);
  EXPECT_EQ(s.stack.rto_min, absl::Milliseconds(200));
  EXPECT_EQ(s.stack.keepalive, true);
  EXPECT_EQ(s.stack.keepalive_idle, absl::Minutes(1));
  EXPECT_EQ(s.stack.keepalive_count, 3u);
  EXPECT_EQ(s.stack.window_scale, false);
  EXPECT_TRUE(s.steps.empty());
}

TEST(PacketScriptParserTest, Times) {
  PacketScript s = MustParse(
      "0 close(3) = 0\n"
      "+0 close(3) = 0\n"
      "+.1 close(3) = 0\n"
      "0.100 close(3) = 0\n"
      "* close(3) = 0\n"
      "+0...0.25 close(3) = 0\n"
      "1.5...+0.000000001 close(3) = 0\n");
  ASSERT_EQ(s.steps.size(), 7u);
  EXPECT_EQ(s.steps[0].time, (TimeSpec{false, {false, absl::ZeroDuration()}, std::nullopt}));
  EXPECT_EQ(s.steps[1].time.start, (TimePoint{true, absl::ZeroDuration()}));
  EXPECT_EQ(s.steps[2].time.start, (TimePoint{true, absl::Milliseconds(100)}));
  EXPECT_EQ(s.steps[3].time.start, (TimePoint{false, absl::Milliseconds(100)}));
  EXPECT_TRUE(s.steps[4].time.any);
  EXPECT_EQ(s.steps[5].time.start, (TimePoint{true, absl::ZeroDuration()}));
  EXPECT_EQ(s.steps[5].time.end, (TimePoint{false, absl::Milliseconds(250)}));
  EXPECT_EQ(s.steps[6].time.start, (TimePoint{false, absl::Milliseconds(1500)}));
  EXPECT_EQ(s.steps[6].time.end, (TimePoint{true, absl::Nanoseconds(1)}));
  EXPECT_EQ(s.steps[2].pos, (SourcePos{3, 1}));
}

TEST(PacketScriptParserTest, Packets) {
  PacketScript s = MustParse(
      "+0 < S 0:0(0) win 65535 <mss 1460,sackOK,nop,nop,nop,wscale 7>\n"
      "+0 > S. 0:0(0) ack 1 <...>\n"
      "  +0 < . 1:1(0) ack 1 win 257\n"
      "+0 > P. 1:1001(1000) ack 1\n"
      "+0 > F.\n"
      "+0 < R 4294967295:9(10)\n"
      "+0 < SEW 0:0(0)\n"
      "+0 < . 1:1(0) ack 1 <nop,nop,TS val 100 ecr 7,nop,nop,sack 1001:2001 3001:4001>\n"
      "+0 > . 1:1(0) ack 1 win 0 <eol>\n"
      "+0 < FPU. 1:1(0) win 1 ack 5\n");
  ASSERT_EQ(s.steps.size(), 10u);
  const PacketSpec& syn = Pkt(s, 0);
  EXPECT_EQ(syn.direction, PacketDirection::kInbound);
  EXPECT_EQ(syn.flags, flags::kSyn);
  EXPECT_EQ(syn.seq, (SeqRange{0, 0, 0}));
  EXPECT_FALSE(syn.ack.has_value());
  EXPECT_EQ(syn.window, 65535u);
  ASSERT_TRUE(syn.options.has_value());
  EXPECT_EQ(syn.options->mss, 1460);
  EXPECT_TRUE(syn.options->sack_permitted);
  EXPECT_EQ(syn.options->window_scale, 7);
  EXPECT_FALSE(syn.options->timestamps.has_value());
  ASSERT_EQ(syn.options->layout_size, 6);
  const uint8_t want_layout[] = {2, 4, 1, 1, 1, 3};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(syn.options->layout[i], want_layout[i]) << i;

  const PacketSpec& synack = Pkt(s, 1);
  EXPECT_EQ(synack.direction, PacketDirection::kOutbound);
  EXPECT_EQ(synack.flags, flags::kSyn | flags::kAck);
  EXPECT_EQ(synack.ack, 1u);
  EXPECT_TRUE(synack.any_options);
  EXPECT_FALSE(synack.options.has_value());
  EXPECT_FALSE(synack.window.has_value());

  EXPECT_EQ(s.steps[2].pos, (SourcePos{3, 3}));
  EXPECT_EQ(Pkt(s, 2).flags, flags::kAck);
  EXPECT_EQ(Pkt(s, 2).window, 257u);
  EXPECT_FALSE(Pkt(s, 2).options.has_value());
  EXPECT_EQ(Pkt(s, 3).seq, (SeqRange{1, 1001, 1000}));
  EXPECT_EQ(Pkt(s, 3).flags, flags::kPsh | flags::kAck);
  EXPECT_FALSE(Pkt(s, 4).seq.has_value());  // outbound: sequence unchecked
  EXPECT_FALSE(Pkt(s, 4).ack.has_value());
  EXPECT_EQ(Pkt(s, 5).seq, (SeqRange{4294967295u, 9, 10}));  // wraps
  EXPECT_EQ(Pkt(s, 6).flags, flags::kSyn | flags::kEce | flags::kCwr);
  const wire::TcpOptions& o = *Pkt(s, 7).options;
  EXPECT_EQ(o.timestamps, (wire::Timestamps{100, 7}));
  ASSERT_EQ(o.sack_count, 2);
  EXPECT_EQ(o.sack_blocks[0], (wire::SackBlock{wire::Seq(1001), wire::Seq(2001)}));
  EXPECT_EQ(o.sack_blocks[1], (wire::SackBlock{wire::Seq(3001), wire::Seq(4001)}));
  EXPECT_EQ(o.layout_size, 6);
  EXPECT_EQ(Pkt(s, 8).window, 0u);
  EXPECT_EQ(Pkt(s, 8).options->layout_size, 1);
  EXPECT_EQ(Pkt(s, 9).flags, flags::kFin | flags::kPsh | flags::kUrg | flags::kAck);
  EXPECT_EQ(Pkt(s, 9).ack, 5u);
}

TEST(PacketScriptParserTest, Syscalls) {
  PacketScript s = MustParse(
      "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
      "+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, 8) = 0\n"
      "+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0\n"
      "+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n"
      "+0 write(4, ..., 1000) = 1000\n"
      "+0 read(4, ..., 1000) = -1 EAGAIN\n"
      "+0 shutdown(4, SHUT_WR) = 0\n"
      "+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0\n"
      "+0 send(4, \"a\\\"b\", 3, 0) = 3\n"
      "+0 close(4) = 0\n"
      "+0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0\n"
      "+0 fcntl(3, F_GETFL) = 0x2\n");
  ASSERT_EQ(s.steps.size(), 12u);
  const Syscall& sock = Call(s, 0);
  EXPECT_EQ(sock.name, "socket");
  ASSERT_EQ(sock.args.size(), 3u);
  EXPECT_EQ(sock.args[0].kind, SyscallArg::Kind::kEllipsis);
  EXPECT_EQ(sock.args[1].kind, SyscallArg::Kind::kName);
  EXPECT_EQ(sock.args[1].text, "SOCK_STREAM");
  EXPECT_EQ(sock.result, 3);
  EXPECT_FALSE(sock.error.has_value());
  const SyscallArg& linger = Call(s, 1).args[3];
  EXPECT_EQ(linger.kind, SyscallArg::Kind::kStruct);
  ASSERT_EQ(linger.elements.size(), 2u);
  EXPECT_EQ(linger.elements[0].field, "l_onoff");
  EXPECT_EQ(linger.elements[0].value, 1);
  EXPECT_EQ(linger.elements[1].field, "l_linger");
  EXPECT_EQ(Call(s, 2).args[2].text, "O_RDWR|O_NONBLOCK");
  const Syscall& conn = Call(s, 3);
  EXPECT_EQ(conn.result, -1);
  EXPECT_EQ(conn.error, "EINPROGRESS");
  EXPECT_EQ(conn.error_text, "Operation now in progress");
  EXPECT_EQ(Call(s, 4).args[2].value, 1000);
  EXPECT_EQ(Call(s, 4).result, 1000);
  EXPECT_EQ(Call(s, 5).error, "EAGAIN");
  EXPECT_EQ(Call(s, 5).error_text, "");
  EXPECT_EQ(Call(s, 6).args[1].text, "SHUT_WR");
  const SyscallArg& one = Call(s, 7).args[3];
  EXPECT_EQ(one.kind, SyscallArg::Kind::kList);
  ASSERT_EQ(one.elements.size(), 1u);
  EXPECT_EQ(one.elements[0].value, 1);
  EXPECT_EQ(Call(s, 8).args[1].kind, SyscallArg::Kind::kString);
  EXPECT_EQ(Call(s, 8).args[1].text, "a\\\"b");
  EXPECT_EQ(Call(s, 9).args.size(), 1u);
  EXPECT_EQ(Call(s, 10).args[3].elements[0].text, "ECONNREFUSED");
  EXPECT_EQ(Call(s, 11).result, 2);
}

TEST(PacketScriptParserTest, Comments) {
  PacketScript s = MustParse(
      "// header\n"
      "/* multi\n"
      "   line */ 0 close(3) = 0 // trailing\n"
      "# hash comment\n"
      "+0 send(4, \"// not a comment\", 3, 0) = 3 /* inline */\n");
  ASSERT_EQ(s.steps.size(), 2u);
  EXPECT_EQ(s.steps[0].pos, (SourcePos{3, 12}));
  EXPECT_EQ(Call(s, 1).args[1].text, "// not a comment");
}

struct BadCase {
  const char* text;
  const char* message;
};

TEST(PacketScriptParserTest, ErrorsArePositionedAndSayWhatWasExpected) {
  const BadCase cases[] = {
      {"--tolerance_usec=4000\n",
       "t.pkt:1:3: unknown header option \"tolerance_usec\"; did you mean \"tolerance_usecs\"?"},
      {"--tolerance_usecs=4ms\n",
       "t.pkt:1:19: expected a tolerance in microseconds (0 to 3600000000), got \"4ms\""},
      {"--local_ip=1.2.3\n", "t.pkt:1:12: expected an IPv4 address like 192.0.2.1, got \"1.2.3\""},
      {"--local_port 80\n", "t.pkt:1:14: expected \"=\" after --local_port, got \"80\""},
      {"--remote_port=65536\n",
       "t.pkt:1:15: expected a port number (0 to 65535), got \"65536\""},
      {"--mss=1460\n--mss=1400\n", "t.pkt:2:3: --mss given twice"},
      {"--rto_min=200\n", "t.pkt:1:11: expected a duration like 10ms, got \"200\""},
      {"--sack=maybe\n", "t.pkt:1:8: expected \"on\" or \"off\", got \"maybe\""},
      {"--rto_min=1s 2s\n", "t.pkt:1:14: expected end of line, got \"2s\""},
      {"--\n", "t.pkt:1:3: expected an option name after \"--\", got end of line"},
      {"0 close(3) = 0\n--mss=1\n",
       "t.pkt:2:1: header options (--name=value) must come before the first step"},
      {"x close(3) = 0\n", "t.pkt:1:1: expected a time like +0.1, 0.100 or *, got \"x\""},
      {"+ close(3) = 0\n", "t.pkt:1:1: expected a time like +0.1, 0.100 or *, got \"+\""},
      {"0.0000000001 close(3) = 0\n",
       "t.pkt:1:1: expected a time in seconds with at most 9 decimals, got \"0.0000000001\""},
      {"+0s close(3) = 0\n", "t.pkt:1:3: expected a space after the time, got \"s\""},
      {"+0...x close(3) = 0\n", "t.pkt:1:6: expected a time like +0.1, 0.100 or *, got \"x\""},
      {"+0\n", "t.pkt:1:3: expected \"<\" (inject a segment), \">\" (expect one) or a system "
               "call, got end of line"},
      {"+0 = 3\n", "t.pkt:1:4: expected \"<\" (inject a segment), \">\" (expect one) or a system "
                   "call, got \"=\""},
      {"+0 < X 0:0(0)\n", "t.pkt:1:6: expected TCP flags (letters S . F R P E W U), got \"X\""},
      {"+0 < SX 0:0(0)\n", "t.pkt:1:7: expected TCP flags (letters S . F R P E W U), got \"X\""},
      {"+0 <\n", "t.pkt:1:5: expected TCP flags (letters S . F R P E W U), got end of line"},
      {"+0 < SS 0:0(0)\n", "t.pkt:1:7: flag 'S' given twice"},
      {"+0 < S\n", "t.pkt:1:7: expected a sequence range like 0:0(0) or 1:1001(1000), got end of line"},
      {"+0 < S 0:0\n", "t.pkt:1:11: expected \"(\", got end of line"},
      {"+0 < S 0-0(0)\n", "t.pkt:1:9: expected \":\", got \"-0\""},
      {"+0 < S 0:10(5)\n",
       "t.pkt:1:8: sequence range 0:10 spans 10 bytes but the length says 5"},
      {"+0 < S 0:4294967296(0)\n",
       "t.pkt:1:10: expected a sequence number (0 to 4294967295), got \"4294967296\""},
      {"+0 < . 1:1(0) win 10\n",
       "t.pkt:1:21: expected \"ack N\" for a segment with the ACK flag ('.'), got end of line"},
      {"+0 < S 0:0(0) ack 1\n", "t.pkt:1:15: \"ack\" needs the ACK flag ('.')"},
      {"+0 < . 1:1(0) ack 1 ack 2\n", "t.pkt:1:21: ack given twice"},
      {"+0 < . 1:1(0) ack 1 win 65536\n",
       "t.pkt:1:25: expected a window (0 to 65535), got \"65536\""},
      {"+0 < . 1:1(0) ack 1 wnd 5\n",
       "t.pkt:1:21: expected ack, win, <options> or end of line, got \"wnd\""},
      {"+0 < S 0:0(0) <mss 1460,sackOk>\n",
       "t.pkt:1:25: unknown TCP option \"sackOk\"; did you mean \"sackOK\"?"},
      {"+0 < S 0:0(0) <mss 1460 sackOK>\n", "t.pkt:1:25: expected \",\" or \">\", got \"sackOK\""},
      {"+0 < S 0:0(0) <mss>\n", "t.pkt:1:19: expected an MSS, got \">\""},
      {"+0 < S 0:0(0) <mss 1,mss 2>\n", "t.pkt:1:22: option mss given twice"},
      {"+0 < S 0:0(0) <wscale 256>\n",
       "t.pkt:1:23: expected a window scale shift (0 to 255), got \"256\""},
      {"+0 < S 0:0(0) <TS 1 ecr 2>\n", "t.pkt:1:16: expected \"TS val N ecr N\""},
      {"+0 < S 0:0(0) <TS val 1 ecx 2>\n", "t.pkt:1:25: expected \"ecr\", got \"ecx\""},
      {"+0 < . 1:1(0) ack 1 <sack 1:2 3:4 5:6 7:8 9:10>\n", "t.pkt:1:43: at most 4 SACK blocks"},
      {"+0 < . 1:1(0) ack 1 <sack 1-2>\n", "t.pkt:1:28: expected \":\", got \"-2\""},
      {"+0 < S 0:0(0) <TS val 1 ecr 2,TS val 1 ecr 2>\n", "t.pkt:1:31: option TS given twice"},
      {"+0 < S 0:0(0) <nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,"
       "nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,nop,"
       "nop,nop,nop>\n",
       "t.pkt:1:176: options take more than 40 bytes"},
      {"+0 < S 0:0(0) <...>\n",
       "t.pkt:1:15: \"<...>\" (any options) is only for expected segments ('>')"},
      {"+0 > S. 0:0(0) ack 1 <mss 1460> win 5\n",
       "t.pkt:1:33: expected end of line after the options, got \"win\""},
      {"+0 > S. 0:0(0) ack 1 <mss 1460\n", "t.pkt:1:31: expected \",\" or \">\", got end of line"},
      {"+0...1 < S 0:0(0)\n", "t.pkt:1:1: only a system call can have a return time (\"...\")"},
      {"+0 clsoe(3) = 0\n", "t.pkt:1:4: unknown system call \"clsoe\"; did you mean \"close\"?"},
      {"+0 close 3\n", "t.pkt:1:10: expected \"(\", got \"3\""},
      {"+0 close(3, 4) = 0\n", "t.pkt:1:14: close() takes 1 argument, got 2"},
      {"+0 fcntl(3) = 0\n", "t.pkt:1:11: fcntl() takes 2 or 3 arguments, got 1"},
      {"+0 close(3)\n", "t.pkt:1:12: expected \"=\", got end of line"},
      {"+0 close(3) = x\n", "t.pkt:1:15: expected a return value like 0 or -1, got \"x\""},
      {"+0 close(3) = 0 EBADF\n", "t.pkt:1:17: an errno goes with a return value of -1"},
      {"+0 close(3) = -1 bad\n",
       "t.pkt:1:18: expected an errno name like EINPROGRESS or end of line, got \"bad\""},
      {"+0 close(3) = -1 EBADF (Bad\n", "t.pkt:1:24: \"(\" not closed on this line"},
      {"+0 close(3) = 0 0\n", "t.pkt:1:17: expected end of line, got \"0\""},
      {"+0 close(3 = 0\n", "t.pkt:1:12: expected \",\" or \")\", got \"=\""},
      {"+0 close(@) = 0\n",
       "t.pkt:1:10: expected an argument (number, name, string, ..., [list] or {struct}), got \"@\""},
      {"+0 send(4, \"abc, 3, 0) = 3\n", "t.pkt:1:12: string not closed on this line"},
      {"+0 setsockopt(3, A, B, [[1]], 4) = 0\n",
       "t.pkt:1:25: expected a number, name, string or ..., got \"[1]]\""},
      {"+0 setsockopt(3, A, B, {x 1}, 4) = 0\n", "t.pkt:1:27: expected \"=\", got \"1}\""},
      {"+0 close(99999999999999999999) = 0\n",
       "t.pkt:1:10: expected an integer (0 to 9223372036854775807), got \"99999999999999999999\""},
      {"/* open\n\n", "t.pkt:1:1: comment \"/*\" is not closed"},
  };
  for (const BadCase& c : cases) {
    EXPECT_EQ(ErrorOf(c.text), c.message) << "input:\n" << c.text;
  }
}

TEST(PacketScriptParserTest, NegativeNumbersAtTheLimit) {
  PacketScript s = MustParse("0 close(-9223372036854775808) = -1 EBADF\n");
  EXPECT_EQ(Call(s, 0).args[0].value, INT64_MIN);
  EXPECT_NE(ErrorOf("0 close(-9223372036854775809) = 0\n"), "(parsed)");
}

std::string ReadTestdata(const std::string& name) {
  std::string path =
      std::string(std::getenv("TEST_SRCDIR")) + "/tcplab/scenarios/lang/testdata/" + name;
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(PacketScriptParserTest, ExampleFileAndRoundTrip) {
  std::string text = ReadTestdata("handshake_close.pkt");
  ASSERT_FALSE(text.empty());
  auto s = ParsePacketScript(text, "handshake_close.pkt");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->remote_port, 40000);
  EXPECT_EQ(s->stack.rto_initial, absl::Seconds(1));
  ASSERT_EQ(s->steps.size(), 18u);
  EXPECT_EQ(ToString(s->steps[4]),
            "+0 < S 0:0(0) win 65535 <mss 1460,sackOK,nop,nop,nop,wscale 7>");
  EXPECT_EQ(ToString(s->steps[6]), "+0.1 < . 1:1(0) ack 1 win 257");
  EXPECT_EQ(ToString(s->steps[1]), "+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0");

  std::string printed = ToString(*s);
  auto again = ParsePacketScript(printed, "handshake_close.pkt");
  ASSERT_TRUE(again.ok()) << again.status() << "\n" << printed;
  EXPECT_EQ(ToString(*again), printed);
  PacketScript a = *s, b = *again;
  for (PacketStep& st : a.steps) st.pos = {};
  for (PacketStep& st : b.steps) st.pos = {};
  EXPECT_TRUE(a == b) << printed;
}

TEST(PacketScriptParserTest, RoundTripOfEveryForm) {
  const char* text =
      "--tolerance_usecs=1\n--local_ip=1.2.3.4\n--local_port=1\n--remote_ip=5.6.7.8\n"
      "--remote_port=2\n--remote_isn=3\n--mss=536\n--window_scale=3\n--keepalive=idle 1s\n"
      "*  > F. 1:1(0) ack 1 win 0 <...>\n"
      "0.000000001 < SEW 5:5(0) win 1 <eol,nop,mss 1,wscale 0,sackOK,TS val 1 ecr 2>\n"
      "+1...2 read(4, ..., 10) = -1 EAGAIN (Resource temporarily unavailable)\n"
      "+0 send(4, \"x\", 1, 0) = 1\n"
      "+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, 8) = 0\n"
      "+0 > . 1:1(0) ack 1 <nop,nop,sack 1:2 3:4 5:6 7:8>\n";
  PacketScript s = MustParse(text);
  std::string printed = ToString(s);
  PacketScript again = MustParse(printed);
  EXPECT_EQ(ToString(again), printed);
  EXPECT_THAT(printed, HasSubstr("+1...2 read(4, ..., 10) = -1 EAGAIN (Resource temporarily "
                                 "unavailable)\n"));
  EXPECT_THAT(printed, HasSubstr("--keepalive=idle 1s\n"));
}

TEST(PacketScriptParserTest, HostileInputsDoNotCrash) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_NE(ErrorOf(all), "(parsed)");
  EXPECT_NE(ErrorOf("+0 close(" + std::string(100000, '[') + ") = 0"), "(parsed)");
  EXPECT_NE(ErrorOf("+0 < S 0:0(0) <" + std::string(100000, ',') + ">"), "(parsed)");
  std::string many;
  for (int i = 0; i < 2000; ++i) many += "+0 < . 1:1(0) ack 1\n";
  EXPECT_EQ(MustParse(many).steps.size(), 2000u);
  EXPECT_TRUE(ParsePacketScript("", "x").ok());
  EXPECT_TRUE(ParsePacketScript("/**/", "x").ok());
  EXPECT_NE(ErrorOf("\"/*"), "(parsed)");
}

}  // namespace
}  // namespace tcplab::scenario
