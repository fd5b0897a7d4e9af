// The graph against its input: every data segment, retransmission, probe,
// drop and SACK block of the connection is one mark, and nothing else is;
// the axes span the data; zoom keeps exactly the marks inside; the SVG is
// well-formed and the same bytes every time; a pcap (raw or Ethernet) of
// the same run draws the same packets.
//
// The expected numbers are counted here from the input's packets with
// their own parse, and cross-checked against the engine's counters.

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "gtest/gtest.h"
#include "scenarios/lang/scenario_parser.h"
#include "scenarios/runner/run.h"
#include "tcp/wire/packet.h"
#include "tools/plot/connection.h"
#include "tools/plot/plot_input.h"
#include "tools/plot/sim_input.h"
#include "tools/plot/svg_check.h"
#include "tools/plot/time_sequence.h"

namespace tcplab::plot {
namespace {

// Loss both ways (data and ACKs), SACK recovery: a scenario file, which
// svg_xml_test.sh plots through the command line too.
constexpr char kLossyFile[] = "tools/plot/testdata/lossy_bulk.scn";

// The link dies: drops with reason link_down, backed-off timeouts.
constexpr char kDying[] = R"(
seed 10
host client { address 10.0.0.1; rto_min 200ms; rto_max 2s; data_retries 4 }
host server { address 10.0.0.2 }
link client -- server { delay 10ms; rate 50Mbit/s }
app rx sink on server { listen 5001 }
app tx bulk on client { connect server:5001; bytes 2MB }
when tx.sent >= 200KB: link client -- server down
)";

// The reader stops: the window closes and the sender probes it.
constexpr char kZeroWindow[] = R"(
seed 12
host client { address 10.0.0.1 }
host server { address 10.0.0.2; recv_buffer 32KiB }
link client -- server { delay 5ms; rate 100Mbit/s }
app slow sink on server { listen 80; read_rate 500KB/s; read_pause 500ms for 6s }
app pusher bulk on client { connect server:80; bytes 600KB }
)";

scenario::Scenario ParseText(const char* text) {
  absl::StatusOr<scenario::Scenario> s = scenario::ParseScenario(text, "test.scn");
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : scenario::Scenario{};
}

scenario::Scenario ParseFile(const char* path) {
  std::ifstream f(path);
  std::stringstream text;
  text << f.rdbuf();
  absl::StatusOr<scenario::Scenario> s = scenario::ParseScenario(text.str(), path);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : scenario::Scenario{};
}

PlotInput Record(const scenario::Scenario& s) {
  absl::StatusOr<PlotInput> in = RecordScenario(s, std::nullopt);
  EXPECT_TRUE(in.ok()) << in.status();
  return in.ok() ? *in : PlotInput{};
}

Connection Select(const PlotInput& in, const std::string& spec = "") {
  absl::StatusOr<Connection> c = SelectConnection(in, spec);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : Connection{};
}

// What the input holds for the connection from `src` to `dst`, counted
// independently of connection.cc.
struct Truth {
  int data = 0;            // sender -> receiver segments with payload
  int drops = 0;           // dropped packets of the connection, both ways
  int sack_blocks = 0;     // in receiver -> sender segments
  double t_min = 1e300, t_max = -1e300;
  uint32_t isn = 0;
  int64_t max_end = 0;     // relative to the ISN
};

bool Between(const wire::Packet& p, const Endpoint& src, const Endpoint& dst) {
  return p.ip.src == src.address && p.tcp.src_port == src.port && p.ip.dst == dst.address &&
         p.tcp.dst_port == dst.port;
}

Truth Count(const PlotInput& in, const Endpoint& s, const Endpoint& r) {
  Truth t;
  wire::ParseOptions po;
  po.verify_checksums = false;
  bool isn_known = false;
  for (const TimedPacket& tp : in.sent) {
    wire::Packet p;
    if (wire::ParsePacket(tp.bytes, &p, po) != wire::ParseError::kOk) continue;
    const bool fwd = Between(p, s, r), back = Between(p, r, s);
    if (!fwd && !back) continue;
    t.t_min = std::min(t.t_min, tp.t_ns / 1e9);
    t.t_max = std::max(t.t_max, tp.t_ns / 1e9);
    if (fwd && p.tcp.has(wire::flags::kSyn) && !isn_known) {
      t.isn = p.tcp.seq.raw();
      isn_known = true;
    }
    if (fwd && !p.payload.empty()) {
      ++t.data;
      t.max_end = std::max<int64_t>(t.max_end, (p.tcp.seq.raw() - t.isn) + p.payload.size());
    }
    if (back) t.sack_blocks += p.tcp.options.sack_count;
  }
  for (const DroppedPacket& d : in.drops) {
    wire::Packet p;
    if (wire::ParsePacket(d.bytes, &p, po) != wire::ParseError::kOk) continue;
    if (Between(p, s, r) || Between(p, r, s)) ++t.drops;
  }
  return t;
}

// Retransmissions as the engine counts them by cause (its total also holds
// zero-window probes sent again).
int ByCause(const tcp::ConnectionInfo& i) {
  return static_cast<int>(i.timeout_retransmissions + i.fast_retransmissions +
                          i.sack_retransmissions + i.recovery_retransmissions);
}

const tcp::ConnectionInfo& LastInfo(const Connection& c) {
  static const tcp::ConnectionInfo none;
  return c.infos.empty() ? none : c.infos.back().second;
}

double Attr(const std::string& svg, const std::string& axis, const std::string& attr) {
  double v = 0;
  EXPECT_TRUE(absl::SimpleAtod(AttributeOf(svg, absl::StrCat("data-axis=\"", axis, "\""), attr),
                               &v))
      << axis << " " << attr;
  return v;
}

int DataMarks(const std::string& svg) {
  return CountClass(svg, "seg") + CountClass(svg, "rexmit") + CountClass(svg, "probe");
}

TEST(SvgCheckTest, CatchesWhatIsNotWellFormed) {
  EXPECT_EQ(WellFormedError("<a><b/></a>"), "");
  EXPECT_NE(WellFormedError("<a><b></a>"), "");
  EXPECT_NE(WellFormedError("<a x=1></a>"), "");
  EXPECT_NE(WellFormedError("<a>&</a>"), "");
  EXPECT_NE(WellFormedError("<a></a><b></b>"), "");
  EXPECT_NE(WellFormedError("<a>"), "");
  EXPECT_EQ(CountClass("<p class=\"seg\"/><p class=\"key seg\"/>", "seg"), 1);
}

TEST(TimeSequenceTest, LossyTransferEveryMarkMatchesTheTrace) {
  const PlotInput in = Record(ParseFile(kLossyFile));
  const Connection c = Select(in);
  EXPECT_EQ(c.sender_name, "a:49152");
  EXPECT_EQ(c.receiver_name, "b:80");
  const Truth t = Count(in, c.sender, c.receiver);
  const std::string svg = RenderTimeSequenceSvg(in, c, {});
  EXPECT_EQ(WellFormedError(svg), "");

  EXPECT_EQ(DataMarks(svg), t.data);
  const tcp::ConnectionInfo& info = LastInfo(c);
  ASSERT_GT(info.retransmissions, 0u) << "the scenario should lose data";
  EXPECT_EQ(CountClass(svg, "rexmit"), static_cast<int>(info.retransmissions));
  EXPECT_EQ(CountClass(svg, "rexmit"), ByCause(info));
  EXPECT_EQ(CountClass(svg, "probe"), 0);
  ASSERT_GT(t.drops, 0);
  EXPECT_EQ(CountClass(svg, "drop"), t.drops);
  ASSERT_GT(t.sack_blocks, 0);
  EXPECT_EQ(CountClass(svg, "sack"), t.sack_blocks);
  EXPECT_EQ(CountClass(svg, "ack"), 1);
  EXPECT_EQ(CountClass(svg, "win"), 1);
  EXPECT_EQ(CountClass(svg, "panel"), 3);
  EXPECT_EQ(CountClass(svg, "cwnd"), 1);
  EXPECT_EQ(CountClass(svg, "rtt"), static_cast<int>(c.rtts.size()));
  EXPECT_GT(c.rtts.size(), 10u);
  // RTT samples at least the path's two-way delay (2 x 10 ms).
  for (const RttSample& s : c.rtts) EXPECT_GE(s.rtt_ns, 20'000'000);

  // The axes span the data.
  EXPECT_LE(Attr(svg, "main-time", "data-min"), t.t_min);
  EXPECT_GE(Attr(svg, "main-time", "data-max"), t.t_max);
  EXPECT_LE(Attr(svg, "main-value", "data-min"), 0);
  EXPECT_GE(Attr(svg, "main-value", "data-max"), t.max_end);
  EXPECT_GE(t.max_end, 400'000);
}

TEST(TimeSequenceTest, DyingConnectionDropsAndTimeouts) {
  const PlotInput in = Record(ParseText(kDying));
  const Connection c = Select(in);
  const Truth t = Count(in, c.sender, c.receiver);
  const std::string svg = RenderTimeSequenceSvg(in, c, {});
  EXPECT_EQ(WellFormedError(svg), "");
  EXPECT_EQ(DataMarks(svg), t.data);
  const tcp::ConnectionInfo& info = LastInfo(c);
  EXPECT_GE(info.timeouts, 4u);
  EXPECT_EQ(CountClass(svg, "rexmit"), static_cast<int>(info.retransmissions));
  EXPECT_EQ(CountClass(svg, "rexmit"), ByCause(info));
  EXPECT_EQ(CountClass(svg, "drop"), t.drops);
  int link_down = 0;
  for (const Drop& d : c.drops) link_down += d.reason == "link_down";
  EXPECT_EQ(link_down, t.drops);
  EXPECT_NE(svg.find("data-reason=\"link_down\""), std::string::npos);
  // The time axis reaches the engine's last snapshot (the give-up), past
  // the last packet.
  EXPECT_GE(Attr(svg, "main-time", "data-max"), c.infos.back().first / 1e9);
  EXPECT_GT(c.infos.back().first / 1e9, t.t_max);
}

TEST(TimeSequenceTest, ZeroWindowProbesAreTheirOwnMarks) {
  const PlotInput in = Record(ParseText(kZeroWindow));
  const Connection c = Select(in);
  const Truth t = Count(in, c.sender, c.receiver);
  const std::string svg = RenderTimeSequenceSvg(in, c, {});
  const tcp::ConnectionInfo& info = LastInfo(c);
  ASSERT_GE(info.zero_window_probes, 3u);
  EXPECT_EQ(DataMarks(svg), t.data);
  // The first probe carries a new byte; each one after sends it again.
  EXPECT_EQ(CountClass(svg, "probe"), static_cast<int>(info.zero_window_probes) - 1);
  EXPECT_EQ(CountClass(svg, "rexmit"), ByCause(info));
  EXPECT_EQ(CountClass(svg, "rexmit") + CountClass(svg, "probe"),
            static_cast<int>(info.retransmissions));
  EXPECT_EQ(CountClass(svg, "drop"), 0);
}

TEST(TimeSequenceTest, ZoomKeepsExactlyTheMarksInside) {
  const PlotInput in = Record(ParseFile(kLossyFile));
  const Connection c = Select(in);
  const std::string all = RenderTimeSequenceSvg(in, c, {});
  PlotOptions o;
  const double t0 = c.data[c.data.size() / 3].t_ns / 1e9;
  const double t1 = c.data[c.data.size() / 2].t_ns / 1e9;
  o.time = {t0, t1};
  o.seq = {100'000, 250'000};
  const std::string zoomed = RenderTimeSequenceSvg(in, c, o);
  EXPECT_EQ(WellFormedError(zoomed), "");
  int data = 0, rexmit = 0, drops = 0;
  for (const DataSegment& d : c.data) {
    const double t = d.t_ns / 1e9;
    if (t < t0 || t > t1 || d.end <= 100'000 || d.begin >= 250'000) continue;
    ++data;
    rexmit += d.kind == DataKind::kRetransmission;
  }
  for (const Drop& d : c.drops) {
    const double t = d.t_ns / 1e9, v = d.data_direction ? d.end : d.seq;
    drops += t >= t0 && t <= t1 && v >= 100'000 && v <= 250'000;
  }
  ASSERT_GT(data, 0);
  EXPECT_LT(data, DataMarks(all));
  EXPECT_EQ(DataMarks(zoomed), data);
  EXPECT_EQ(CountClass(zoomed, "rexmit"), rexmit);
  EXPECT_EQ(CountClass(zoomed, "drop"), drops);
  EXPECT_DOUBLE_EQ(Attr(zoomed, "main-time", "data-min"), t0);
  EXPECT_NEAR(Attr(zoomed, "main-time", "data-max"), t1, 1e-9);
  EXPECT_DOUBLE_EQ(Attr(zoomed, "main-value", "data-min"), 100'000);
  EXPECT_DOUBLE_EQ(Attr(zoomed, "main-value", "data-max"), 250'000);
}

TEST(TimeSequenceTest, SameInputSameBytes) {
  const PlotInput a = Record(ParseFile(kLossyFile)), b = Record(ParseFile(kLossyFile));
  EXPECT_EQ(RenderTimeSequenceSvg(a, Select(a), {}), RenderTimeSequenceSvg(b, Select(b), {}));
}

// The pcap of the same run: 4-byte little-endian fields.
void Put32(std::vector<uint8_t>* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

TEST(TimeSequenceTest, PcapRawAndEthernetShowThePackets) {
  scenario::runner::RunOptions ro;
  ro.pcap_in_memory = true;
  ro.timeline = false;
  absl::StatusOr<scenario::runner::RunResult> run =
      scenario::runner::RunScenario(ParseFile(kLossyFile), ro);
  ASSERT_TRUE(run.ok()) << run.status();
  absl::StatusOr<PlotInput> raw = PcapBytesToInput(run->pcap, "run.pcap");
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_FALSE(raw->simulated);
  const Connection c = Select(*raw, "10.0.0.1:49152-10.0.0.2:80");
  const std::string svg = RenderTimeSequenceSvg(*raw, c, {});
  EXPECT_EQ(WellFormedError(svg), "");

  const PlotInput sim = Record(ParseFile(kLossyFile));
  const Connection sc = Select(sim);
  const Truth t = Count(*raw, c.sender, c.receiver);
  EXPECT_EQ(DataMarks(svg), t.data);
  EXPECT_EQ(t.data, Count(sim, sc.sender, sc.receiver).data);
  EXPECT_EQ(CountClass(svg, "rexmit"), static_cast<int>(LastInfo(sc).retransmissions));
  EXPECT_EQ(CountClass(svg, "drop"), 0);  // a capture does not know
  EXPECT_EQ(CountClass(svg, "panel"), 0);

  // The same records behind Ethernet headers (LINKTYPE_ETHERNET).
  std::vector<uint8_t> eth(run->pcap.begin(), run->pcap.begin() + 20);
  Put32(&eth, 1);
  for (size_t at = 24; at + 16 <= run->pcap.size();) {
    uint32_t incl = 0;
    for (int i = 0; i < 4; ++i) incl |= uint32_t{run->pcap[at + 8 + i]} << (8 * i);
    eth.insert(eth.end(), run->pcap.begin() + at, run->pcap.begin() + at + 8);
    Put32(&eth, incl + 14);
    Put32(&eth, incl + 14);
    for (int i = 0; i < 12; ++i) eth.push_back(static_cast<uint8_t>(i));  // MACs
    eth.push_back(0x08);
    eth.push_back(0x00);
    eth.insert(eth.end(), run->pcap.begin() + at + 16, run->pcap.begin() + at + 16 + incl);
    at += 16 + incl;
  }
  absl::StatusOr<PlotInput> ether = PcapBytesToInput(eth, "run.pcap");
  ASSERT_TRUE(ether.ok()) << ether.status();
  EXPECT_EQ(RenderTimeSequenceSvg(*ether, Select(*ether), {}), svg);
}

// tcpdump -s 80: every record cut to 80 bytes, the graph unchanged.
TEST(TimeSequenceTest, SnaplenCutCapturesKeepWholeSegments) {
  scenario::runner::RunOptions ro;
  ro.pcap_in_memory = true;
  ro.timeline = false;
  absl::StatusOr<scenario::runner::RunResult> run =
      scenario::runner::RunScenario(ParseFile(kLossyFile), ro);
  ASSERT_TRUE(run.ok()) << run.status();
  constexpr uint32_t kSnap = 80;
  std::vector<uint8_t> cut(run->pcap.begin(), run->pcap.begin() + 24);
  int shortened = 0;
  for (size_t at = 24; at + 16 <= run->pcap.size();) {
    uint32_t incl = 0;
    for (int i = 0; i < 4; ++i) incl |= uint32_t{run->pcap[at + 8 + i]} << (8 * i);
    const uint32_t keep = std::min(incl, kSnap);
    shortened += keep < incl;
    cut.insert(cut.end(), run->pcap.begin() + at, run->pcap.begin() + at + 8);
    Put32(&cut, keep);
    cut.insert(cut.end(), run->pcap.begin() + at + 12, run->pcap.begin() + at + 16);
    cut.insert(cut.end(), run->pcap.begin() + at + 16, run->pcap.begin() + at + 16 + keep);
    at += 16 + incl;
  }
  ASSERT_GT(shortened, 100);
  absl::StatusOr<PlotInput> whole = PcapBytesToInput(run->pcap, "run.pcap");
  absl::StatusOr<PlotInput> snapped = PcapBytesToInput(cut, "run.pcap");
  ASSERT_TRUE(whole.ok() && snapped.ok()) << snapped.status();
  EXPECT_EQ(RenderTimeSequenceSvg(*snapped, Select(*snapped), {}),
            RenderTimeSequenceSvg(*whole, Select(*whole), {}));
}

TEST(TimeSequenceTest, ConnectionChoiceAndErrors) {
  const PlotInput in = Record(ParseFile(kLossyFile));
  EXPECT_EQ(ListConnections(in), std::vector<std::string>{"a:49152-b:80"});
  // The reverse direction: the receiver as "sender" has no data marks.
  const Connection back = Select(in, "b:80-a:49152");
  EXPECT_TRUE(back.data.empty());
  EXPECT_FALSE(SelectConnection(in, "a:1-b:80").ok());
  EXPECT_FALSE(SelectConnection(in, "a-b").ok());
  EXPECT_FALSE(ParseTimeRange("3..1").ok());
  EXPECT_EQ(ParseSeqRange("0..1.5M")->second, 1.5e6);
}

}  // namespace
}  // namespace tcplab::plot
