#include "netsim/pcap/pcap_writer.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "netsim/pcap/pcap_reader.h"

namespace tcplab::netsim {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

TEST(PcapWriterTest, TinyFileExactBytes) {
  PcapWriter w = PcapWriter::InMemory(LinkType::kRaw, 65535);
  const std::vector<uint8_t> pkt = {0x45, 0x00, 0xaa};
  ASSERT_TRUE(w.Write(Instant::FromNanos(2'000'000'123), pkt).ok());
  const std::vector<uint8_t> expected = {
      // global header, little-endian
      0x4d, 0x3c, 0xb2, 0xa1,  // magic 0xa1b23c4d (nanoseconds)
      0x02, 0x00, 0x04, 0x00,  // version 2.4
      0x00, 0x00, 0x00, 0x00,  // thiszone
      0x00, 0x00, 0x00, 0x00,  // sigfigs
      0xff, 0xff, 0x00, 0x00,  // snaplen 65535
      0x65, 0x00, 0x00, 0x00,  // LINKTYPE_RAW (101)
      // record header
      0x02, 0x00, 0x00, 0x00,  // 2 s
      0x7b, 0x00, 0x00, 0x00,  // 123 ns
      0x03, 0x00, 0x00, 0x00,  // captured 3
      0x03, 0x00, 0x00, 0x00,  // original 3
      0x45, 0x00, 0xaa,
  };
  EXPECT_EQ(w.bytes(), expected);
  EXPECT_EQ(w.records_written(), 1);
}

TEST(PcapWriterTest, EthernetLinkTypeInHeader) {
  PcapWriter w = PcapWriter::InMemory(LinkType::kEthernet);
  ASSERT_EQ(w.bytes().size(), 24u);
  EXPECT_EQ(w.bytes()[20], 1);
  EXPECT_EQ(w.bytes()[16], 0x00);  // 262144 = 0x00040000
  EXPECT_EQ(w.bytes()[18], 0x04);
}

TEST(PcapWriterTest, SnaplenTruncatesButKeepsOriginalLength) {
  PcapWriter w = PcapWriter::InMemory(LinkType::kRaw, 4);
  const std::vector<uint8_t> pkt = {1, 2, 3, 4, 5, 6, 7};
  ASSERT_TRUE(w.Write(Instant::Zero(), pkt).ok());
  absl::StatusOr<PcapFile> f = ReadPcapBytes(w.bytes());
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_EQ(f->records.size(), 1u);
  EXPECT_EQ(f->records[0].data, (std::vector<uint8_t>{1, 2, 3, 4}));
  EXPECT_EQ(f->records[0].original_length, 7u);
}

TEST(PcapWriterTest, DeterministicAcrossWriters) {
  auto make = [] {
    PcapWriter w = PcapWriter::InMemory(LinkType::kRaw);
    for (int i = 0; i < 10; ++i) {
      std::vector<uint8_t> p(20 + i, static_cast<uint8_t>(i));
      EXPECT_TRUE(w.Write(Instant::Zero() + absl::Microseconds(137 * i), p).ok());
    }
    return w.bytes();
  };
  EXPECT_EQ(make(), make());
}

TEST(PcapWriterTest, RejectsTimesOutsideTheRun) {
  PcapWriter w = PcapWriter::InMemory(LinkType::kRaw);
  const std::vector<uint8_t> p = {0x45};
  EXPECT_EQ(w.Write(Instant::FromNanos(-1), p).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(w.Write(Instant::Infinite(), p).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(w.Write(Instant::FromNanos(int64_t{1} << 62), p).code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_TRUE(w.Write(Instant::FromNanos(int64_t{UINT32_MAX} * 1000000000 + 999999999), p).ok());
  EXPECT_EQ(w.records_written(), 1);
  EXPECT_EQ(w.bytes().size(), 24u + 16u + 1u);
}

TEST(PcapWriterTest, FileRoundTrip) {
  const std::string path = TempPath("round_trip.pcap");
  absl::StatusOr<PcapWriter> w = PcapWriter::OpenFile(path, LinkType::kRaw);
  ASSERT_TRUE(w.ok()) << w.status();
  PcapWriter mem = PcapWriter::InMemory(LinkType::kRaw);
  std::vector<std::vector<uint8_t>> packets;
  for (int i = 0; i < 5; ++i) packets.push_back(std::vector<uint8_t>(40 + 3 * i, 0x40 + i));
  for (int i = 0; i < 5; ++i) {
    const Instant t = Instant::Zero() + absl::Milliseconds(1500 * i) + absl::Nanoseconds(i);
    ASSERT_TRUE(w->Write(t, packets[i]).ok());
    ASSERT_TRUE(mem.Write(t, packets[i]).ok());
  }
  ASSERT_TRUE(w->Close().ok());
  EXPECT_TRUE(w->Close().ok());  // idempotent
  EXPECT_EQ(w->Write(Instant::Zero(), packets[0]).code(), absl::StatusCode::kFailedPrecondition);

  absl::StatusOr<PcapFile> f = ReadPcapFile(path);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->link_type, 101u);
  EXPECT_TRUE(f->nanosecond);
  EXPECT_FALSE(f->big_endian);
  EXPECT_EQ(f->snaplen, kPcapDefaultSnaplen);
  ASSERT_EQ(f->records.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(f->records[i].timestamp_ns, int64_t{1500000000} * i + i);
    EXPECT_EQ(f->records[i].original_length, packets[i].size());
    EXPECT_EQ(f->records[i].data, packets[i]);
  }
  // The file and the in-memory writer hold the same bytes.
  absl::StatusOr<PcapFile> g = ReadPcapBytes(mem.bytes());
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->records.size(), 5u);
  std::FILE* fp = std::fopen(path.c_str(), "rb");
  ASSERT_NE(fp, nullptr);
  std::vector<uint8_t> on_disk(mem.bytes().size() + 10);
  const size_t n = std::fread(on_disk.data(), 1, on_disk.size(), fp);
  std::fclose(fp);
  on_disk.resize(n);
  EXPECT_EQ(on_disk, mem.bytes());
}

TEST(PcapWriterTest, OpenErrorNamesPathAndReason) {
  const std::string path = TempPath("no/such/dir/x.pcap");
  absl::StatusOr<PcapWriter> w = PcapWriter::OpenFile(path, LinkType::kRaw);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(w.status().message().find(path), absl::string_view::npos) << w.status();
  EXPECT_NE(w.status().message().find("No such file or directory"), absl::string_view::npos)
      << w.status();
}

}  // namespace
}  // namespace tcplab::netsim
