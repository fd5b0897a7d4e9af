// Cross-check against scapy: every packet in tests/testdata/scapy_golden.txt
// (built and dissected by scapy, see tools/gen_golden_packets.py) must parse
// with tcplab to the field values scapy reports, and re-serialize to the same
// bytes unless the line says why not (IP options and unknown option kinds,
// which tcplab never sends).

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "tcp/wire/packet.h"

namespace tcplab::wire {
namespace {

using Fields = std::map<std::string, std::string>;

std::string GoldenPath() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return absl::StrCat(srcdir != nullptr ? srcdir : ".", "/",
                      workspace != nullptr ? workspace : "tcplab",
                      "/tests/testdata/scapy_golden.txt");
}

std::vector<Fields> LoadGolden() {
  std::ifstream in(GoldenPath());
  EXPECT_TRUE(in.good()) << "cannot open " << GoldenPath();
  std::vector<Fields> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    Fields f;
    for (absl::string_view kv : absl::StrSplit(line, ' ', absl::SkipEmpty())) {
      const std::pair<std::string, std::string> p = absl::StrSplit(kv, absl::MaxSplits('=', 1));
      f[p.first] = p.second;
    }
    out.push_back(f);
  }
  return out;
}

uint64_t Num(const Fields& f, const std::string& key) {
  auto it = f.find(key);
  EXPECT_NE(it, f.end()) << "missing field " << key;
  uint64_t v = 0;
  EXPECT_TRUE(it != f.end() && absl::SimpleAtoi(it->second, &v)) << key;
  return v;
}

// tcplab's parsed options in the notation of the golden file (scapy's names).
std::string OptionsAsScapy(const TcpOptions& o, absl::Span<const uint8_t> option_bytes) {
  std::vector<std::string> items;
  size_t pos = 0;  // to pull an unknown option's value bytes for comparison
  for (int i = 0; i < o.layout_size; ++i) {
    const uint8_t kind = o.layout[i];
    switch (kind) {
      case 0:
        items.push_back("EOL");
        pos += 1;
        break;
      case 1:
        items.push_back("NOP");
        pos += 1;
        break;
      case 2:
        items.push_back(absl::StrCat("MSS=", *o.mss));
        pos += 4;
        break;
      case 3:
        items.push_back(absl::StrCat("WScale=", *o.window_scale));
        pos += 3;
        break;
      case 4:
        items.push_back("SAckOK");
        pos += 2;
        break;
      case 8:
        items.push_back(absl::StrCat("Timestamp=", o.timestamps->val, "/", o.timestamps->ecr));
        pos += 10;
        break;
      case 5: {
        std::vector<std::string> edges;
        for (int b = 0; b < o.sack_count; ++b) {
          edges.push_back(absl::StrCat(o.sack_blocks[b].left.raw()));
          edges.push_back(absl::StrCat(o.sack_blocks[b].right.raw()));
        }
        items.push_back(absl::StrCat("SAck=", absl::StrJoin(edges, "/")));
        pos += 2 + 8 * o.sack_count;
        break;
      }
      default: {
        // tcplab keeps only the kind; its length and value are in the bytes.
        if (pos + 1 >= option_bytes.size()) return "<unknown option past the end>";
        const uint8_t len = option_bytes[pos + 1];
        const std::string value(reinterpret_cast<const char*>(option_bytes.data() + pos + 2),
                                len - 2);
        items.push_back(absl::StrCat("opt", kind, "=", absl::BytesToHexString(value)));
        pos += len;
        break;
      }
    }
  }
  // scapy reports trailing zero padding after the last option as EOL.
  if (!items.empty() && items.back() != "EOL" && pos < option_bytes.size() &&
      option_bytes[pos] == 0) {
    items.push_back("EOL");
  }
  return items.empty() ? "-" : absl::StrJoin(items, ",");
}

TEST(ScapyGoldenTest, EveryPacketMatchesScapy) {
  const std::vector<Fields> golden = LoadGolden();
  ASSERT_GE(golden.size(), 30u);
  std::set<std::string> names;
  int reserialized = 0;
  for (const Fields& f : golden) {
    const std::string name = f.at("name");
    SCOPED_TRACE(name);
    EXPECT_TRUE(names.insert(name).second) << "duplicate name";
    const std::string raw = absl::HexStringToBytes(f.at("hex"));
    const std::vector<uint8_t> bytes(raw.begin(), raw.end());
    Packet p;
    ASSERT_EQ(ParsePacket(bytes, &p), ParseError::kOk) << ParseErrorName(ParsePacket(bytes, &p));

    EXPECT_EQ(p.ip.src.ToString(), f.at("src"));
    EXPECT_EQ(p.ip.dst.ToString(), f.at("dst"));
    EXPECT_EQ(p.ip.tos, Num(f, "tos"));
    EXPECT_EQ(p.ip.id, Num(f, "id"));
    EXPECT_EQ(p.ip.ttl, Num(f, "ttl"));
    EXPECT_EQ(p.ip.dont_fragment, Num(f, "df") == 1);
    EXPECT_EQ(p.tcp.src_port, Num(f, "sport"));
    EXPECT_EQ(p.tcp.dst_port, Num(f, "dport"));
    EXPECT_EQ(p.tcp.seq.raw(), Num(f, "seq"));
    EXPECT_EQ(p.tcp.ack.raw(), Num(f, "ack"));
    EXPECT_EQ(p.tcp.flags, Num(f, "flags"));
    EXPECT_EQ(p.tcp.window, Num(f, "window"));
    EXPECT_EQ(p.tcp.urgent, Num(f, "urgptr"));
    EXPECT_EQ(p.payload.size(), Num(f, "payload_len"));
    // Where the payload sits tells IHL and data offset; where it ends, iplen.
    const size_t header_bytes = 4 * (Num(f, "ihl") + Num(f, "dataofs"));
    EXPECT_EQ(static_cast<size_t>(p.payload.data() - bytes.data()), header_bytes);
    EXPECT_EQ(static_cast<size_t>(p.payload.data() + p.payload.size() - bytes.data()),
              Num(f, "iplen"));
    const size_t tcp_start = 4 * Num(f, "ihl");
    const auto option_bytes =
        absl::MakeConstSpan(bytes).subspan(tcp_start + 20, 4 * Num(f, "dataofs") - 20);
    EXPECT_EQ(OptionsAsScapy(p.tcp.options, option_bytes), f.at("opts"));

    std::vector<uint8_t> out(SerializedSize(p));
    ASSERT_EQ(SerializePacket(p, absl::MakeSpan(out)), out.size());
    const std::string verdict = f.at("reserialize");
    if (verdict == "yes") {
      ++reserialized;
      const std::vector<uint8_t> expected(bytes.begin(), bytes.begin() + Num(f, "iplen"));
      EXPECT_EQ(absl::BytesToHexString(
                    absl::string_view(reinterpret_cast<const char*>(out.data()), out.size())),
                absl::BytesToHexString(absl::string_view(
                    reinterpret_cast<const char*>(expected.data()), expected.size())));
    } else {
      EXPECT_EQ(verdict.rfind("no:", 0), 0u) << verdict;
      // What tcplab does send of it must still parse to the same values.
      Packet q;
      ASSERT_EQ(ParsePacket(out, &q), ParseError::kOk);
      EXPECT_EQ(q.tcp.seq, p.tcp.seq);
      EXPECT_EQ(q.tcp.options.mss, p.tcp.options.mss);
      EXPECT_EQ(q.tcp.options.sack_count, p.tcp.options.sack_count);
      EXPECT_EQ(std::vector<uint8_t>(q.payload.begin(), q.payload.end()),
                std::vector<uint8_t>(p.payload.begin(), p.payload.end()));
    }
  }
  EXPECT_GE(reserialized, 28);
  // The set covers what the generator promises.
  for (const char* n : {"syn_linux", "synack_linux", "data_full_mss", "data_odd_length", "fin_ack",
                        "rst", "sack_1", "sack_2", "sack_3", "sack_4", "unknown_option",
                        "ip_options_router_alert", "wraparound_data"}) {
    EXPECT_TRUE(names.count(n)) << n;
  }
}

// The golden bytes are good packets: damaging any one byte inside a
// packet makes tcplab reject it.
TEST(ScapyGoldenTest, DamagedGoldenPacketsAreRejected) {
  for (const Fields& f : LoadGolden()) {
    SCOPED_TRACE(f.at("name"));
    const std::string raw = absl::HexStringToBytes(f.at("hex"));
    const size_t iplen = Num(f, "iplen");
    for (size_t i = 0; i < iplen; ++i) {
      std::vector<uint8_t> b(raw.begin(), raw.end());
      b[i] ^= 0x5a;
      Packet p;
      EXPECT_NE(ParsePacket(b, &p), ParseError::kOk) << "byte " << i;
    }
  }
}

}  // namespace
}  // namespace tcplab::wire
