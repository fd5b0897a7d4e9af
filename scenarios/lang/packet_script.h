#ifndef TCPLAB_SCENARIOS_LANG_PACKET_SCRIPT_H_
#define TCPLAB_SCENARIOS_LANG_PACKET_SCRIPT_H_

// The in-memory form of a packet-level script (.pkt, packetdrill notation;
// format in scenarios/lang/README.md): the stack under test ("local", a
// tcplab stack) faces a scripted remote peer. Each step is a time spec and
// either a segment the script injects into the stack ('<'), a segment the
// stack must send ('>'), or a socket call on the stack.
//
// Sequence numbers are as written: for inbound segments, `seq` is relative
// to remote_isn and `ack` relative to the stack's ISN; for outbound ones,
// `seq` is relative to the stack's ISN and `ack` relative to remote_isn.
// The runner adds the ISNs.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "scenarios/lang/lexer.h"
#include "scenarios/lang/scenario.h"
#include "tcp/wire/ipv4_address.h"
#include "tcp/wire/tcp_options.h"

namespace tcplab::scenario {

struct TimePoint {
  bool relative = true;  // "+0.1": after the previous step; "0.100": since start
  absl::Duration value;
  friend bool operator==(const TimePoint&, const TimePoint&) = default;
};

// "+0.1", "0.100", "*" (any time), or with a blocking call's return time:
// "+0...0.2" / "0.1...+0.1" -- `end` is when the call returns, relative
// to the start when written with '+', else since the beginning.
struct TimeSpec {
  bool any = false;
  TimePoint start;
  std::optional<TimePoint> end;
  friend bool operator==(const TimeSpec&, const TimeSpec&) = default;
};

enum class PacketDirection {
  kInbound,   // '<': injected into the stack under test
  kOutbound,  // '>': expected from the stack under test
};

// "start:end(length)"; end - start == length (mod 2^32), checked.
struct SeqRange {
  uint32_t start = 0;
  uint32_t end = 0;
  uint32_t length = 0;
  friend bool operator==(const SeqRange&, const SeqRange&) = default;
};

struct PacketSpec {
  PacketDirection direction = PacketDirection::kInbound;
  uint8_t flags = 0;              // wire::flags bits
  std::optional<SeqRange> seq;    // required inbound; unchecked outbound if unset
  std::optional<uint32_t> ack;    // only with the ACK flag ('.'); required inbound
  std::optional<uint32_t> window; // unscaled; inbound default 65535, outbound unchecked
  // "<...>" (outbound only): options not checked. Otherwise `options`
  // holds the typed values and the exact wire layout (layout_size > 0), or
  // is unset when no option list was written (no options expected/sent).
  bool any_options = false;
  std::optional<wire::TcpOptions> options;
  friend bool operator==(const PacketSpec&, const PacketSpec&) = default;
};

struct SyscallArg {
  enum class Kind {
    kInt,       // 3, -1, 0x10
    kName,      // SOCK_STREAM, or O_RDWR|O_NONBLOCK (kept whole in `text`)
    kEllipsis,  // ... (any / don't care)
    kString,    // "abc" (text without the quotes, escapes as written)
    kList,      // [1, 2]: scalars in `elements`
    kStruct,    // {l_onoff=1, l_linger=0}: scalars in `elements`, each with `field`
  };
  Kind kind = Kind::kInt;
  int64_t value = 0;
  std::string text;
  std::string field;
  std::vector<SyscallArg> elements;  // never nested deeper than one level
  friend bool operator==(const SyscallArg&, const SyscallArg&) = default;
};

struct Syscall {
  std::string name;  // socket, bind, listen, accept, connect, read, write, ...
  std::vector<SyscallArg> args;
  int64_t result = 0;
  std::optional<std::string> error;  // errno name, e.g. "EINPROGRESS"
  std::string error_text;            // the "(Operation now in progress)" words
  friend bool operator==(const Syscall&, const Syscall&) = default;
};

struct PacketStep {
  SourcePos pos;
  TimeSpec time;
  std::variant<PacketSpec, Syscall> event;
  friend bool operator==(const PacketStep&, const PacketStep&) = default;
};

struct PacketScript {
  std::string file;
  // Header options ("--name=value" lines before the first step).
  absl::Duration tolerance = absl::Microseconds(4000);    // --tolerance_usecs
  wire::Ipv4Address local_ip{192, 168, 0, 1};              // --local_ip
  uint16_t local_port = 8080;                              // --local_port
  wire::Ipv4Address remote_ip{192, 0, 2, 1};               // --remote_ip
  std::optional<uint16_t> remote_port;                     // --remote_port (unset: runner picks)
  uint32_t remote_isn = 0;                                 // --remote_isn
  StackConfig stack;                                       // --mss=1460, --rto_min=200ms, ...
  std::vector<PacketStep> steps;
  friend bool operator==(const PacketScript&, const PacketScript&) = default;
};

// Seconds with up to 9 decimals, as in scripts: 100ms -> "0.1", 0 -> "0".
std::string SecondsToString(absl::Duration d);
// Flag letters in bit order, as tcpdump and packetdrill write them: F S R P
// . (ACK) U E (ECE) W (CWR); e.g. "S.", "FP.", "SEW".
std::string FlagsToString(uint8_t flags);
// "<mss 1460,sackOK,nop,wscale 7>" in the options' layout order.
std::string OptionsToString(const wire::TcpOptions& options);

// The script in its own notation, header options included (all of them,
// explicit). ParsePacketScript(ToString(s)) gives back s, positions aside.
std::string ToString(const PacketScript& s);
std::string ToString(const PacketStep& step);

}  // namespace tcplab::scenario

#endif  // TCPLAB_SCENARIOS_LANG_PACKET_SCRIPT_H_
