#ifndef TCPLAB_SCENARIOS_LANG_SCENARIO_H_
#define TCPLAB_SCENARIOS_LANG_SCENARIO_H_

// The in-memory description of a scenario file (.scn): plain structs that the
// runner maps onto engine and simulator configurations. Every optional field
// is "not given in the file": the runner applies its defaults. The format
// itself is documented in scenarios/lang/README.md.
//
// Names (hosts, switches, apps) are kept as written; the parser has checked
// that every name used is declared (see ParseScenario in
// scenarios/lang/scenario_parser.h). Each element carries the position of
// its first word so that the runner can report "bulk.scn:12:1: ..." too.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "scenarios/lang/lexer.h"
#include "scenarios/lang/units.h"
#include "tcp/wire/ipv4_address.h"

namespace tcplab::scenario {

enum class CongestionControl { kNone, kReno, kNewReno, kCubic };

// TCP stack configuration of a host (and of the stack under test in a .pkt
// script). Each key of a host block sets one group of fields.
struct StackConfig {
  std::optional<uint32_t> mss;                   // mss 1460
  std::optional<uint64_t> send_buffer;           // send_buffer 64KiB (bytes)
  std::optional<uint64_t> recv_buffer;           // recv_buffer 64KiB (bytes)
  std::optional<absl::Duration> rto_initial;     // rto_initial 1s
  std::optional<absl::Duration> rto_min;         // rto_min 200ms
  std::optional<absl::Duration> rto_max;         // rto_max 60s
  std::optional<absl::Duration> msl;             // msl 30s
  std::optional<absl::Duration> persist_min;     // persist_min 500ms
  std::optional<absl::Duration> persist_max;     // persist_max 60s
  std::optional<uint32_t> syn_retries;           // syn_retries 6
  std::optional<uint32_t> data_retries;          // data_retries 15
  std::optional<uint32_t> fin_retries;           // fin_retries 8
  std::optional<uint64_t> isn_secret;            // isn_secret 0x1234abcd
  std::optional<CongestionControl> congestion;   // congestion cubic
  std::optional<bool> sack;                      // sack on|off
  std::optional<bool> timestamps;                // timestamps on|off
  std::optional<bool> window_scale;              // window_scale on|off|N
  std::optional<uint32_t> window_scale_shift;    //   N (0..14) when given
  std::optional<bool> delayed_ack;               // delayed_ack on|off|D
  std::optional<absl::Duration> delayed_ack_timeout;  // D when given
  std::optional<bool> ack_bursts;                // ack_bursts on|off
  std::optional<bool> nagle;                     // nagle on|off
  std::optional<bool> keepalive;                 // keepalive on|off|...
  std::optional<absl::Duration> keepalive_idle;      // ... idle 2h
  std::optional<absl::Duration> keepalive_interval;  // ... interval 75s
  std::optional<uint32_t> keepalive_count;           // ... count 9

  friend bool operator==(const StackConfig&, const StackConfig&) = default;
};

struct Host {
  std::string name;
  SourcePos pos;
  std::optional<wire::Ipv4Address> address;  // the first instance's
  // Instances: "name[0]" .. "name[count-1]", with consecutive addresses
  // from `address`. Links and apps naming the host apply to every instance.
  uint32_t count = 1;
  StackConfig stack;

  friend bool operator==(const Host&, const Host&) = default;
};

// A node without a TCP stack that forwards packets by destination address
// between the links attached to it.
struct Switch {
  std::string name;
  SourcePos pos;
  friend bool operator==(const Switch&, const Switch&) = default;
};

enum class Distribution { kUniform, kNormal, kPareto, kParetoNormal };

// netem "loss PERCENT [CORRELATION]".
struct RandomLoss {
  Percent percent;
  std::optional<Percent> correlation;
  friend bool operator==(const RandomLoss&, const RandomLoss&) = default;
};

// netem "loss gemodel p [r [1-h [1-k]]]": p = P(good -> bad), r = P(bad ->
// good), 1-h = P(loss | bad), 1-k = P(loss | good). Unset ones take netem's
// defaults (r = 100% - p, 1-h = 100%, 1-k = 0%).
struct GilbertElliottLoss {
  Percent p;
  std::optional<Percent> r;
  std::optional<Percent> one_minus_h;
  std::optional<Percent> one_minus_k;
  friend bool operator==(const GilbertElliottLoss&, const GilbertElliottLoss&) = default;
};

using LossModel = std::variant<RandomLoss, GilbertElliottLoss>;

// The impairments of one direction of a link (netem vocabulary). A field
// that is not set keeps its current value (the runner's default at start,
// the previous value in a change event).
struct LinkParams {
  std::optional<absl::Duration> delay;
  std::optional<absl::Duration> jitter;
  std::optional<Percent> delay_correlation;
  std::optional<Distribution> distribution;
  std::optional<LossModel> loss;
  std::optional<Percent> duplicate;
  std::optional<Percent> duplicate_correlation;
  std::optional<Percent> reorder;
  std::optional<Percent> reorder_correlation;
  std::optional<uint32_t> reorder_gap;
  std::optional<Percent> corrupt;
  std::optional<Percent> corrupt_correlation;
  std::optional<uint64_t> rate_bps;       // bits per second
  std::optional<uint64_t> limit_packets;  // queue limit, packets
  std::optional<uint64_t> limit_bytes;    // queue limit, bytes
  std::optional<uint32_t> mtu;            // bytes

  // Sets every field that `other` sets.
  void MergeFrom(const LinkParams& other);
  bool empty() const { return *this == LinkParams{}; }
  friend bool operator==(const LinkParams&, const LinkParams&) = default;
};

// A full-duplex link between two nodes (hosts or switches).
struct Link {
  std::string a;
  std::string b;
  SourcePos pos;
  LinkParams a_to_b;
  LinkParams b_to_a;
  friend bool operator==(const Link&, const Link&) = default;
};

enum class AppKind {
  kBulk,        // sends `bytes` of the verifiable pattern, then closes
  kSink,        // reads (and verifies) everything, closes when the peer does
  kEcho,        // writes back what it reads
  kHttpServer,  // answers each "GET <n>" request line with n pattern bytes
  kHttpGet,     // sends `requests` GETs of `bytes` each, one at a time
};

struct Endpoint {
  std::string host;
  uint16_t port = 0;
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

struct ReadPause {
  absl::Duration at;      // simulated time the app stops reading
  absl::Duration length;  // how long it does not read
  friend bool operator==(const ReadPause&, const ReadPause&) = default;
};

struct App {
  std::string name;
  SourcePos pos;
  AppKind kind = AppKind::kSink;
  std::string host;
  // Exactly one of listen / connect is set (the parser checks).
  std::optional<uint16_t> listen;
  std::optional<Endpoint> connect;
  // The local port of the active open (default: an ephemeral port), e.g.
  // for a simultaneous open. Connecting apps with count 1 only.
  std::optional<uint16_t> local_port;
  std::optional<uint32_t> backlog;
  std::optional<uint64_t> bytes;      // bulk: to send; http_get: per response
  std::optional<uint32_t> requests;   // http_get
  uint32_t count = 1;                 // parallel connecting instances
  std::optional<absl::Duration> start;
  std::optional<uint64_t> read_rate_bps;  // slow reader, bits per second
  std::vector<ReadPause> read_pauses;     // in the order written
  bool never_read = false;
  std::optional<uint64_t> close_after;    // bytes moved, then close
  std::optional<uint64_t> abort_after;    // bytes moved, then abort (RST)
  std::optional<uint64_t> write_size;     // bytes per write call
  std::optional<uint64_t> read_size;      // bytes per read call
  friend bool operator==(const App&, const App&) = default;
};

// "a -- b" (both directions) or "a -> b" (one: a one-way partition).
struct LinkRef {
  std::string from;
  std::string to;
  bool both_directions = true;
  friend bool operator==(const LinkRef&, const LinkRef&) = default;
};

struct LinkStateAction {
  LinkRef link;
  bool up = false;
  friend bool operator==(const LinkStateAction&, const LinkStateAction&) = default;
};

struct LinkChangeAction {
  LinkRef link;
  LinkParams params;  // applied to the referenced direction(s)
  friend bool operator==(const LinkChangeAction&, const LinkChangeAction&) = default;
};

enum class AppActionKind { kShutdown, kClose, kAbort, kStopReading, kResumeReading };

struct AppAction {
  std::string app;  // every instance and connection of the app
  AppActionKind kind = AppActionKind::kClose;
  friend bool operator==(const AppAction&, const AppAction&) = default;
};

using Action = std::variant<LinkStateAction, LinkChangeAction, AppAction>;

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };

// a OP b, for expectations and progress triggers alike.
template <typename T>
bool Compare(const T& a, CompareOp op, const T& b) {
  switch (op) {
    case CompareOp::kEq: return a == b;
    case CompareOp::kNe: return a != b;
    case CompareOp::kLt: return a < b;
    case CompareOp::kLe: return a <= b;
    case CompareOp::kGt: return a > b;
    case CompareOp::kGe: return a >= b;
  }
  return false;
}

// "when APP.METRIC OP SIZE": fires once, the first time the app's byte
// count (summed over its instances) satisfies the comparison.
enum class ProgressMetric { kSent, kReceived };
struct ProgressTrigger {
  std::string app;
  ProgressMetric metric = ProgressMetric::kSent;
  CompareOp op = CompareOp::kGe;
  uint64_t bytes = 0;
  friend bool operator==(const ProgressTrigger&, const ProgressTrigger&) = default;
};

struct Event {
  SourcePos pos;
  std::variant<absl::Duration, ProgressTrigger> trigger;  // "at T" or "when"
  Action action;
  friend bool operator==(const Event&, const Event&) = default;
};

enum class TcpState {
  kClosed, kListen, kSynSent, kSynReceived, kEstablished, kFinWait1,
  kFinWait2, kCloseWait, kClosing, kLastAck, kTimeWait,
};

enum class ErrorKind { kNone, kTimedOut, kReset, kRefused };

enum class Metric {
  kState,             // TcpState; == !=
  kError,             // ErrorKind; == !=
  kSent,              // bytes written and acknowledged; size
  kReceived,          // bytes read by the app; size
  kIntact,            // bool: every byte read matched the pattern
  kCompleted,         // duration: when the app finished its work
  kRetransmits,       // count of retransmitted segments
  kTimeouts,          // count of RTO expirations
  kFastRetransmits,   // count: retransmissions not caused by a timeout
  kZeroWindowProbes,  // count
  kConnections,       // count of connections established (accepted)
  kSackRetransmits,   // count: holes repaired by SACK recovery
  kFastRecoveries,    // count of recovery episodes
  kDupAcks,           // count of duplicate ACKs received
  kSackBlocks,        // count of SACK blocks received
  kKeepaliveProbes,   // count
  kCwnd,              // size: congestion window
  kSsthresh,          // size: slow-start threshold
  kSrtt,              // duration: smoothed RTT
};

// Metrics whose value is a size (SIZE in the file, bytes in the model).
inline bool IsSizeMetric(Metric m) {
  return m == Metric::kSent || m == Metric::kReceived || m == Metric::kCwnd ||
         m == Metric::kSsthresh;
}

// The value compared against, typed by the metric.
using ExpectValue = std::variant<uint64_t, absl::Duration, TcpState, ErrorKind, bool>;

// "expect APP.METRIC [OP VALUE] [at T]". Without OP VALUE (allowed for
// intact and completed only) it means "intact == true" / "completed at
// all". Checked at `at`, or at the end of the run. For an app with several
// instances or connections, it must hold for each of them (counts and
// sizes are per connection too).
struct Expectation {
  SourcePos pos;
  std::string app;
  Metric metric = Metric::kState;
  std::optional<CompareOp> op;
  ExpectValue value;
  std::optional<absl::Duration> at;
  friend bool operator==(const Expectation&, const Expectation&) = default;
};

struct Scenario {
  std::string file;  // as given to the parser, for messages
  std::optional<uint64_t> seed;
  std::optional<absl::Duration> time_limit;
  std::vector<Host> hosts;
  std::vector<Switch> switches;
  std::vector<Link> links;
  std::vector<App> apps;
  std::vector<Event> events;
  std::vector<Expectation> expectations;
  friend bool operator==(const Scenario&, const Scenario&) = default;
};

// Names as written in files ("cubic", "paretonormal", "FIN_WAIT_1",
// "timed_out", "stop_reading", ">=" ...).
absl::string_view Name(CongestionControl c);
absl::string_view Name(Distribution d);
absl::string_view Name(AppKind k);
absl::string_view Name(AppActionKind k);
absl::string_view Name(CompareOp op);
absl::string_view Name(ProgressMetric m);
absl::string_view Name(TcpState s);
absl::string_view Name(ErrorKind e);
absl::string_view Name(Metric m);

// The scenario in the file format, canonical: one statement per line,
// keyword forms, exact units, no comments. ParseScenario(ToString(s))
// gives back s (positions aside).
std::string ToString(const Scenario& s);
// One host block's stack keys, one "key value" per line, each line
// prefixed with `indent`.
std::string StackConfigToString(const StackConfig& c, absl::string_view indent);
// The impairment keys of `p`, one line each, prefixed with `indent`.
std::string LinkParamsToString(const LinkParams& p, absl::string_view indent);

}  // namespace tcplab::scenario

#endif  // TCPLAB_SCENARIOS_LANG_SCENARIO_H_
