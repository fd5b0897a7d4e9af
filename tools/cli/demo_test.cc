#include "tools/cli/demo.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "netsim/pcap/pcap_reader.h"
#include "tcp/wire/packet.h"
#include "tcp/wire/render.h"

namespace tcplab::cli {
namespace {

TEST(DemoTest, ConversationParsesBackAndRendersAsExpected) {
  const std::vector<DemoPacket> packets = BuildDemoConversation();
  std::vector<std::string> lines;
  for (const DemoPacket& d : packets) {
    wire::Packet p;
    ASSERT_EQ(wire::ParsePacket(d.bytes, &p), wire::ParseError::kOk);
    wire::RenderOptions r;
    r.relative = true;
    r.sender_isn = wire::Seq(d.from_client ? 0x1f2e3d4c : 0xfffffc00);
    r.receiver_isn = wire::Seq(d.from_client ? 0xfffffc00 : 0x1f2e3d4c);
    lines.push_back(d.time.ToString() + " " + wire::RenderPacket(p, r));
  }
  EXPECT_THAT(lines, testing::ElementsAre(
      "0.000000000s 10.0.0.1:49152 > 10.0.0.2:80 S 0:0(0) win 64240 <mss 1460,sackOK,TS val 1000 ecr 0,nop,wscale 7>",
      "0.010000000s 10.0.0.2:80 > 10.0.0.1:49152 S. 0:0(0) ack 1 win 64240 <mss 1460,sackOK,TS val 5000 ecr 1000,nop,wscale 7>",
      "0.020000000s 10.0.0.1:49152 > 10.0.0.2:80 . 1:1(0) ack 1 win 502",
      "0.020050000s 10.0.0.1:49152 > 10.0.0.2:80 P. 1:45(44) ack 1 win 502",
      "0.030050000s 10.0.0.2:80 > 10.0.0.1:49152 . 1:1(0) ack 45 win 502",
      "0.030250000s 10.0.0.2:80 > 10.0.0.1:49152 P. 1:62(61) ack 45 win 502",
      "0.040250000s 10.0.0.1:49152 > 10.0.0.2:80 . 45:45(0) ack 62 win 502",
      "0.040350000s 10.0.0.1:49152 > 10.0.0.2:80 F. 45:45(0) ack 62 win 502",
      "0.050350000s 10.0.0.2:80 > 10.0.0.1:49152 F. 62:62(0) ack 46 win 502",
      "0.060350000s 10.0.0.1:49152 > 10.0.0.2:80 . 46:46(0) ack 63 win 502"));
}

TEST(DemoTest, WritesEveryPacketToThePcap) {
  const std::string path = std::string(getenv("TEST_TMPDIR")) + "/demo.pcap";
  ASSERT_TRUE(RunDemo(path).ok());
  auto file = netsim::ReadPcapFile(path);
  ASSERT_TRUE(file.ok()) << file.status();
  const std::vector<DemoPacket> packets = BuildDemoConversation();
  ASSERT_EQ(file->records.size(), packets.size());
  for (size_t i = 0; i < packets.size(); ++i) {
    EXPECT_EQ(file->records[i].timestamp_ns, packets[i].time.nanos()) << i;
    EXPECT_EQ(file->records[i].data, packets[i].bytes) << i;
  }
}

}  // namespace
}  // namespace tcplab::cli
