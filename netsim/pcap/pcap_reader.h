#ifndef TCPLAB_NETSIM_PCAP_PCAP_READER_H_
#define TCPLAB_NETSIM_PCAP_PCAP_READER_H_

// Reads classic libpcap files: microsecond (0xa1b2c3d4) and nanosecond
// (0xa1b23c4d) magics, in either byte order; and pcapng (what dumpcap and
// Wireshark write by default): its Enhanced and Simple Packet Blocks, in
// either byte order, timestamps in any if_tsresol, all of one link type.
//
// Malformed files yield an error that says what is wrong and where (record
// number and byte offset); reading never crashes and never allocates more
// than the input holds.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace tcplab::netsim {

struct PcapRecord {
  int64_t timestamp_ns = 0;  // seconds * 1e9 + fraction, from the file's epoch
  uint32_t original_length = 0;
  std::vector<uint8_t> data;  // the captured bytes
};

struct PcapFile {
  uint32_t link_type = 0;  // LINKTYPE_* (compare with netsim::LinkType)
  uint32_t snaplen = 0;
  bool nanosecond = false;  // nanosecond magic
  bool big_endian = false;  // the file's byte order
  uint16_t version_major = 0;
  uint16_t version_minor = 0;
  std::vector<PcapRecord> records;
};

// Errors (InvalidArgument / DataLoss): not a pcap file (bad magic),
// truncated global header (pcapng: block), unsupported major version,
// truncated record header, truncated record data, captured length above the
// snaplen (when the snaplen is not 0) or above kPcapMaxRecordLength.
absl::StatusOr<PcapFile> ReadPcapBytes(absl::Span<const uint8_t> bytes);

// pcapng only (ReadPcapBytes dispatches here on its magic). PcapFile holds
// the section's version (1.x), the first packet's interface's snaplen and
// link type; nanosecond is set for 10^-9 units. Errors also for a packet
// of an interface not described, and interfaces of different link types.
absl::StatusOr<PcapFile> ReadPcapngBytes(absl::Span<const uint8_t> bytes);

// As ReadPcapBytes, for the file at `path`; errors name the path (and the
// operating system's reason when it cannot be read).
absl::StatusOr<PcapFile> ReadPcapFile(const std::string& path);

}  // namespace tcplab::netsim

#endif  // TCPLAB_NETSIM_PCAP_PCAP_READER_H_
