#include "netsim/pcap/pcap_reader.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "netsim/pcap/pcap_format.h"
#include "netsim/pcap/pcap_writer.h"

namespace tcplab::netsim {
namespace {

using Bytes = std::vector<uint8_t>;

void Put32(Bytes& b, uint32_t v, bool big_endian) {
  for (int i = 0; i < 4; ++i) {
    b.push_back(static_cast<uint8_t>(v >> (big_endian ? 24 - 8 * i : 8 * i)));
  }
}

void Put16(Bytes& b, uint16_t v, bool big_endian) {
  b.push_back(static_cast<uint8_t>(big_endian ? v >> 8 : v));
  b.push_back(static_cast<uint8_t>(big_endian ? v : v >> 8));
}

Bytes Header(uint32_t magic, bool big_endian, uint32_t snaplen = 65535, uint32_t link = 1) {
  Bytes b;
  Put32(b, magic, big_endian);
  Put16(b, 2, big_endian);
  Put16(b, 4, big_endian);
  Put32(b, 0, big_endian);
  Put32(b, 0, big_endian);
  Put32(b, snaplen, big_endian);
  Put32(b, link, big_endian);
  return b;
}

void Record(Bytes& b, bool big_endian, uint32_t sec, uint32_t frac, const Bytes& data,
            uint32_t orig) {
  Put32(b, sec, big_endian);
  Put32(b, frac, big_endian);
  Put32(b, static_cast<uint32_t>(data.size()), big_endian);
  Put32(b, orig, big_endian);
  b.insert(b.end(), data.begin(), data.end());
}

void ExpectError(const Bytes& file, absl::StatusCode code, absl::string_view fragment) {
  absl::StatusOr<PcapFile> f = ReadPcapBytes(file);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), code) << f.status();
  EXPECT_NE(f.status().message().find(fragment), absl::string_view::npos) << f.status();
}

struct MagicCase {
  uint32_t magic;
  bool big_endian;
  int64_t expected_ns;
};

class PcapReaderMagicTest : public testing::TestWithParam<MagicCase> {};

TEST_P(PcapReaderMagicTest, ReadsEveryMagicAndByteOrder) {
  const MagicCase c = GetParam();
  Bytes b = Header(c.magic, c.big_endian, 65535, 1);
  Record(b, c.big_endian, 3, 250, {1, 2, 3}, 60);
  Record(b, c.big_endian, 4, 0, {}, 0);
  absl::StatusOr<PcapFile> f = ReadPcapBytes(b);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->big_endian, c.big_endian);
  EXPECT_EQ(f->nanosecond, c.magic == kPcapMagicNanos);
  EXPECT_EQ(f->version_major, 2);
  EXPECT_EQ(f->version_minor, 4);
  EXPECT_EQ(f->snaplen, 65535u);
  EXPECT_EQ(f->link_type, 1u);
  ASSERT_EQ(f->records.size(), 2u);
  EXPECT_EQ(f->records[0].timestamp_ns, c.expected_ns);
  EXPECT_EQ(f->records[0].original_length, 60u);
  EXPECT_EQ(f->records[0].data, (Bytes{1, 2, 3}));
  EXPECT_EQ(f->records[1].timestamp_ns, 4'000'000'000);
  EXPECT_TRUE(f->records[1].data.empty());
}

INSTANTIATE_TEST_SUITE_P(All, PcapReaderMagicTest,
                         testing::Values(MagicCase{kPcapMagicMicros, false, 3'000'250'000},
                                         MagicCase{kPcapMagicMicros, true, 3'000'250'000},
                                         MagicCase{kPcapMagicNanos, false, 3'000'000'250},
                                         MagicCase{kPcapMagicNanos, true, 3'000'000'250}));

TEST(PcapReaderTest, HeaderOnlyFileHasNoRecords) {
  absl::StatusOr<PcapFile> f = ReadPcapBytes(Header(kPcapMagicNanos, false));
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE(f->records.empty());
}

TEST(PcapReaderTest, BadMagic) {
  ExpectError({}, absl::StatusCode::kInvalidArgument, "not a pcap file");
  ExpectError({'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'},
              absl::StatusCode::kInvalidArgument, "bad magic number 0x6c6c6568");
  Bytes ng = Header(0x0a0d0d0a, false);
  ExpectError(ng, absl::StatusCode::kInvalidArgument, "pcapng");
}

TEST(PcapReaderTest, TruncatedGlobalHeader) {
  Bytes b = Header(kPcapMagicNanos, false);
  for (size_t n = 4; n < 24; ++n) {
    ExpectError(Bytes(b.begin(), b.begin() + n), absl::StatusCode::kDataLoss,
                "truncated pcap global header");
  }
}

TEST(PcapReaderTest, UnsupportedVersion) {
  Bytes b = Header(kPcapMagicNanos, false);
  b[4] = 3;
  ExpectError(b, absl::StatusCode::kInvalidArgument, "unsupported pcap version 3.4");
}

TEST(PcapReaderTest, TruncatedRecordHeader) {
  Bytes b = Header(kPcapMagicNanos, false);
  Record(b, false, 1, 2, {9, 9}, 2);
  const size_t full = b.size();
  Record(b, false, 1, 2, {9, 9}, 2);
  for (size_t n = full + 1; n < full + 16; ++n) {
    ExpectError(Bytes(b.begin(), b.begin() + n), absl::StatusCode::kDataLoss,
                "truncated pcap record header: record 2 at offset 42");
  }
}

TEST(PcapReaderTest, TruncatedRecordData) {
  Bytes b = Header(kPcapMagicNanos, false);
  Record(b, false, 1, 2, {9, 9, 9, 9}, 4);
  b.pop_back();
  ExpectError(b, absl::StatusCode::kDataLoss,
              "truncated pcap record data: record 1 at offset 24 has 3 of 4 captured bytes");
}

TEST(PcapReaderTest, CapturedLengthAboveSnaplen) {
  Bytes b = Header(kPcapMagicNanos, false, /*snaplen=*/2);
  Record(b, false, 1, 2, {9, 9, 9}, 3);
  ExpectError(b, absl::StatusCode::kDataLoss, "more than the file's snaplen 2");
}

TEST(PcapReaderTest, AbsurdCapturedLengthDoesNotAllocate) {
  Bytes b = Header(kPcapMagicNanos, false, /*snaplen=*/0);
  Put32(b, 0, false);
  Put32(b, 0, false);
  Put32(b, 0xfffffff0u, false);  // captured
  Put32(b, 0xfffffff0u, false);
  ExpectError(b, absl::StatusCode::kDataLoss, "more than the 16777216 this reader accepts");
  // Under the absurdity bound but beyond the data: reported as truncated.
  Bytes c = Header(kPcapMagicNanos, false, /*snaplen=*/0);
  Put32(c, 0, false);
  Put32(c, 0, false);
  Put32(c, 1000000, false);
  Put32(c, 1000000, false);
  ExpectError(c, absl::StatusCode::kDataLoss, "has 0 of 1000000 captured bytes");
}

TEST(PcapReaderTest, FileErrorsNameThePath) {
  const std::string missing = "/nonexistent-dir/x.pcap";
  absl::StatusOr<PcapFile> f = ReadPcapFile(missing);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(f.status().message().find(missing), absl::string_view::npos);

  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/garbage.pcap";
  std::FILE* fp = std::fopen(path.c_str(), "wb");
  ASSERT_NE(fp, nullptr);
  std::fputs("GARBAGE!", fp);
  std::fclose(fp);
  f = ReadPcapFile(path);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find(path + ": not a pcap file"), absl::string_view::npos)
      << f.status();
}

TEST(PcapReaderTest, EveryTruncationOfAValidFileFailsCleanlyOrIsAPrefix) {
  PcapWriter w = PcapWriter::InMemory(LinkType::kRaw);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(w.Write(Instant::FromNanos(i), Bytes(10 + i, static_cast<uint8_t>(i))).ok());
  }
  const Bytes& all = w.bytes();
  for (size_t n = 0; n < all.size(); ++n) {
    absl::StatusOr<PcapFile> f = ReadPcapBytes(absl::MakeConstSpan(all.data(), n));
    if (f.ok()) {
      // Only cuts at record boundaries parse.
      size_t expected_size = 24;
      for (const PcapRecord& r : f->records) expected_size += 16 + r.data.size();
      EXPECT_EQ(expected_size, n);
    }
  }
}

}  // namespace
}  // namespace tcplab::netsim
