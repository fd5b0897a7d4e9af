#include "netsim/pcap/pcap_reader.h"

#include <cerrno>
#include <cstdio>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "netsim/pcap/pcap_format.h"

namespace tcplab::netsim {

namespace {

constexpr uint32_t kPcapngMagic = 0x0a0d0d0a;

uint32_t Swap32(uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

uint32_t Le32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

class Fields {
 public:
  explicit Fields(bool big_endian) : big_endian_(big_endian) {}
  uint32_t U32(const uint8_t* p) const { return big_endian_ ? Swap32(Le32(p)) : Le32(p); }
  uint16_t U16(const uint8_t* p) const {
    return big_endian_ ? static_cast<uint16_t>(p[0] << 8 | p[1])
                       : static_cast<uint16_t>(p[1] << 8 | p[0]);
  }

 private:
  bool big_endian_;
};

}  // namespace

absl::StatusOr<PcapFile> ReadPcapBytes(absl::Span<const uint8_t> bytes) {
  if (bytes.size() < 4) {
    return absl::InvalidArgumentError(
        absl::StrFormat("not a pcap file: %d bytes, too short for a magic number", bytes.size()));
  }
  PcapFile file;
  const uint32_t magic = Le32(bytes.data());
  if (magic == kPcapMagicMicros || magic == kPcapMagicNanos) {
    file.big_endian = false;
  } else if (Swap32(magic) == kPcapMagicMicros || Swap32(magic) == kPcapMagicNanos) {
    file.big_endian = true;
  } else if (magic == kPcapngMagic) {
    return ReadPcapngBytes(bytes);
  } else {
    return absl::InvalidArgumentError(absl::StrFormat(
        "not a pcap file: bad magic number 0x%08x (expected 0xa1b2c3d4 or 0xa1b23c4d, or "
        "pcapng's 0x0a0d0d0a)",
        magic));
  }
  const Fields f(file.big_endian);
  file.nanosecond = f.U32(bytes.data()) == kPcapMagicNanos;
  if (bytes.size() < static_cast<size_t>(kPcapGlobalHeaderSize)) {
    return absl::DataLossError(absl::StrFormat("truncated pcap global header: %d of %d bytes",
                                               bytes.size(), kPcapGlobalHeaderSize));
  }
  file.version_major = f.U16(bytes.data() + 4);
  file.version_minor = f.U16(bytes.data() + 6);
  if (file.version_major != kPcapVersionMajor) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "unsupported pcap version %d.%d (expected 2.x)", file.version_major, file.version_minor));
  }
  file.snaplen = f.U32(bytes.data() + 16);
  // The upper bits of the link type field may carry an FCS length.
  file.link_type = f.U32(bytes.data() + 20) & 0x0fffffff;

  size_t pos = kPcapGlobalHeaderSize;
  const int64_t fraction_scale = file.nanosecond ? 1 : 1000;
  for (int64_t index = 1; pos < bytes.size(); ++index) {
    if (bytes.size() - pos < static_cast<size_t>(kPcapRecordHeaderSize)) {
      return absl::DataLossError(
          absl::StrFormat("truncated pcap record header: record %d at offset %d has %d of %d bytes",
                          index, pos, bytes.size() - pos, kPcapRecordHeaderSize));
    }
    const uint8_t* h = bytes.data() + pos;
    const uint32_t seconds = f.U32(h);
    const uint32_t fraction = f.U32(h + 4);
    const uint32_t captured = f.U32(h + 8);
    const uint32_t original = f.U32(h + 12);
    if (captured > kPcapMaxRecordLength) {
      return absl::DataLossError(absl::StrFormat(
          "pcap record %d at offset %d claims %d captured bytes, more than the %d this reader "
          "accepts (corrupt file?)",
          index, pos, captured, kPcapMaxRecordLength));
    }
    if (file.snaplen != 0 && captured > file.snaplen) {
      return absl::DataLossError(
          absl::StrFormat("pcap record %d at offset %d has %d captured bytes, more than the "
                          "file's snaplen %d",
                          index, pos, captured, file.snaplen));
    }
    pos += kPcapRecordHeaderSize;
    if (bytes.size() - pos < captured) {
      return absl::DataLossError(absl::StrFormat(
          "truncated pcap record data: record %d at offset %d has %d of %d captured bytes", index,
          pos - kPcapRecordHeaderSize, bytes.size() - pos, captured));
    }
    PcapRecord r;
    r.timestamp_ns = int64_t{seconds} * 1000000000 + int64_t{fraction} * fraction_scale;
    r.original_length = original;
    r.data.assign(bytes.begin() + pos, bytes.begin() + pos + captured);
    file.records.push_back(std::move(r));
    pos += captured;
  }
  return file;
}

absl::StatusOr<PcapFile> ReadPcapFile(const std::string& path) {
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  errno = 0;
  std::unique_ptr<std::FILE, Closer> f(std::fopen(path.c_str(), "rb"));
  if (f == nullptr) return absl::ErrnoToStatus(errno, absl::StrCat("cannot open pcap file ", path));
  std::vector<uint8_t> bytes;
  uint8_t chunk[65536];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof(chunk), f.get())) > 0) {
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  if (std::ferror(f.get())) {
    return absl::ErrnoToStatus(errno != 0 ? errno : EIO,
                               absl::StrCat("cannot read pcap file ", path));
  }
  absl::StatusOr<PcapFile> file = ReadPcapBytes(bytes);
  if (!file.ok()) {
    return absl::Status(file.status().code(), absl::StrCat(path, ": ", file.status().message()));
  }
  return file;
}

}  // namespace tcplab::netsim
