// `tcplab from-pcap`: exit codes, the file written, what it says.

#include "tools/cli/from_pcap_command.h"

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

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::pair<int, std::string> Convert(const FromPcapFlags& f) {
  std::FILE* err = std::tmpfile();
  const int code = FromPcapCommand(f, err);
  std::rewind(err);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, err)) > 0) text.append(buf, n);
  std::fclose(err);
  return {code, text};
}

TEST(FromPcapCommandTest, WritesTheScriptAndSaysWhat) {
  const std::string out = absl::StrCat(std::getenv("TEST_TMPDIR"), "/page.pkt");
  const std::string in = "tools/from_pcap/testdata/small_page.pcap";
  auto [code, err] = Convert({in, out, "", "server"});
  EXPECT_EQ(code, 0) << err;
  EXPECT_EQ(err, absl::StrCat("tcplab from-pcap: wrote ", out,
                              ": 10.78.0.1:8000-10.78.0.2:35600 (side under test first), 12 "
                              "segments, 0 marked as retransmissions; replay it with `tcplab run ",
                              out, "`\n"));
  EXPECT_EQ(ReadFile(out), ReadFile("tools/from_pcap/testdata/small_page_server.pkt"));
}

TEST(FromPcapCommandTest, ExitCodes) {
  EXPECT_EQ(Convert({"x.pcap", "", "", ""}),
            std::make_pair(2, std::string("tcplab from-pcap: -o OUT.pkt is required\n")));
  EXPECT_EQ(Convert({"/nonexistent.pcap", "o.pkt", "", ""}),
            std::make_pair(1, std::string("tcplab from-pcap: cannot read /nonexistent.pcap\n")));
  auto [code, err] = Convert({"tools/from_pcap/testdata/small_page.pkt", "o.pkt", "", ""});
  EXPECT_EQ(code, 1);
  EXPECT_THAT(err, HasSubstr("small_page.pkt: not a pcap file: bad magic number"));
  const std::string in = "tools/from_pcap/testdata/refused.pcap";
  EXPECT_EQ(Convert({in, "/nonexistent/dir/o.pkt", "", ""}),
            std::make_pair(1, std::string("tcplab from-pcap: cannot write /nonexistent/dir/o.pkt\n")));
}

}  // namespace
}  // namespace tcplab::cli
