// The converter on the committed captures of the Linux kernel's TCP
// (testdata/, made by capture_sessions.sh): each converts byte for byte to
// its committed script, and each script replayed against tcplab's engine
// differs from Linux exactly where the two stacks choose differently by
// design, listed below. Also retransmissions in a capture, and every
// bad-input message.

#include "tools/from_pcap/from_pcap.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "netsim/pcap/pcap_reader.h"
#include "netsim/pcap/pcap_writer.h"
#include "scenarios/lang/packet_script_parser.h"
#include "scenarios/pkt/pkt_runner.h"
#include "tcp/base/instant.h"

namespace tcplab::from_pcap {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

constexpr char kDir[] = "tools/from_pcap/testdata/";

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<uint8_t> ReadBytes(const std::string& path) {
  const std::string s = ReadText(path);
  return std::vector<uint8_t>(s.begin(), s.end());
}

struct Conversion {
  std::string script, capture;
  FromPcapOptions options;
};

// testdata/conversions.txt: SCRIPT CAPTURE [--under-test SIDE] [--conn C].
std::vector<Conversion> Conversions() {
  std::vector<Conversion> out;
  for (absl::string_view line : absl::StrSplit(ReadText(absl::StrCat(kDir, "conversions.txt")), '\n')) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> w = absl::StrSplit(line, ' ', absl::SkipEmpty());
    Conversion c{w.at(0), w.at(1), {}};
    for (size_t i = 2; i + 1 < w.size(); i += 2) {
      (w[i] == "--conn" ? c.options.conn : c.options.under_test) = w[i + 1];
    }
    out.push_back(c);
  }
  return out;
}

TEST(FromPcapTest, CommittedCapturesConvertToTheCommittedScripts) {
  const std::vector<Conversion> all = Conversions();
  ASSERT_EQ(all.size(), 11u);
  for (const Conversion& c : all) {
    absl::StatusOr<FromPcapResult> r =
        ConvertCapture(ReadBytes(absl::StrCat(kDir, c.capture)), c.capture, c.options);
    ASSERT_TRUE(r.ok()) << c.script << ": " << r.status();
    EXPECT_EQ(r->script, ReadText(absl::StrCat(kDir, c.script)))
        << c.script << " differs from a fresh conversion of " << c.capture
        << "; regenerate with tools/from_pcap/convert_testdata.sh if the converter changed";
  }
}

// "LINE: what" for each mismatch of a replay: "nothing sent", "extra `> . 1:1(0) ack 5`" or
// the differences named.
std::vector<std::string> Mismatches(const std::string& script_name,
                                    const scenario::PktRunOptions& options) {
  const std::string text = ReadText(absl::StrCat(kDir, script_name));
  absl::StatusOr<scenario::PacketScript> script = scenario::ParsePacketScript(text, script_name);
  EXPECT_TRUE(script.ok()) << script.status();
  if (!script.ok()) return {"unparseable"};
  absl::StatusOr<scenario::PktRunResult> r = scenario::RunPacketScript(*script, options);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return {"error"};
  std::vector<std::string> out;
  for (const scenario::PktMismatch& m : r->mismatches) {
    std::string what;
    if (absl::StrContains(m.message, "(extra segment)")) {
      std::string seg = m.message.substr(m.message.find("sent `") + 6);
      what = absl::StrCat("extra `", seg.substr(0, seg.find(" win")), "`");
    } else if (absl::StrContains(m.message, "but the stack sent nothing")) {
      what = "nothing sent";
    } else {
      what = m.message.substr(m.message.rfind("s: ") + 3);
    }
    out.push_back(absl::StrCat(m.pos.line, ": ", what));
  }
  return out;
}

scenario::PktRunOptions IgnoringWindowAndTimestamps() {
  scenario::PktRunOptions o;
  // By design: tcplab's window is its free buffer (Linux's grows with
  // autotuning) and its timestamp clock is its own.
  o.ignore_window = true;
  o.ignore_timestamp_values = true;
  return o;
}

// Every difference between Linux and tcplab in these sessions is about
// when a pure ACK goes out. Linux starts a connection in quick-ACK mode
// (every segment ACKed at once) and delays the ACK of a FIN; tcplab
// delays ACKs from the first segment on (--delayed_ack=on: every second
// full-sized segment, else after 40 ms) and ACKs a FIN at once. Every
// segment with data, SYN or FIN, and every call, matches.
TEST(FromPcapTest, ReplaysDifferOnlyInWhenPureAcksGoOut) {
  const std::map<std::string, std::vector<std::string>> expected = {
      // Linux ACKs both segments of the response at once; tcplab holds
      // them (not full-sized) and ACKs when the FIN arrives.
      {"small_page.pkt",
       {"31: nothing sent", "34: nothing sent", "37: extra `> . 89:89(0) ack 244`"}},
      // Linux ACKs the request at once; tcplab's ACK rides on the answer.
      {"small_page_server.pkt", {"30: nothing sent"}},
      {"close_client_first.pkt", {}},
      // As the server: the 1000 bytes are ACKed after 40 ms, not at once,
      // and the client's FIN at once, not with the server's own FIN.
      {"close_client_first_server.pkt",
       {"30: nothing sent", "32: extra `> . 1:1(0) ack 1001`", "33: extra `> . 1:1(0) ack 1002`"}},
      // The server's 1000 bytes: ACKed by Linux at once, by tcplab with
      // the FIN that follows; Linux ACKs that FIN 42 ms later, tcplab at
      // once.
      {"close_server_first.pkt",
       {"28: nothing sent", "31: sent 0.042254s early (tolerance 0.004s)"}},
      // The client's half close: the server's 1000 bytes after it are
      // ACKed by Linux at once, by tcplab with the server's FIN.
      {"half_close.pkt", {"33: nothing sent"}},
      // As the server: the client's 1000 bytes as above, and the client's
      // FIN ACKed at once rather than with the server's answer.
      {"half_close_server.pkt", {"30: nothing sent", "33: extra `> . 1:1(0) ack 1002`"}},
      {"refused.pkt", {}},
      {"refused_server.pkt", {}},
  };
  for (const auto& [script, want] : expected) {
    EXPECT_THAT(Mismatches(script, IgnoringWindowAndTimestamps()), ElementsAreArray(want))
        << script;
  }
}

// Mismatches of a replay by kind, checking that each is about a pure ACK:
// one expected and not sent, one sent and not expected, or (SACK blocks)
// its options.
std::map<std::string, int> PureAckMismatches(const std::string& script) {
  std::map<std::string, int> kinds;
  const std::string text = ReadText(absl::StrCat(kDir, script));
  for (const std::string& m : Mismatches(script, IgnoringWindowAndTimestamps())) {
    const std::string what = m.substr(m.find(": ") + 2);
    if (absl::StartsWith(what, "extra `")) {
      EXPECT_THAT(what, ::testing::MatchesRegex("extra `> \\. [0-9]+:[0-9]+\\(0\\) ack [0-9]+`"))
          << script << ":" << m;
      ++kinds["extra pure ACK"];
      continue;
    }
    // The expected segment: line N of the script.
    const int line = std::stoi(m.substr(0, m.find(':')));
    std::vector<std::string> lines = absl::StrSplit(text, '\n');
    EXPECT_THAT(lines.at(line - 1), ::testing::MatchesRegex("\\+[0-9.]+ > \\. [0-9]+:[0-9]+\\(0\\) ack .*"))
        << script << ":" << m;
    if (what == "options differ") {
      EXPECT_THAT(lines.at(line - 1), HasSubstr(",sack ")) << script << ":" << m;
      ++kinds["SACK blocks differ"];
    } else {
      ++kinds[what];
    }
  }
  return kinds;
}

// The 1 MB download (tcplab receiving): Linux ACKs each of the first
// segments at once and then mostly every other one as they come; tcplab
// ACKs every second full-sized segment. So the ACKs fall on different
// segments: the exact counts, and that every one is a pure ACK.
TEST(FromPcapTest, BulkReplayDiffersOnlyInPureAcks) {
  EXPECT_EQ(PureAckMismatches("bulk_1mb.pkt"),
            (std::map<std::string, int>{
                {"nothing sent", 240}, {"extra pure ACK", 63}, {"ack differs", 2}}));
}

// 300 KB through a router that drops (44 retransmissions in the capture,
// all of the peer's, so injected): besides the ACK timing, the duplicate
// ACKs' SACK blocks differ. Linux keeps a table of at most 4 blocks, most
// recent first, and does not merge a new segment with a range that has
// fallen out of it (116045:117493 next to 117493:118941 it had SACKed
// before); tcplab builds the blocks from its reassembly queue (116045:118941)
// and lists the others by when they last changed.
TEST(FromPcapTest, LossyReplayDiffersInPureAcksAndTheirSackBlocks) {
  EXPECT_EQ(PureAckMismatches("lossy_300k.pkt"),
            (std::map<std::string, int>{
                {"nothing sent", 33}, {"extra pure ACK", 19}, {"SACK blocks differ", 10}}));
  const std::string text = ReadText(absl::StrCat(kDir, "lossy_300k.pkt"));
  int marks = 0;
  for (size_t at = 0; (at = text.find("// retransmission: the peer sends ", at)) != std::string::npos; ++at) {
    ++marks;
  }
  EXPECT_EQ(marks, 44);
}

// Without the two ignores, every expected segment also differs in its
// timestamp values (tcplab's own clock) and most in their window.
TEST(FromPcapTest, WithoutIgnoresTimestampsAndWindowsDiffer) {
  const std::vector<std::string> got = Mismatches("close_client_first.pkt", {});
  ASSERT_FALSE(got.empty());
  for (const std::string& m : got) EXPECT_THAT(m, HasSubstr("options differ")) << m;
}

// A capture that shows segments twice (as a retransmission does): they
// convert, marked with a comment, and the script still parses.
TEST(FromPcapTest, RetransmissionsAreMarked) {
  absl::StatusOr<netsim::PcapFile> f =
      netsim::ReadPcapBytes(ReadBytes(absl::StrCat(kDir, "close_client_first.pcap")));
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_EQ(f->records.size(), 8u);
  // Record 3 is the client's 1000 bytes, 6 the server's FIN: each again
  // 200 ms later.
  std::vector<std::pair<int64_t, std::vector<uint8_t>>> records;
  for (size_t i = 0; i < f->records.size(); ++i) {
    records.push_back({f->records[i].timestamp_ns, f->records[i].data});
    if (i == 3 || i == 6) records.push_back({f->records[i].timestamp_ns + 200'000'000, f->records[i].data});
  }
  std::sort(records.begin(), records.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  netsim::PcapWriter w = netsim::PcapWriter::InMemory(netsim::LinkType::kEthernet);
  for (const auto& [t, data] : records) ASSERT_TRUE(w.Write(Instant::FromNanos(t), data).ok());
  absl::StatusOr<FromPcapResult> r = ConvertCapture(w.bytes(), "retransmitted.pcap", {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->retransmissions, 2);
  EXPECT_EQ(r->segments, 10);
  EXPECT_THAT(r->script, HasSubstr("// retransmission: the side under test sends 1:1001, below "
                                   "1002, which it had already sent\n"
                                   "+0.149563 > P. 1:1001(1000) ack 1 "));
  EXPECT_THAT(r->script, HasSubstr("// retransmission: the peer sends 1:2, below 2, which it had "
                                   "already sent\n"
                                   "+0.050421 < F. 1:1(0) ack 1002 "));
  EXPECT_TRUE(scenario::ParsePacketScript(r->script, "retransmitted.pkt").ok());
}

// dumpcap's and Wireshark's default format (this one is small_page.pcap
// through `editcap -F pcapng`) gives the same script.
TEST(FromPcapTest, PcapngConvertsAsPcap) {
  absl::StatusOr<FromPcapResult> ng =
      ConvertCapture(ReadBytes(absl::StrCat(kDir, "small_page.pcapng")), "small_page.pcap", {});
  ASSERT_TRUE(ng.ok()) << ng.status();
  EXPECT_EQ(ng->script, ReadText(absl::StrCat(kDir, "small_page.pkt")));
}

std::string ErrorOf(const std::vector<uint8_t>& bytes, const FromPcapOptions& o = {}) {
  absl::StatusOr<FromPcapResult> r = ConvertCapture(bytes, "in.pcap", o);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(r.status().message());
}

std::vector<uint8_t> Capture(const std::vector<std::vector<uint8_t>>& frames) {
  netsim::PcapWriter w = netsim::PcapWriter::InMemory(netsim::LinkType::kEthernet);
  int64_t t = 1'000'000'000;
  for (const auto& f : frames) EXPECT_TRUE(w.Write(Instant::FromNanos(t += 1000), f).ok());
  return w.bytes();
}

std::vector<std::vector<uint8_t>> Frames(const std::string& capture) {
  absl::StatusOr<netsim::PcapFile> f = netsim::ReadPcapBytes(ReadBytes(absl::StrCat(kDir, capture)));
  EXPECT_TRUE(f.ok()) << f.status();
  std::vector<std::vector<uint8_t>> out;
  if (f.ok()) {
    for (const auto& r : f->records) out.push_back(r.data);
  }
  return out;
}

TEST(FromPcapTest, BadInputGivesClearMessages) {
  const std::string text = "GET / HTTP/1.1\r\n\r\n";
  EXPECT_EQ(ErrorOf(std::vector<uint8_t>(text.begin(), text.end())),
            "in.pcap: not a pcap file: bad magic number 0x20544547 (expected 0xa1b2c3d4 or "
            "0xa1b23c4d, or pcapng's 0x0a0d0d0a)");

  const std::vector<uint8_t> whole = ReadBytes(absl::StrCat(kDir, "small_page.pcap"));
  const std::vector<uint8_t> cut(whole.begin(), whole.end() - 30);
  EXPECT_THAT(ErrorOf(cut), ::testing::AllOf(::testing::StartsWith("in.pcap: "),
                                             HasSubstr("truncated"), HasSubstr("record 12")));

  // An Ethernet frame with an IPv4 UDP packet (protocol 17).
  std::vector<uint8_t> udp(14 + 28, 0);
  udp[12] = 0x08;
  udp[14] = 0x45;
  udp[17] = 28;
  udp[22] = 64;
  udp[23] = 17;
  EXPECT_EQ(ErrorOf(Capture({udp, udp})),
            "in.pcap: no TCP segment in the capture (2 IPv4 packets, 0 other records)");

  std::vector<std::vector<uint8_t>> two = Frames("small_page.pcap");
  for (const auto& f : Frames("refused.pcap")) two.push_back(f);
  EXPECT_EQ(ErrorOf(Capture(two)),
            "in.pcap: 2 TCP connections; choose one with --conn: "
            "10.78.0.1:8000-10.78.0.2:35600, 10.78.0.2:51602-10.78.0.1:9001");
  absl::StatusOr<FromPcapResult> chosen =
      ConvertCapture(Capture(two), "in.pcap", {"10.78.0.1:9001-10.78.0.2:51602", ""});
  ASSERT_TRUE(chosen.ok()) << chosen.status();
  EXPECT_EQ(chosen->connection, "10.78.0.2:51602-10.78.0.1:9001");
  EXPECT_EQ(ErrorOf(Capture(two), {"10.78.0.1:80-10.78.0.2:1", ""}),
            "in.pcap: --conn 10.78.0.1:80-10.78.0.2:1: no such connection in in.pcap; there "
            "are: 10.78.0.1:8000-10.78.0.2:35600, 10.78.0.2:51602-10.78.0.1:9001");
  EXPECT_EQ(ErrorOf(Capture(two), {"10.78.0.1-10.78.0.2", ""}),
            "in.pcap: --conn 10.78.0.1-10.78.0.2: expected SRC:PORT-DST:PORT");

  const std::vector<uint8_t> page = ReadBytes(absl::StrCat(kDir, "small_page.pcap"));
  EXPECT_EQ(ErrorOf(page, {"", "10.78.0.9:80"}),
            "in.pcap: --under-test 10.78.0.9:80: not a side of 10.78.0.1:8000-10.78.0.2:35600 "
            "(expected client, server, 10.78.0.2:35600 or 10.78.0.1:8000)");

  std::vector<std::vector<uint8_t>> late = Frames("small_page.pcap");
  late.erase(late.begin(), late.begin() + 3);
  EXPECT_EQ(ErrorOf(Capture(late)),
            "in.pcap: connection 10.78.0.1:8000-10.78.0.2:35600 has no SYN: the capture starts "
            "after the handshake, and a script needs the connection from its first SYN");
}

}  // namespace
}  // namespace tcplab::from_pcap
