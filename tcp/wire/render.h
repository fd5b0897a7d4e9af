#ifndef TCPLAB_TCP_WIRE_RENDER_H_
#define TCPLAB_TCP_WIRE_RENDER_H_

// One-line rendering of a segment in the notation of tcpdump and
// packetdrill:
//   10.0.0.1:49152 > 10.0.0.2:80 S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 100 ecr 7,nop,wscale 7>
// Flags print in tcpdump's order (F S R P . U E W; "." is ACK); a segment
// with no flags prints "none". The sequence range prints as start:end(len)
// where len counts payload bytes only. "ack N" appears only with the ACK
// flag, "urg N" only with URG. The window prints as on the wire (unscaled).
// Options print in wire order (or the canonical layout when none is given):
// mss N, sackOK, sack L:R ..., TS val V ecr E, nop, eol, wscale N, and an
// unknown kind K as "opt-K"; SACK blocks print as "sack L:R L:R". Layout
// entries whose option has no value are not printed (nor serialized).

#include <string>

#include "tcp/wire/packet.h"
#include "tcp/wire/seq.h"

namespace tcplab::wire {

struct RenderOptions {
  // When set, sequence numbers are printed relative to the initial sequence
  // numbers of the packet's sender (seq) and receiver (ack and SACK blocks,
  // which like the ack name the receiver's data): an ISN itself prints as 0.
  bool relative = false;
  Seq sender_isn;
  Seq receiver_isn;
  // Print "src:port > dst:port " before the flags.
  bool with_addresses = true;
};

std::string RenderPacket(const Packet& packet, const RenderOptions& options = {});

// The flag letters alone, e.g. "S.", "FP.", "R", "none".
std::string RenderFlags(uint8_t flag_bits);

// The options alone, e.g. "<mss 1460,sackOK,nop,nop,nop,wscale 7>", or ""
// when there are none.
std::string RenderOptionsList(const TcpOptions& options, const RenderOptions& render = {});

}  // namespace tcplab::wire

#endif  // TCPLAB_TCP_WIRE_RENDER_H_
