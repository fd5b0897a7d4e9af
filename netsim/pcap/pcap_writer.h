#ifndef TCPLAB_NETSIM_PCAP_PCAP_WRITER_H_
#define TCPLAB_NETSIM_PCAP_PCAP_WRITER_H_

// Writes classic libpcap files with nanosecond timestamps (magic
// 0xa1b23c4d), little-endian whatever the host, so that a simulation's
// capture is the same byte for byte on every run and machine.
//
// Timestamps are Instants: nanoseconds since the start of the run, written
// with epoch 0 (Wireshark shows 1970-01-01 00:00:00 + the run time).

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "netsim/pcap/pcap_format.h"
#include "tcp/base/instant.h"

namespace tcplab::netsim {

class PcapWriter {
 public:
  // Collects the file in memory (see bytes()). The global header is written
  // at once.
  static PcapWriter InMemory(LinkType link_type, uint32_t snaplen = kPcapDefaultSnaplen);

  // Creates (or truncates) the file at `path` and writes the global header.
  // Errors name the path and the operating system's reason.
  static absl::StatusOr<PcapWriter> OpenFile(const std::string& path, LinkType link_type,
                                             uint32_t snaplen = kPcapDefaultSnaplen);

  PcapWriter(PcapWriter&&) = default;
  PcapWriter& operator=(PcapWriter&&) = default;
  ~PcapWriter() = default;  // closes a file (errors then go unreported: Close())

  // Appends one record stamped `at`. Bytes beyond the snaplen are cut off
  // (the record keeps the original length). Fails for an instant before
  // the run's start, Infinite(), or past 2^32 seconds, after Close(), and
  // on write errors.
  absl::Status Write(Instant at, absl::Span<const uint8_t> packet);

  // File: pushes buffered records to the OS. In memory: nothing to do.
  absl::Status Flush();
  // Flushes and closes the file; later Write()s fail. Idempotent.
  absl::Status Close();

  // In memory: the whole file so far. Empty for a file writer.
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  int64_t records_written() const { return records_; }
  LinkType link_type() const { return link_type_; }
  uint32_t snaplen() const { return snaplen_; }

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };

  PcapWriter(LinkType link_type, uint32_t snaplen) : link_type_(link_type), snaplen_(snaplen) {}
  absl::Status Emit(absl::Span<const uint8_t> bytes);

  LinkType link_type_;
  uint32_t snaplen_;
  std::string path_;  // empty: in memory
  std::unique_ptr<std::FILE, FileCloser> file_;
  bool closed_ = false;
  std::vector<uint8_t> bytes_;
  int64_t records_ = 0;
};

}  // namespace tcplab::netsim

#endif  // TCPLAB_NETSIM_PCAP_PCAP_WRITER_H_
