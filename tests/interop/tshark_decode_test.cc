// Cross-check against Wireshark's dissectors: packets built and serialized by
// tcplab are written to a pcap with netsim/pcap and decoded by tshark, which
// must find good IP and TCP checksums, no malformed packets, no expert items
// beyond the expected chat/notes (SYN, FIN, RST), and the field values
// tcplab meant to send.

#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "netsim/pcap/link_layer.h"
#include "netsim/pcap/pcap_reader.h"
#include "netsim/pcap/pcap_writer.h"
#include "tests/interop/tshark.h"
#include "tcp/base/instant.h"
#include "tcp/wire/packet.h"

namespace tcplab {
namespace {

using wire::Ipv4Address;
using wire::OptionKind;
using wire::Packet;
using wire::Seq;
using wire::Timestamps;
namespace flags = wire::flags;

using interop::CommandResult;
using interop::TempDir;
using interop::TsharkInstalled;

CommandResult Run(const std::string& args) { return interop::RunTshark(args); }

// One packet and what tshark should say about it.
struct Case {
  std::string name;
  Packet packet;
  std::vector<uint8_t> payload;
  std::string option_kinds;         // tcp.option_kind, wire order, EOL padding as 0
  std::vector<std::string> expert;  // expected expert messages (prefixes)
};

constexpr Ipv4Address kClient(10, 0, 0, 1);
constexpr Ipv4Address kServer(10, 0, 0, 2);
constexpr uint32_t kClientIsn = 0xfffffc00u;  // the first data segment crosses 2^32
constexpr uint32_t kServerIsn = 123456;

Case Make(std::string name, bool from_client, uint8_t flag_bits, uint32_t seq, uint32_t ack,
          uint16_t window) {
  Case c;
  c.name = std::move(name);
  Packet& p = c.packet;
  p.ip.src = from_client ? kClient : kServer;
  p.ip.dst = from_client ? kServer : kClient;
  p.ip.id = static_cast<uint16_t>(seq);
  p.tcp.src_port = from_client ? 49152 : 80;
  p.tcp.dst_port = from_client ? 80 : 49152;
  p.tcp.flags = flag_bits;
  p.tcp.seq = Seq(seq);
  p.tcp.ack = Seq(ack);
  p.tcp.window = window;
  return c;
}

std::vector<Case> Conversation() {
  std::vector<Case> cases;
  const uint32_t c1 = kClientIsn + 1;
  const uint32_t s1 = kServerIsn + 1;

  Case syn = Make("syn", true, flags::kSyn, kClientIsn, 0, 64240);
  syn.packet.tcp.options.mss = 1460;
  syn.packet.tcp.options.sack_permitted = true;
  syn.packet.tcp.options.timestamps = Timestamps{100, 0};
  syn.packet.tcp.options.window_scale = 7;
  syn.option_kinds = "2,4,8,1,3";
  syn.expert = {"Connection establish request (SYN): server port 80"};
  cases.push_back(syn);

  Case synack = Make("syn_ack", false, flags::kSyn | flags::kAck, kServerIsn, c1, 65160);
  synack.packet.tcp.options.mss = 1400;
  synack.packet.tcp.options.sack_permitted = true;
  synack.packet.tcp.options.timestamps = Timestamps{200, 100};
  synack.packet.tcp.options.window_scale = 9;
  synack.option_kinds = "2,4,8,1,3";
  synack.expert = {"Connection establish acknowledge (SYN+ACK): server port 80"};
  cases.push_back(synack);

  Case ack = Make("ack", true, flags::kAck, c1, s1, 502);
  ack.packet.tcp.options.timestamps = Timestamps{101, 200};
  ack.option_kinds = "1,1,8";
  cases.push_back(ack);

  Case data = Make("data_full_across_wrap", true, flags::kPsh | flags::kAck, c1, s1, 502);
  data.packet.tcp.options.timestamps = Timestamps{102, 200};
  data.payload.resize(1448);
  for (size_t i = 0; i < data.payload.size(); ++i) data.payload[i] = static_cast<uint8_t>(i * 7);
  data.option_kinds = "1,1,8";
  cases.push_back(data);

  Case odd = Make("data_odd_length", true, flags::kPsh | flags::kAck, c1 + 1448, s1, 502);
  odd.packet.tcp.options.timestamps = Timestamps{103, 200};
  odd.payload.assign(777, 0xa5);
  odd.option_kinds = "1,1,8";
  cases.push_back(odd);

  for (int n = 1; n <= 4; ++n) {
    Case sack = Make(absl::StrCat("sack_", n), false, flags::kAck, s1, c1, 1000);
    for (int b = 0; b < n; ++b) {
      const uint32_t left = c1 + 3000 * (b + 1);
      sack.packet.tcp.options.AddSackBlock({Seq(left), Seq(left + 1448)});
    }
    if (n < 4) {
      sack.packet.tcp.options.timestamps = Timestamps{static_cast<uint32_t>(201 + n), 103};
      sack.option_kinds = "1,1,8,1,1,5";
    } else {
      sack.option_kinds = "1,1,5";
    }
    cases.push_back(sack);
  }

  Case fin = Make("fin_ack", true, flags::kFin | flags::kAck, c1 + 2225, s1, 502);
  fin.expert = {"Connection finish (FIN)", "This frame initiates the connection closing"};
  cases.push_back(fin);

  Case rst = Make("rst", false, flags::kRst, s1, 0, 0);
  rst.packet.ip.dont_fragment = false;
  rst.expert = {"Connection reset (RST)"};
  cases.push_back(rst);

  Case rst_ack = Make("rst_ack", false, flags::kRst | flags::kAck, 0, c1 + 2226, 0);
  rst_ack.expert = {"Connection reset (RST)"};
  cases.push_back(rst_ack);

  // An explicit, non-canonical layout (as a packet-level script may ask for)
  // with EOL padding.
  Case layout = Make("syn_explicit_layout", true, flags::kSyn, 77, 0, 1024);
  auto& o = layout.packet.tcp.options;
  o.mss = 536;
  o.window_scale = 14;
  o.AppendLayout(OptionKind::kWindowScale);
  o.AppendLayout(OptionKind::kMss);
  o.AppendLayout(OptionKind::kEol);
  layout.option_kinds = "3,2,0";  // 3 + 4 + 1 = 8 bytes: no further padding
  layout.expert = {"Connection establish request (SYN): server port 80"};
  cases.push_back(layout);

  Case one = Make("one_byte", true, flags::kPsh | flags::kAck | flags::kUrg, 5000, s1, 7);
  one.payload = {0x42};
  one.packet.tcp.urgent = 1;
  cases.push_back(one);

  for (Case& c : cases) c.packet.payload = c.payload;
  return cases;
}

std::vector<uint8_t> Serialize(const Packet& p) {
  std::vector<uint8_t> b(wire::SerializedSize(p));
  EXPECT_EQ(wire::SerializePacket(p, absl::MakeSpan(b)), b.size());
  return b;
}

std::vector<uint8_t> InEthernet(const std::vector<uint8_t>& ip) {
  std::vector<uint8_t> f = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00};
  f.insert(f.end(), ip.begin(), ip.end());
  return f;
}

std::string WritePcap(const std::string& name, netsim::LinkType link,
                      const std::vector<std::vector<uint8_t>>& packets) {
  const std::string path = TempDir() + "/" + name;
  absl::StatusOr<netsim::PcapWriter> w = netsim::PcapWriter::OpenFile(path, link);
  EXPECT_TRUE(w.ok()) << w.status();
  if (!w.ok()) return path;
  Instant t = Instant::Zero();
  for (const auto& p : packets) {
    EXPECT_TRUE(w->Write(t, link == netsim::LinkType::kEthernet ? InEthernet(p) : p).ok());
    t += absl::Microseconds(250);
  }
  EXPECT_TRUE(w->Close().ok());
  return path;
}

constexpr absl::string_view kFields[] = {
    "frame.number",
    "ip.checksum.status",
    "tcp.checksum.status",
    "ip.src",
    "ip.dst",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.seq_raw",
    "tcp.ack_raw",
    "tcp.flags",
    "tcp.len",
    "tcp.window_size_value",
    "tcp.hdr_len",
    "tcp.urgent_pointer",
    "tcp.options.mss_val",
    "tcp.options.wscale.shift",
    "tcp.options.sack_perm",
    "tcp.options.sack_le",
    "tcp.options.sack_re",
    "tcp.options.timestamp.tsval",
    "tcp.options.timestamp.tsecr",
    "tcp.option_kind",
    "_ws.expert.message",
    "_ws.malformed",
};
enum Column {
  kFrame,
  kIpChecksum,
  kTcpChecksum,
  kIpSrc,
  kIpDst,
  kSrcPort,
  kDstPort,
  kSeq,
  kAck,
  kFlags,
  kLen,
  kWindow,
  kHdrLen,
  kUrgent,
  kMss,
  kWscale,
  kSackPerm,
  kSackLe,
  kSackRe,
  kTsval,
  kTsecr,
  kOptionKinds,
  kExpert,
  kMalformed,
  kColumnCount
};
static_assert(sizeof(kFields) / sizeof(kFields[0]) == kColumnCount);

// Common options: verify checksums, absolute sequence numbers, and no
// stream analysis (these packets are samples, not one coherent stream).
constexpr char kPrefs[] =
    "-n -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE "
    "-o tcp.relative_sequence_numbers:FALSE -o tcp.analyze_sequence_numbers:FALSE";

std::vector<std::vector<std::string>> DecodeFields(const std::string& pcap) {
  std::string args = absl::StrCat("-r '", pcap, "' ", kPrefs,
                                  " -T fields -E separator=/t -E occurrence=a -E aggregator=,");
  for (absl::string_view f : kFields) absl::StrAppend(&args, " -e ", f);
  // Expert messages are joined with "," too; none of the expected ones
  // contains a comma, which CheckRow relies on.
  const CommandResult r = Run(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::vector<std::string>> rows;
  for (absl::string_view line : absl::StrSplit(r.out, '\n', absl::SkipEmpty())) {
    std::vector<std::string> cols = absl::StrSplit(line, '\t');
    EXPECT_EQ(cols.size(), static_cast<size_t>(kColumnCount)) << line;
    cols.resize(kColumnCount);
    rows.push_back(cols);
  }
  return rows;
}

// The expert summary (tshark -z expert): every listed item must be one we
// expect; an "Errors" section (bad checksums, malformed packets) fails.
std::vector<std::string> UnexpectedExpertItems(const std::string& pcap,
                                               const std::vector<std::string>& allowed) {
  const CommandResult r = Run(absl::StrCat("-r '", pcap, "' ", kPrefs, " -q -z expert,chat"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> bad;
  for (absl::string_view line : absl::StrSplit(r.out, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "Errors") || absl::StrContains(line, "Malformed")) {
      bad.push_back(std::string(line));
      continue;
    }
    // Item rows: "   <count>   <group>   <protocol>  <summary>".
    const absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(line);
    if (trimmed.empty() || !absl::ascii_isdigit(trimmed[0])) continue;
    bool ok = false;
    for (const std::string& a : allowed) ok = ok || absl::StrContains(line, a);
    if (!ok) bad.push_back(std::string(line));
  }
  return bad;
}

std::string Kinds(const Case& c) { return c.option_kinds; }

void CheckRow(const Case& c, const std::vector<std::string>& row) {
  SCOPED_TRACE(c.name);
  const Packet& p = c.packet;
  const auto& o = p.tcp.options;
  EXPECT_EQ(row[kIpChecksum], "1") << "IP checksum not good";
  EXPECT_EQ(row[kTcpChecksum], "1") << "TCP checksum not good";
  EXPECT_EQ(row[kIpSrc], p.ip.src.ToString());
  EXPECT_EQ(row[kIpDst], p.ip.dst.ToString());
  EXPECT_EQ(row[kSrcPort], absl::StrCat(p.tcp.src_port));
  EXPECT_EQ(row[kDstPort], absl::StrCat(p.tcp.dst_port));
  EXPECT_EQ(row[kSeq], absl::StrCat(p.tcp.seq.raw()));
  if (p.tcp.has(flags::kAck)) {
    EXPECT_EQ(row[kAck], absl::StrCat(p.tcp.ack.raw()));
  }
  EXPECT_EQ(row[kFlags], absl::StrFormat("0x%04x", p.tcp.flags));
  EXPECT_EQ(row[kLen], absl::StrCat(p.payload.size()));
  EXPECT_EQ(row[kWindow], absl::StrCat(p.tcp.window));
  EXPECT_EQ(row[kHdrLen], absl::StrCat(20 + o.WireSize()));
  EXPECT_EQ(row[kUrgent], absl::StrCat(p.tcp.urgent));
  EXPECT_EQ(row[kMss], o.mss ? absl::StrCat(*o.mss) : "");
  EXPECT_EQ(row[kWscale], o.window_scale ? absl::StrCat(*o.window_scale) : "");
  EXPECT_EQ(row[kSackPerm], o.sack_permitted ? "0402" : "");
  std::vector<std::string> le, re;
  for (int i = 0; i < o.sack_count; ++i) {
    le.push_back(absl::StrCat(o.sack_blocks[i].left.raw()));
    re.push_back(absl::StrCat(o.sack_blocks[i].right.raw()));
  }
  EXPECT_EQ(row[kSackLe], absl::StrJoin(le, ","));
  EXPECT_EQ(row[kSackRe], absl::StrJoin(re, ","));
  EXPECT_EQ(row[kTsval], o.timestamps ? absl::StrCat(o.timestamps->val) : "");
  EXPECT_EQ(row[kTsecr], o.timestamps ? absl::StrCat(o.timestamps->ecr) : "");
  EXPECT_EQ(row[kOptionKinds], Kinds(c));
  EXPECT_EQ(row[kMalformed], "");
  // Every expert message is one this packet should raise, and all of those appear.
  std::string rest = row[kExpert];
  for (const std::string& e : c.expert) {
    EXPECT_TRUE(absl::StrContains(rest, e)) << "missing expert item " << e << " in " << rest;
    absl::StrReplaceAll({{e, ""}}, &rest);
  }
  EXPECT_TRUE(absl::StrReplaceAll(rest, {{",", ""}}).empty())
      << "unexpected expert items: " << row[kExpert];
}

// Without tshark: the same files read back through netsim/pcap and
// //tcp/wire give the packets that were written, for both link types.
TEST(PcapWireRoundTripTest, WrittenPacketsReadBack) {
  const std::vector<Case> cases = Conversation();
  std::vector<std::vector<uint8_t>> packets;
  for (const Case& c : cases) packets.push_back(Serialize(c.packet));
  for (const netsim::LinkType link : {netsim::LinkType::kRaw, netsim::LinkType::kEthernet}) {
    SCOPED_TRACE(absl::StrCat("link type ", static_cast<int>(link)));
    const std::string path =
        WritePcap(absl::StrCat("round_trip_", static_cast<int>(link), ".pcap"), link, packets);
    absl::StatusOr<netsim::PcapFile> file = netsim::ReadPcapFile(path);
    ASSERT_TRUE(file.ok()) << file.status();
    EXPECT_EQ(file->link_type, static_cast<uint32_t>(link));
    ASSERT_EQ(file->records.size(), cases.size());
    for (size_t i = 0; i < cases.size(); ++i) {
      SCOPED_TRACE(cases[i].name);
      const netsim::PcapRecord& r = file->records[i];
      EXPECT_EQ(r.timestamp_ns, static_cast<int64_t>(250000 * i));
      absl::StatusOr<absl::Span<const uint8_t>> ip =
          netsim::Ipv4PacketOfRecord(file->link_type, r.data);
      ASSERT_TRUE(ip.ok()) << ip.status();
      EXPECT_EQ(std::vector<uint8_t>(ip->begin(), ip->end()), packets[i]);
      Packet p;
      ASSERT_EQ(wire::ParsePacket(*ip, &p), wire::ParseError::kOk);
      EXPECT_EQ(p.tcp.seq, cases[i].packet.tcp.seq);
      EXPECT_EQ(p.tcp.flags, cases[i].packet.tcp.flags);
      EXPECT_EQ(p.tcp.options, cases[i].packet.tcp.options);
      EXPECT_EQ(p.payload.size(), cases[i].payload.size());
    }
  }
}

class TsharkDecodeTest : public testing::Test {
 protected:
  void SetUp() override {
    if (!TsharkInstalled()) {
      GTEST_SKIP() << interop::kTsharkMissing;
    }
  }
};

TEST_F(TsharkDecodeTest, TcplabPacketsDecodeCleanly) {
  const std::vector<Case> cases = Conversation();
  std::vector<std::vector<uint8_t>> packets;
  std::vector<std::string> allowed;
  for (const Case& c : cases) {
    packets.push_back(Serialize(c.packet));
    allowed.insert(allowed.end(), c.expert.begin(), c.expert.end());
  }
  for (const netsim::LinkType link : {netsim::LinkType::kRaw, netsim::LinkType::kEthernet}) {
    SCOPED_TRACE(absl::StrCat("link type ", static_cast<int>(link)));
    const std::string pcap =
        WritePcap(absl::StrCat("tcplab_", static_cast<int>(link), ".pcap"), link, packets);
    const auto rows = DecodeFields(pcap);
    ASSERT_EQ(rows.size(), cases.size());
    for (size_t i = 0; i < cases.size(); ++i) {
      EXPECT_EQ(rows[i][kFrame], absl::StrCat(i + 1));
      CheckRow(cases[i], rows[i]);
    }
    EXPECT_EQ(UnexpectedExpertItems(pcap, allowed), std::vector<std::string>());
  }
}

// The checks above can fail: damaged packets make tshark report bad
// checksums and unexpected expert items through the same code paths.
TEST_F(TsharkDecodeTest, DamagedPacketsAreReported) {
  const std::vector<Case> cases = Conversation();
  std::vector<uint8_t> bad_tcp = Serialize(cases[0].packet);
  bad_tcp[37] ^= 0x01;  // TCP checksum
  std::vector<uint8_t> bad_ip = Serialize(cases[2].packet);
  bad_ip[11] ^= 0x01;  // IP checksum
  const std::string pcap = WritePcap("damaged.pcap", netsim::LinkType::kRaw, {bad_tcp, bad_ip});
  const auto rows = DecodeFields(pcap);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][kTcpChecksum], "0");
  EXPECT_EQ(rows[0][kIpChecksum], "1");
  EXPECT_EQ(rows[1][kIpChecksum], "0");
  EXPECT_TRUE(absl::StrContains(rows[0][kExpert], "Bad checksum")) << rows[0][kExpert];
  const std::vector<std::string> unexpected =
      UnexpectedExpertItems(pcap, {"Connection establish request (SYN)"});
  EXPECT_FALSE(unexpected.empty());
}

}  // namespace
}  // namespace tcplab
