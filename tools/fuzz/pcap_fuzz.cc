// Fuzzes the pcap reader and the link-layer decoder: any bytes are read as a
// pcap file, and each record's IPv4 packet is extracted (and must lie within
// the record).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "absl/types/span.h"
#include "netsim/pcap/link_layer.h"
#include "netsim/pcap/pcap_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = tcplab::netsim::ReadPcapBytes(absl::Span<const uint8_t>(data, size));
  if (!file.ok()) return 0;
  for (const auto& record : file->records) {
    const absl::Span<const uint8_t> rec(record.data);
    auto packet = tcplab::netsim::Ipv4PacketOfRecord(file->link_type, rec);
    if (!packet.ok()) continue;
    if (!packet->empty() &&
        (packet->data() < rec.data() || packet->data() + packet->size() > rec.data() + rec.size())) {
      std::fprintf(stderr, "pcap_fuzz: IPv4 view lies outside its record\n");
      std::abort();
    }
  }
  return 0;
}
