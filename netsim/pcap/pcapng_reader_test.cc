// pcapng through ReadPcapBytes: blocks built here byte by byte, both byte
// orders, timestamp resolutions, skipped blocks, and every malformation.

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "netsim/pcap/pcap_reader.h"

namespace tcplab::netsim {
namespace {

using Bytes = std::vector<uint8_t>;

class Builder {
 public:
  explicit Builder(bool big_endian) : big_(big_endian) {}

  Builder& Section() { return Block(0x0a0d0d0a, Cat({U32(0x1a2b3c4d), U16(1), U16(0), U32(~0u), U32(~0u)})); }
  // An interface; `tsresol` < 0: no if_tsresol option (microseconds).
  Builder& Interface(uint16_t link_type, uint32_t snaplen, int tsresol = -1) {
    Bytes body = Cat({U16(link_type), U16(0), U32(snaplen)});
    if (tsresol >= 0) body = Cat({body, U16(9), U16(1), {static_cast<uint8_t>(tsresol), 0, 0, 0}});
    body = Cat({body, U16(0), U16(0)});  // opt_endofopt
    return Block(1, body);
  }
  Builder& Enhanced(uint32_t iface, uint64_t ts, const Bytes& data, uint32_t original) {
    return Block(6, Cat({U32(iface), U32(static_cast<uint32_t>(ts >> 32)),
                         U32(static_cast<uint32_t>(ts)), U32(static_cast<uint32_t>(data.size())),
                         U32(original), Padded(data)}));
  }
  Builder& Simple(const Bytes& data) {
    return Block(3, Cat({U32(static_cast<uint32_t>(data.size())), Padded(data)}));
  }
  Builder& Block(uint32_t type, const Bytes& body) {
    const uint32_t length = static_cast<uint32_t>(body.size() + 12);
    bytes_ = Cat({bytes_, U32(type), U32(length), body, U32(length)});
    return *this;
  }
  const Bytes& bytes() const { return bytes_; }

 private:
  Bytes U32(uint32_t v) const {
    Bytes b;
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (big_ ? 24 - 8 * i : 8 * i)));
    return b;
  }
  Bytes U16(uint16_t v) const {
    return big_ ? Bytes{static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)}
                : Bytes{static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8)};
  }
  static Bytes Padded(Bytes b) {
    while (b.size() % 4 != 0) b.push_back(0);
    return b;
  }
  static Bytes Cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
  }

  bool big_;
  Bytes bytes_;
};

std::string ErrorOf(const Bytes& b) {
  absl::StatusOr<PcapFile> f = ReadPcapBytes(b);
  EXPECT_FALSE(f.ok());
  return f.ok() ? "" : std::string(f.status().message());
}

class PcapngByteOrderTest : public testing::TestWithParam<bool> {};

TEST_P(PcapngByteOrderTest, ReadsPacketsOfBothBlockKinds) {
  Builder b(GetParam());
  b.Section().Interface(1, 128).Block(0x0bad, {1, 2, 3, 4}).Enhanced(0, 3'000'250, {1, 2, 3}, 60);
  b.Simple({9, 8, 7, 6, 5});
  absl::StatusOr<PcapFile> f = ReadPcapBytes(b.bytes());
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->big_endian, GetParam());
  EXPECT_EQ(f->version_major, 1);
  EXPECT_EQ(f->link_type, 1u);
  EXPECT_EQ(f->snaplen, 128u);
  EXPECT_FALSE(f->nanosecond);
  ASSERT_EQ(f->records.size(), 2u);
  EXPECT_EQ(f->records[0].timestamp_ns, 3'000'250'000);  // microseconds by default
  EXPECT_EQ(f->records[0].original_length, 60u);
  EXPECT_EQ(f->records[0].data, (Bytes{1, 2, 3}));
  EXPECT_EQ(f->records[1].data, (Bytes{9, 8, 7, 6, 5}));
  EXPECT_EQ(f->records[1].timestamp_ns, 0);  // a simple packet has no time
}

INSTANTIATE_TEST_SUITE_P(Both, PcapngByteOrderTest, testing::Bool());

TEST(PcapngReaderTest, TimestampResolutions) {
  struct Case {
    int tsresol;
    uint64_t ts;
    int64_t ns;
  };
  for (const Case& c : {Case{9, 1'234'567'891, 1'234'567'891}, Case{3, 1500, 1'500'000'000},
                        Case{12, 7'000'000'123'456, 7'000'000'123},
                        Case{0x80 | 10, 3u << 10, 3'000'000'000},
                        // Beyond 2^63 ns: held there.
                        Case{6, ~uint64_t{0}, INT64_MAX}}) {
    Builder b(false);
    b.Section().Interface(101, 0, c.tsresol).Enhanced(0, c.ts, {0x45}, 1);
    absl::StatusOr<PcapFile> f = ReadPcapBytes(b.bytes());
    ASSERT_TRUE(f.ok()) << f.status();
    ASSERT_EQ(f->records.size(), 1u);
    EXPECT_EQ(f->records[0].timestamp_ns, c.ns) << c.tsresol;
    EXPECT_EQ(f->nanosecond, c.tsresol == 9);
    EXPECT_EQ(f->link_type, 101u);
  }
}

TEST(PcapngReaderTest, MalformedFilesSayWhatIsWrong) {
  Builder one(false);
  one.Section().Interface(1, 0).Enhanced(0, 1, {1, 2, 3, 4, 5, 6}, 6);
  // (Copied rather than resized: GCC 12 -O1 warns about resize's memset.)
  const Bytes cut(one.bytes().begin(), one.bytes().end() - 5);
  EXPECT_EQ(ErrorOf(cut), "truncated pcapng block: block 3 at offset 52 has 35 of 40 bytes");

  Builder undeclared(false);
  undeclared.Section().Interface(1, 0).Enhanced(1, 1, {1}, 1);
  EXPECT_EQ(ErrorOf(undeclared.bytes()),
            "pcapng packet block 3 at offset 52 names interface 1, which is not described");

  Builder mixed(false);
  mixed.Section().Interface(1, 0).Interface(101, 0).Enhanced(0, 1, {1}, 1).Enhanced(1, 1, {1}, 1);
  EXPECT_EQ(ErrorOf(mixed.bytes()),
            "pcapng packet block 5: interfaces of different link types (1 and 101) in one file "
            "are not supported");

  Builder bad_length(false);
  bad_length.Section().Block(1, {1, 2, 3, 4, 5, 6, 7, 8});
  Bytes b = bad_length.bytes();
  b[32] = 13;  // the interface block's length: not a multiple of 4
  EXPECT_EQ(ErrorOf(b),
            "pcapng block 2 at offset 28 has a bad length 13 (at least 12, a multiple of 4)");

  Builder claims(false);
  claims.Section().Interface(1, 0).Enhanced(0, 1, {1, 2, 3, 4}, 4);
  b = claims.bytes();
  b[52 + 8 + 12] = 200;  // captured length beyond the block
  EXPECT_EQ(ErrorOf(b),
            "pcapng packet block 3 at offset 52 claims 200 captured bytes, more than it holds");

  Builder order(false);
  order.Section();
  b = order.bytes();
  b[8] = 0;  // the byte-order magic
  EXPECT_EQ(ErrorOf(b), "pcapng section header at offset 0: bad byte-order magic");
}

// Cut anywhere, a file is either read whole up to a block boundary or
// refused with a message; never a crash.
TEST(PcapngReaderTest, EveryTruncationFailsCleanlyOrIsAPrefix) {
  Builder b(true);
  b.Section().Interface(1, 0, 9).Enhanced(0, 5, {1, 2, 3}, 3).Simple({4, 5});
  const Bytes& full = b.bytes();
  for (size_t n = 4; n < full.size(); ++n) {
    absl::StatusOr<PcapFile> f = ReadPcapBytes(Bytes(full.begin(), full.begin() + n));
    if (f.ok()) {
      EXPECT_LT(f->records.size(), 2u) << n;
    }
  }
}

}  // namespace
}  // namespace tcplab::netsim
