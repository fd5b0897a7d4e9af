// Fuzzes the pcap reader and the link-layer decoder: any bytes are read as a
// pcap (or pcapng) file, and each record's IPv4 packet is extracted (and must
// lie within the record). The bytes also go through `tcplab from-pcap`'s
// converter, both sides under test: an error or a script that parses.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <string>
#include <vector>

#include "absl/types/span.h"
#include "netsim/pcap/link_layer.h"
#include "netsim/pcap/pcap_reader.h"
#include "scenarios/lang/packet_script_parser.h"
#include "tools/from_pcap/from_pcap.h"

namespace {

void Convert(const std::vector<uint8_t>& bytes, const char* under_test) {
  auto r = tcplab::from_pcap::ConvertCapture(bytes, "fuzz.pcap", {"", under_test});
  if (!r.ok()) return;
  auto script = tcplab::scenario::ParsePacketScript(r->script, "fuzz.pkt");
  if (!script.ok()) {
    std::fprintf(stderr, "pcap_fuzz: from-pcap wrote a script that does not parse: %s\n%s\n",
                 std::string(script.status().message()).c_str(), r->script.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = tcplab::netsim::ReadPcapBytes(absl::Span<const uint8_t>(data, size));
  if (!file.ok()) return 0;
  const std::vector<uint8_t> bytes(data, data + size);
  Convert(bytes, "client");
  Convert(bytes, "server");
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
