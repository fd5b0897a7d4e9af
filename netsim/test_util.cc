#include "netsim/test_util.h"

#include "tcp/wire/packet.h"

namespace tcplab::netsim::testing {

std::vector<uint8_t> TcpPacket(wire::Ipv4Address src, wire::Ipv4Address dst,
                               uint32_t seq, size_t payload_bytes) {
  std::vector<uint8_t> payload(payload_bytes);
  for (size_t i = 0; i < payload_bytes; ++i) payload[i] = static_cast<uint8_t>(seq + i);
  wire::Packet p;
  p.ip.src = src;
  p.ip.dst = dst;
  p.tcp.src_port = 40000;
  p.tcp.dst_port = 80;
  p.tcp.seq = wire::Seq(seq);
  p.tcp.flags = wire::flags::kAck;
  p.tcp.window = 65535;
  p.payload = payload;
  std::vector<uint8_t> out(wire::SerializedSize(p));
  wire::SerializePacket(p, absl::MakeSpan(out));
  return out;
}

uint32_t SeqOf(absl::Span<const uint8_t> packet) {
  wire::Packet p;
  if (wire::ParsePacket(packet, &p) != wire::ParseError::kOk) return UINT32_MAX;
  return p.tcp.seq.raw();
}

}  // namespace tcplab::netsim::testing
