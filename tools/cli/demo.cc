#include "tools/cli/demo.h"


#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "netsim/pcap/pcap_writer.h"
#include "tcp/wire/packet.h"
#include "tcp/wire/render.h"

namespace tcplab::cli {
namespace {

using wire::Ipv4Address;
using wire::Seq;
namespace flags = wire::flags;

constexpr Ipv4Address kClient(10, 0, 0, 1);
constexpr Ipv4Address kServer(10, 0, 0, 2);
constexpr uint16_t kClientPort = 49152;
constexpr uint16_t kServerPort = 80;
constexpr Seq kClientIsn(0x1f2e3d4c);
constexpr Seq kServerIsn(0xfffffc00);  // wraps during the conversation
constexpr absl::Duration kOneWay = absl::Milliseconds(10);

class Conversation {
 public:
  // One segment from the client (or server) at `t`, its seq and ack taken
  // from what each side has sent so far.
  void Add(bool from_client, Instant t, uint8_t flag_bits,
           absl::string_view payload, const wire::TcpOptions& options = {}) {
    Side& me = from_client ? client_ : server_;
    Side& peer = from_client ? server_ : client_;
    wire::Packet p;
    p.ip.src = from_client ? kClient : kServer;
    p.ip.dst = from_client ? kServer : kClient;
    p.ip.id = me.ip_id++;
    p.tcp.src_port = from_client ? kClientPort : kServerPort;
    p.tcp.dst_port = from_client ? kServerPort : kClientPort;
    p.tcp.seq = me.next;
    p.tcp.ack = (flag_bits & flags::kAck) ? peer.next : Seq(0);
    p.tcp.flags = flag_bits;
    // Both sides offer 64 KB; after the SYNs the field is scaled by 2^7.
    p.tcp.window = (flag_bits & flags::kSyn) ? 64240 : 502;
    p.tcp.options = options;
    p.payload = absl::Span<const uint8_t>(
        reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
    me.next += p.SeqLength();

    DemoPacket out{t, std::vector<uint8_t>(wire::SerializedSize(p)), from_client};
    wire::SerializePacket(p, absl::MakeSpan(out.bytes));
    packets_.push_back(std::move(out));
  }

  std::vector<DemoPacket> Take() { return std::move(packets_); }

 private:
  struct Side {
    Seq next;
    uint16_t ip_id;
  };
  Side client_{kClientIsn, 1};
  Side server_{kServerIsn, 1};
  std::vector<DemoPacket> packets_;
};

}  // namespace

std::vector<DemoPacket> BuildDemoConversation() {
  wire::TcpOptions syn_options;
  syn_options.mss = 1460;
  syn_options.sack_permitted = true;
  syn_options.timestamps = wire::Timestamps{1000, 0};
  syn_options.window_scale = 7;
  wire::TcpOptions synack_options = syn_options;
  synack_options.timestamps = wire::Timestamps{5000, 1000};

  const absl::string_view request = "GET /index.html HTTP/1.0\r\nHost: 10.0.0.2\r\n\r\n";
  const absl::string_view response =
      "HTTP/1.0 200 OK\r\nContent-Length: 22\r\n\r\nhello from tcplab demo";

  Conversation c;
  Instant t = Instant::Zero();
  c.Add(true, t, flags::kSyn, "", syn_options);
  c.Add(false, t += kOneWay, flags::kSyn | flags::kAck, "", synack_options);
  c.Add(true, t += kOneWay, flags::kAck, "");
  c.Add(true, t += absl::Microseconds(50), flags::kPsh | flags::kAck, request);
  c.Add(false, t += kOneWay, flags::kAck, "");
  c.Add(false, t += absl::Microseconds(200), flags::kPsh | flags::kAck, response);
  c.Add(true, t += kOneWay, flags::kAck, "");
  c.Add(true, t += absl::Microseconds(100), flags::kFin | flags::kAck, "");
  c.Add(false, t += kOneWay, flags::kFin | flags::kAck, "");
  c.Add(true, t += kOneWay, flags::kAck, "");
  return c.Take();
}

absl::Status RunDemo(const std::string& pcap_path) {
  const std::vector<DemoPacket> packets = BuildDemoConversation();
  auto writer = netsim::PcapWriter::OpenFile(pcap_path, netsim::LinkType::kRaw);
  if (!writer.ok()) return writer.status();

  absl::PrintF("tcplab demo: a TCP conversation built packet by packet\n");
  absl::PrintF("  client 10.0.0.1:49152, server 10.0.0.2:80, 10 ms one way\n\n");
  for (const DemoPacket& d : packets) {
    // Print what parses back from the bytes, not what was meant to be sent:
    // the demo doubles as a round trip of the wire library.
    wire::Packet parsed;
    const wire::ParseError e = wire::ParsePacket(d.bytes, &parsed);
    if (e != wire::ParseError::kOk) {
      return absl::InternalError(absl::StrFormat(
          "demo packet failed to parse back: %s", wire::ParseErrorName(e)));
    }
    wire::RenderOptions render;
    render.relative = true;
    render.sender_isn = d.from_client ? kClientIsn : kServerIsn;
    render.receiver_isn = d.from_client ? kServerIsn : kClientIsn;
    absl::PrintF("%12s  %s\n", d.time.ToString(),
                wire::RenderPacket(parsed, render));
    if (absl::Status s = writer->Write(d.time, d.bytes); !s.ok()) return s;
  }
  if (absl::Status s = writer->Close(); !s.ok()) return s;
  absl::PrintF("\nwrote %d packets to %s (open it with Wireshark or tshark -r)\n",
              static_cast<int>(packets.size()), pcap_path);
  return absl::OkStatus();
}

}  // namespace tcplab::cli
