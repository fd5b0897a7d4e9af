#include "netsim/pcap/pcap_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace tcplab::netsim {

namespace {

void PutLe16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}

void PutLe32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

void GlobalHeader(LinkType link_type, uint32_t snaplen, uint8_t* h) {
  PutLe32(h, kPcapMagicNanos);
  PutLe16(h + 4, kPcapVersionMajor);
  PutLe16(h + 6, kPcapVersionMinor);
  PutLe32(h + 8, 0);   // thiszone: UTC
  PutLe32(h + 12, 0);  // sigfigs
  PutLe32(h + 16, snaplen);
  PutLe32(h + 20, static_cast<uint32_t>(link_type));
}

absl::Status OsError(int error_number, absl::string_view what, const std::string& path) {
  return absl::ErrnoToStatus(error_number, absl::StrCat(what, " ", path));
}

}  // namespace

PcapWriter PcapWriter::InMemory(LinkType link_type, uint32_t snaplen) {
  PcapWriter w(link_type, snaplen);
  w.bytes_.resize(kPcapGlobalHeaderSize);
  GlobalHeader(link_type, snaplen, w.bytes_.data());
  return w;
}

absl::StatusOr<PcapWriter> PcapWriter::OpenFile(const std::string& path, LinkType link_type,
                                                uint32_t snaplen) {
  PcapWriter w(link_type, snaplen);
  w.path_ = path;
  errno = 0;
  w.file_.reset(std::fopen(path.c_str(), "wb"));
  if (w.file_ == nullptr) return OsError(errno, "cannot create pcap file", path);
  uint8_t h[kPcapGlobalHeaderSize];
  GlobalHeader(link_type, snaplen, h);
  absl::Status s = w.Emit(h);
  if (!s.ok()) return s;
  return w;
}

absl::Status PcapWriter::Emit(absl::Span<const uint8_t> data) {
  if (file_ == nullptr) {
    bytes_.insert(bytes_.end(), data.begin(), data.end());
    return absl::OkStatus();
  }
  errno = 0;
  if (!data.empty() && std::fwrite(data.data(), 1, data.size(), file_.get()) != data.size()) {
    return OsError(errno != 0 ? errno : EIO, "cannot write pcap file", path_);
  }
  return absl::OkStatus();
}

absl::Status PcapWriter::Write(Instant at, absl::Span<const uint8_t> packet) {
  if (closed_) {
    return absl::FailedPreconditionError(
        absl::StrCat("pcap writer for ", path_.empty() ? "memory" : path_, " is closed"));
  }
  if (at.is_infinite() || at.nanos() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("pcap record time ", at.ToString(), " is not a time in the run"));
  }
  const int64_t seconds = at.nanos() / 1000000000;
  if (seconds > int64_t{UINT32_MAX}) {
    return absl::OutOfRangeError(
        absl::StrCat("pcap record time ", at.ToString(), " does not fit 32-bit seconds"));
  }
  if (packet.size() > UINT32_MAX) {
    return absl::InvalidArgumentError("pcap record longer than 4 GiB");
  }
  const uint32_t captured = static_cast<uint32_t>(std::min<size_t>(packet.size(), snaplen_));
  uint8_t h[kPcapRecordHeaderSize];
  PutLe32(h, static_cast<uint32_t>(seconds));
  PutLe32(h + 4, static_cast<uint32_t>(at.nanos() % 1000000000));
  PutLe32(h + 8, captured);
  PutLe32(h + 12, static_cast<uint32_t>(packet.size()));
  absl::Status s = Emit(h);
  if (s.ok()) s = Emit(packet.subspan(0, captured));
  if (s.ok()) ++records_;
  return s;
}

absl::Status PcapWriter::Flush() {
  if (file_ == nullptr) return absl::OkStatus();
  errno = 0;
  if (std::fflush(file_.get()) != 0) return OsError(errno, "cannot write pcap file", path_);
  return absl::OkStatus();
}

absl::Status PcapWriter::Close() {
  closed_ = true;
  if (file_ == nullptr) return absl::OkStatus();
  errno = 0;
  const int rc = std::fclose(file_.release());
  if (rc != 0) return OsError(errno, "cannot close pcap file", path_);
  return absl::OkStatus();
}

}  // namespace tcplab::netsim
