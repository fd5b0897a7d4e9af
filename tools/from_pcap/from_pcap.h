#ifndef TCPLAB_TOOLS_FROM_PCAP_FROM_PCAP_H_
#define TCPLAB_TOOLS_FROM_PCAP_FROM_PCAP_H_

// A capture of a real TCP session as a packet script (.pkt, the format of
// scenarios/lang/README.md) that `tcplab run` replays against tcplab's
// engine: the side under test becomes the stack, the other side the
// scripted peer. Sans-IO: capture bytes in, script text out.
//
// What the script holds:
//  * Header: the addresses and ports of the two sides, the peer's ISN, and
//    stack keys for what the side under test's SYN (or SYN-ACK) offered
//    (--mss, --sack, --timestamps, --window_scale=SHIFT) plus Linux's
//    defaults the capture cannot show (--congestion=cubic,
//    --delayed_ack=on); buffers large enough that the peer's segments fit
//    the window and no write blocks (--recv_buffer, --send_buffer). Nagle
//    stays off: a capture cannot tell whether the application set
//    TCP_NODELAY (curl does), and each inferred write ends where Linux
//    pushed anyway.
//  * Segments, in capture order, times relative to the previous step: the
//    peer's as `<` lines, the side under test's as `>` lines, sequence
//    numbers relative to each side's ISN (its SYN; without one, its first
//    sequence number), SACK blocks too; windows as on the wire (unscaled);
//    TS values as captured. A segment that starts below what its sender
//    had already sent is a retransmission (whether or not the capture
//    holds the first send): a comment line `// retransmission: ...` before
//    it says so. What the notation cannot hold is left out with a comment:
//    option kinds it has no word for (or repeated, or a SACK option
//    without blocks), a segment with no flags at all. Capture times that
//    step back are taken as the time before.
//  * Calls, inferred from what the side under test did: the client
//    socket + connect (blocking, returning when the SYN-ACK or RST came);
//    the server socket + bind + listen, then accept once the handshake is
//    done. write: just before the first segment of new data, as many bytes
//    as run up to the next segment with PSH (Linux pushes the end of each
//    write). read: of everything delivered in order, before the next `<`
//    or call (after the side under test's own answers to what arrived);
//    read() = 0 once the peer's FIN is in. close: just before its first
//    FIN (shutdown(SHUT_WR) when the peer sends data after that FIN, which
//    is then read). A server that never sent a SYN-ACK gets no calls (it
//    was not listening: the stack answers the SYN with a RST). A SYN left
//    unanswered: a non-blocking connect (EINPROGRESS).
//
// The capture: pcap or pcapng, Ethernet or raw IPv4 (what
// tools/plot/plot_input.h reads). Records cut
// by the snapshot length keep their whole payload length. Checksums are
// not verified (offloads leave them unfilled in captures).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace tcplab::from_pcap {

struct FromPcapOptions {
  // "" when the capture holds one connection; else "ADDR:PORT-ADDR:PORT",
  // either way round.
  std::string conn;
  // "" or "client": the side that sent the first SYN; "server": the other;
  // or "ADDR:PORT".
  std::string under_test;
};

struct FromPcapResult {
  std::string script;
  std::string connection;  // "ADDR:PORT-ADDR:PORT", the side under test first
  int segments = 0;
  int retransmissions = 0;  // segments marked as such
};

// `source` names the capture in messages and in the script's header (its
// last path component only, so the script does not depend on where the
// capture was). Errors (InvalidArgument), each starting with `source`: not
// a capture, truncated, no IPv4, no TCP, several connections
// without `conn` (listing them), `conn` or `under_test` malformed or not in
// the capture, no SYN from the client (a capture that starts after the
// handshake).
absl::StatusOr<FromPcapResult> ConvertCapture(const std::vector<uint8_t>& capture,
                                              const std::string& source,
                                              const FromPcapOptions& options);

}  // namespace tcplab::from_pcap

#endif  // TCPLAB_TOOLS_FROM_PCAP_FROM_PCAP_H_
