// The demo's pcap (`tcplab demo`) as Wireshark sees it: every packet is TCP
// over IPv4 with good checksums, in the order and with the flags the demo
// printed, and tshark reports nothing malformed.

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/interop/tshark.h"
#include "tools/cli/demo.h"

namespace tcplab {
namespace {

TEST(DemoPcapTsharkTest, EveryPacketIsTcpWithGoodChecksums) {
  if (!interop::TsharkInstalled()) GTEST_SKIP() << interop::kTsharkMissing;
  const std::string pcap = interop::TempDir() + "/demo.pcap";
  ASSERT_TRUE(cli::RunDemo(pcap).ok());

  const interop::CommandResult r = interop::RunTshark(absl::StrCat(
      "-r '", pcap, "' -n -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE",
      " -T fields -E separator=/t -e frame.protocols -e ip.checksum.status",
      " -e tcp.checksum.status -e tcp.flags.str -e tcp.len -e _ws.malformed"));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  std::vector<std::string> flags;
  for (absl::string_view line : absl::StrSplit(r.out, '\n', absl::SkipEmpty())) {
    std::vector<std::string> cols = absl::StrSplit(line, '\t');
    ASSERT_EQ(cols.size(), 6u) << line;
    EXPECT_TRUE(absl::StrContains(cols[0], "ip:tcp")) << line;
    EXPECT_EQ(cols[1], "1") << "IP checksum not good: " << line;
    EXPECT_EQ(cols[2], "1") << "TCP checksum not good: " << line;
    EXPECT_EQ(cols[5], "") << "malformed: " << line;
    flags.push_back(cols[3]);
  }
  // tshark spells flags as a 12-character string, e.g. "·······A··S·".
  ASSERT_EQ(flags.size(), cli::BuildDemoConversation().size());
  auto has = [](const std::string& f, const char* letter) {
    return absl::StrContains(f, letter);
  };
  EXPECT_TRUE(has(flags[0], "S") && !has(flags[0], "A"));   // SYN
  EXPECT_TRUE(has(flags[1], "S") && has(flags[1], "A"));    // SYN-ACK
  EXPECT_TRUE(has(flags[3], "P") && has(flags[3], "A"));    // request
  EXPECT_TRUE(has(flags[7], "F") && has(flags[7], "A"));    // client FIN
  EXPECT_TRUE(has(flags[8], "F") && has(flags[8], "A"));    // server FIN
}

}  // namespace
}  // namespace tcplab
