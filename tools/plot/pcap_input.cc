#include "absl/strings/str_cat.h"
#include "netsim/pcap/link_layer.h"
#include "netsim/pcap/pcap_reader.h"
#include "tools/plot/plot_input.h"

namespace tcplab::plot {
namespace {

// A record shorter than its IP total length lost payload to the snaplen:
// shorten the total length to what is there (the parser then accepts it;
// checksums are not verified for plots) and remember how much is missing.
void CutBySnaplen(TimedPacket* t) {
  std::vector<uint8_t>& b = t->bytes;
  if (b.size() < 20 || (b[0] >> 4) != 4) return;
  const uint32_t total = (uint32_t{b[2]} << 8) | b[3];
  if (total <= b.size()) return;
  t->cut = total - static_cast<uint32_t>(b.size());
  b[2] = static_cast<uint8_t>(b.size() >> 8);
  b[3] = static_cast<uint8_t>(b.size());
}

absl::StatusOr<PlotInput> FromPcap(const netsim::PcapFile& file, const std::string& source) {
  PlotInput in;
  in.source = source;
  // Wireshark's default: seconds since the beginning of the capture.
  in.time_origin = "since the first packet of the capture";
  const int64_t origin = file.records.empty() ? 0 : file.records.front().timestamp_ns;
  absl::Status first_error;
  for (const netsim::PcapRecord& r : file.records) {
    absl::StatusOr<absl::Span<const uint8_t>> ip =
        netsim::Ipv4PacketOfRecord(file.link_type, r.data);
    if (!ip.ok()) {
      // Single records (ARP, IPv6) are only counted; a file with nothing
      // else fails below with the first reason.
      if (first_error.ok()) first_error = ip.status();
      ++in.skipped_records;
      continue;
    }
    TimedPacket t{r.timestamp_ns - origin, std::vector<uint8_t>(ip->begin(), ip->end())};
    CutBySnaplen(&t);
    in.sent.push_back(std::move(t));
  }
  if (in.sent.empty() && !first_error.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": no IPv4 packet in ",
                                                   in.skipped_records,
                                                   " records (first: ", first_error.message(),
                                                   ")"));
  }
  return in;
}

}  // namespace

absl::StatusOr<PlotInput> PcapBytesToInput(const std::vector<uint8_t>& bytes,
                                           const std::string& source) {
  absl::StatusOr<netsim::PcapFile> file = netsim::ReadPcapBytes(bytes);
  if (!file.ok()) return file.status();
  return FromPcap(*file, source);
}

absl::StatusOr<PlotInput> ReadPcapInput(const std::string& path) {
  absl::StatusOr<netsim::PcapFile> file = netsim::ReadPcapFile(path);
  if (!file.ok()) return file.status();
  return FromPcap(*file, path);
}

}  // namespace tcplab::plot
