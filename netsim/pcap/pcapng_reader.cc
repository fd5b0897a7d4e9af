// pcapng (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html),
// what dumpcap and Wireshark write by default: the packets of its Enhanced
// and Simple Packet Blocks as PcapFile records. Other blocks (statistics,
// name resolution, custom) are skipped.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "netsim/pcap/pcap_format.h"
#include "netsim/pcap/pcap_reader.h"

namespace tcplab::netsim {
namespace {

constexpr uint32_t kSectionHeader = 0x0a0d0d0a;
constexpr uint32_t kInterfaceDescription = 1;
constexpr uint32_t kSimplePacket = 3;
constexpr uint32_t kEnhancedPacket = 6;
constexpr uint32_t kByteOrderMagic = 0x1a2b3c4d;
constexpr uint16_t kOptionTsResol = 9;

struct Interface {
  uint32_t link_type = 0;
  uint32_t snaplen = 0;
  // if_tsresol: 10^-exponent seconds per unit, or 2^-exponent when binary.
  bool binary = false;
  int exponent = 6;
};

class Reader {
 public:
  explicit Reader(bool big_endian) : big_endian_(big_endian) {}
  uint32_t U32(const uint8_t* p) const {
    return big_endian_ ? (uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3])
                       : (uint32_t{p[3]} << 24 | uint32_t{p[2]} << 16 | uint32_t{p[1]} << 8 | p[0]);
  }
  uint16_t U16(const uint8_t* p) const {
    return static_cast<uint16_t>(big_endian_ ? (p[0] << 8 | p[1]) : (p[1] << 8 | p[0]));
  }

 private:
  bool big_endian_;
};

std::optional<bool> BigEndianOf(const uint8_t* magic) {
  if (Reader(false).U32(magic) == kByteOrderMagic) return false;
  if (Reader(true).U32(magic) == kByteOrderMagic) return true;
  return std::nullopt;
}

// Past 2^63 ns (the year 2262) a time is held at that, as the classic
// format's 32-bit seconds never reach it.
int64_t ToNanos(uint64_t ts, const Interface& i) {
  const unsigned __int128 t = ts;
  unsigned __int128 ns;
  if (i.binary) {
    ns = (t * 1'000'000'000) >> i.exponent;
  } else {
    unsigned __int128 scale = 1;
    for (int e = i.exponent; e < 9; ++e) scale *= 10;
    for (int e = 9; e < i.exponent; ++e) scale *= 10;
    ns = i.exponent <= 9 ? t * scale : t / scale;
  }
  constexpr unsigned __int128 kMax = static_cast<uint64_t>(INT64_MAX);
  return static_cast<int64_t>(ns > kMax ? kMax : ns);
}

// The interface's options: only if_tsresol matters here.
void ReadOptions(const Reader& r, const uint8_t* p, size_t size, Interface* i) {
  for (size_t pos = 0; pos + 4 <= size;) {
    const uint16_t code = r.U16(p + pos);
    const uint16_t length = r.U16(p + pos + 2);
    if (code == 0 || pos + 4 + length > size) return;
    if (code == kOptionTsResol && length >= 1) {
      const uint8_t v = p[pos + 4];
      i->binary = (v & 0x80) != 0;
      // Beyond these the units are finer than a nanosecond by 2^64.
      i->exponent = std::min<int>(v & 0x7f, i->binary ? 63 : 19);
    }
    pos += 4 + ((length + 3u) & ~3u);
  }
}

}  // namespace

absl::StatusOr<PcapFile> ReadPcapngBytes(absl::Span<const uint8_t> bytes) {
  PcapFile file;
  std::vector<Interface> interfaces;
  std::optional<uint32_t> link_type;
  Reader r(false);
  size_t pos = 0;
  for (int64_t index = 1; pos < bytes.size(); ++index) {
    const size_t left = bytes.size() - pos;
    const uint8_t* b = bytes.data() + pos;
    if (left < 12) {
      return absl::DataLossError(absl::StrFormat(
          "truncated pcapng block: block %d at offset %d has %d of at least 12 bytes", index,
          pos, left));
    }
    // The section header's type reads the same in both byte orders; it
    // sets the order of everything up to the next one.
    const bool section = Reader(false).U32(b) == kSectionHeader;
    if (section) {
      const std::optional<bool> big = BigEndianOf(b + 8);
      if (!big) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "pcapng section header at offset %d: bad byte-order magic", pos));
      }
      r = Reader(*big);
      file.big_endian = *big;
      interfaces.clear();
    } else if (index == 1) {
      return absl::InvalidArgumentError("not a pcapng file: no section header block first");
    }
    const uint32_t type = r.U32(b);
    const uint32_t length = r.U32(b + 4);
    if (length < 12 || length % 4 != 0) {
      return absl::DataLossError(absl::StrFormat(
          "pcapng block %d at offset %d has a bad length %d (at least 12, a multiple of 4)",
          index, pos, length));
    }
    if (length > left) {
      return absl::DataLossError(absl::StrFormat(
          "truncated pcapng block: block %d at offset %d has %d of %d bytes", index, pos, left,
          length));
    }
    const uint8_t* body = b + 8;
    const size_t body_size = length - 12;
    if (section) {
      if (body_size < 16) {
        return absl::DataLossError(
            absl::StrFormat("pcapng section header at offset %d is too short", pos));
      }
      file.version_major = r.U16(body + 4);
      file.version_minor = r.U16(body + 6);
      if (file.version_major != 1) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "unsupported pcapng version %d.%d (expected 1.x)", file.version_major,
            file.version_minor));
      }
    } else if (type == kInterfaceDescription) {
      if (body_size < 8) {
        return absl::DataLossError(
            absl::StrFormat("pcapng interface block %d at offset %d is too short", index, pos));
      }
      Interface i;
      i.link_type = r.U16(body);
      i.snaplen = r.U32(body + 4);
      ReadOptions(r, body + 8, body_size - 8, &i);
      interfaces.push_back(i);
    } else if (type == kEnhancedPacket || type == kSimplePacket) {
      const bool enhanced = type == kEnhancedPacket;
      const size_t header = enhanced ? 20 : 4;
      if (body_size < header) {
        return absl::DataLossError(
            absl::StrFormat("pcapng packet block %d at offset %d is too short", index, pos));
      }
      const uint32_t id = enhanced ? r.U32(body) : 0;
      if (id >= interfaces.size()) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "pcapng packet block %d at offset %d names interface %d, which is not described",
            index, pos, id));
      }
      const Interface& i = interfaces[id];
      const uint32_t original = r.U32(body + (enhanced ? 16 : 0));
      uint32_t captured = enhanced ? r.U32(body + 12) : original;
      if (!enhanced && i.snaplen != 0) captured = std::min(captured, i.snaplen);
      if (!enhanced) captured = static_cast<uint32_t>(std::min<size_t>(captured, body_size - 4));
      if (captured > kPcapMaxRecordLength || captured > body_size - header) {
        return absl::DataLossError(absl::StrFormat(
            "pcapng packet block %d at offset %d claims %d captured bytes, more than it holds",
            index, pos, captured));
      }
      if (link_type && *link_type != i.link_type) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "pcapng packet block %d: interfaces of different link types (%d and %d) in one file "
            "are not supported",
            index, *link_type, i.link_type));
      }
      if (!link_type) {
        link_type = i.link_type;
        file.snaplen = i.snaplen;
        file.nanosecond = !i.binary && i.exponent == 9;
      }
      PcapRecord rec;
      if (enhanced) {
        rec.timestamp_ns = ToNanos(uint64_t{r.U32(body + 4)} << 32 | r.U32(body + 8), i);
      }
      rec.original_length = original;
      rec.data.assign(body + header, body + header + captured);
      file.records.push_back(std::move(rec));
    }
    pos += length;
  }
  if (link_type) {
    file.link_type = *link_type;
  } else if (!interfaces.empty()) {
    file.link_type = interfaces.front().link_type;
  }
  return file;
}

}  // namespace tcplab::netsim
