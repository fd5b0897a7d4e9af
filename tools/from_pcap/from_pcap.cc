#include "tools/from_pcap/from_pcap.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "scenarios/lang/packet_script.h"
#include "scenarios/lang/units.h"
#include "tcp/wire/packet.h"
#include "tools/plot/connection.h"
#include "tools/plot/plot_input.h"

namespace tcplab::from_pcap {
namespace {

using plot::Endpoint;
using scenario::PacketDirection;
using scenario::PacketSpec;
using scenario::PacketStep;
using scenario::Syscall;
using scenario::SyscallArg;

struct Segment {
  int64_t t_ns = 0;  // since the connection's first segment
  bool from_ut = false;
  wire::Packet p;
  uint32_t length = 0;  // payload bytes, those cut by the snapshot length included
};

std::string EndpointString(const Endpoint& e) {
  return absl::StrCat(e.address.ToString(), ":", e.port);
}

std::optional<Endpoint> ParseEndpoint(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  absl::StatusOr<wire::Ipv4Address> a = wire::Ipv4Address::Parse(text.substr(0, colon));
  uint32_t port = 0;
  if (!a.ok() || !absl::SimpleAtoi(text.substr(colon + 1), &port) || port == 0 || port > 65535) {
    return std::nullopt;
  }
  return Endpoint{*a, static_cast<uint16_t>(port)};
}

bool Has(const wire::Packet& p, uint8_t flag) { return p.tcp.has(flag); }

bool KnownOption(uint8_t kind) {
  switch (static_cast<wire::OptionKind>(kind)) {
    case wire::OptionKind::kEol:
    case wire::OptionKind::kNop:
    case wire::OptionKind::kMss:
    case wire::OptionKind::kWindowScale:
    case wire::OptionKind::kSackPermitted:
    case wire::OptionKind::kSack:
    case wire::OptionKind::kTimestamps:
      return true;
  }
  return false;
}

// The options' layout as a script can write it, and the kinds left out:
// ones it has no word for, a kind's repeats (a script names each once), a
// SACK option without blocks.
std::vector<int> WritableLayout(const wire::TcpOptions& in, wire::TcpOptions* out) {
  std::vector<int> dropped;
  out->ClearLayout();
  bool seen[256] = {};
  for (int k = 0; k < in.layout_size; ++k) {
    const uint8_t kind = in.layout[k];
    const bool filler = kind == 0 || kind == 1;
    if (!KnownOption(kind) || (!filler && seen[kind]) ||
        (kind == static_cast<uint8_t>(wire::OptionKind::kSack) && in.sack_count == 0)) {
      dropped.push_back(kind);
      continue;
    }
    seen[kind] = true;
    out->AppendLayout(static_cast<wire::OptionKind>(kind));
  }
  return dropped;
}

SyscallArg Int(int64_t v) { return {SyscallArg::Kind::kInt, v, "", "", {}}; }
SyscallArg Name(std::string text) { return {SyscallArg::Kind::kName, 0, std::move(text), "", {}}; }
SyscallArg Any() { return {SyscallArg::Kind::kEllipsis, 0, "", "", {}}; }

Syscall Call(std::string name, std::vector<SyscallArg> args, int64_t result,
             std::optional<std::string> error = std::nullopt, std::string error_text = "") {
  return {std::move(name), std::move(args), result, std::move(error), std::move(error_text)};
}

// The script text, step by step, with times relative to the previous step
// (the first is at 0).
class ScriptText {
 public:
  void Line(const std::string& line) { absl::StrAppend(&text_, line, "\n"); }
  void Comment(const std::string& c) { Line(absl::StrCat("// ", c)); }

  void Step(int64_t t_ns, std::variant<PacketSpec, Syscall> event,
            std::optional<int64_t> returns_at_ns = std::nullopt) {
    PacketStep s;
    s.time.start = {started_, absl::Nanoseconds(started_ ? t_ns - last_ns_ : t_ns)};
    if (returns_at_ns) s.time.end = scenario::TimePoint{false, absl::Nanoseconds(*returns_at_ns)};
    s.event = std::move(event);
    Line(scenario::ToString(s));
    started_ = true;
    last_ns_ = t_ns;
  }
  // A call right after the previous step.
  void Now(Syscall call) { Step(last_ns_, std::move(call)); }

  const std::string& text() const { return text_; }

 private:
  std::string text_;
  bool started_ = false;
  int64_t last_ns_ = 0;
};

// In-order delivery of the peer's data to the side under test.
class Reassembly {
 public:
  explicit Reassembly(int64_t next) : next_(next) {}
  // [begin, end) of sequence space arrived (a FIN counts one).
  void Add(int64_t begin, int64_t end) {
    if (end <= next_) return;
    auto& e = pending_[std::max(begin, next_)];
    e = std::max(e, end);
    for (auto it = pending_.begin(); it != pending_.end() && it->first <= next_;) {
      next_ = std::max(next_, it->second);
      it = pending_.erase(it);
    }
  }
  int64_t next() const { return next_; }

 private:
  int64_t next_;
  std::map<int64_t, int64_t> pending_;
};

class Converter {
 public:
  Converter(std::vector<Segment> segs, bool ut_is_client)
      : segs_(std::move(segs)), ut_is_client_(ut_is_client) {}

  // The body (steps) and the figures the header needs.
  void Run();
  const std::string& body() const { return out_.text(); }
  int retransmissions() const { return retransmissions_; }
  int segments() const { return static_cast<int>(segs_.size()); }
  uint32_t ut_isn() const { return ut_isn_; }
  uint32_t peer_isn() const { return peer_isn_; }
  const Segment* ut_syn() const { return ut_syn_; }
  uint64_t max_ut_window() const { return max_ut_window_; }
  uint64_t ut_bytes() const { return ut_bytes_; }

 private:
  int64_t Rel(wire::Seq s, uint32_t isn) const { return static_cast<uint32_t>(s.raw() - isn); }
  int64_t DataStart(const Segment& s) const {
    return Rel(s.p.tcp.seq, ut_isn_) + (Has(s.p, wire::flags::kSyn) ? 1 : 0);
  }
  PacketSpec Spec(const Segment& s) const;
  void MarkRetransmission(const Segment& s, int64_t* sent_end);
  void NoteUnknownOptions(const Segment& s) {
    wire::TcpOptions unused;
    const std::vector<int> kinds = WritableLayout(s.p.tcp.options, &unused);
    if (!kinds.empty()) {
      out_.Comment(absl::StrCat("the captured segment also carries option kind(s) ",
                                absl::StrJoin(kinds, ", "),
                                " (unknown, repeated or empty), which a script cannot write"));
    }
  }
  void OpenCalls();
  void FlushApp();
  int64_t WriteSize(size_t from) const;
  bool PeerDataAfter(size_t from) const;

  std::vector<Segment> segs_;
  const bool ut_is_client_;
  ScriptText out_;
  uint32_t ut_isn_ = 0, peer_isn_ = 0;
  const Segment* ut_syn_ = nullptr;
  uint64_t max_ut_window_ = 0;
  uint64_t ut_bytes_ = 0;
  int retransmissions_ = 0;

  int fd_ = 3;
  bool accept_due_ = false, app_open_ = false;
  bool write_closed_ = false;  // close() or shutdown(SHUT_WR) done
  bool closed_ = false;        // close(): no more reads either
  int64_t written_ = 0;  // bytes the app wrote
  int64_t read_ = 0;     // bytes the app read
  bool eof_read_ = false;
  std::optional<int64_t> peer_fin_;  // relative seq of the peer's FIN
  Reassembly delivered_{1};
};

PacketSpec Converter::Spec(const Segment& s) const {
  const uint32_t own = s.from_ut ? ut_isn_ : peer_isn_;
  const uint32_t other = s.from_ut ? peer_isn_ : ut_isn_;
  PacketSpec spec;
  spec.direction = s.from_ut ? PacketDirection::kOutbound : PacketDirection::kInbound;
  spec.flags = s.p.tcp.flags;
  const uint32_t start = static_cast<uint32_t>(Rel(s.p.tcp.seq, own));
  spec.seq = scenario::SeqRange{start, start + s.length, s.length};
  if (Has(s.p, wire::flags::kAck)) spec.ack = static_cast<uint32_t>(Rel(s.p.tcp.ack, other));
  spec.window = s.p.tcp.window;
  if (s.p.tcp.options.layout_size > 0) {
    wire::TcpOptions o = s.p.tcp.options;
    WritableLayout(s.p.tcp.options, &o);  // Step() comments on what it drops
    for (int b = 0; b < o.sack_count; ++b) {
      o.sack_blocks[b].left = wire::Seq(o.sack_blocks[b].left.raw() - other);
      o.sack_blocks[b].right = wire::Seq(o.sack_blocks[b].right.raw() - other);
    }
    if (o.layout_size > 0) spec.options = o;
  }
  return spec;
}

void Converter::MarkRetransmission(const Segment& s, int64_t* sent_end) {
  const int64_t start = Rel(s.p.tcp.seq, s.from_ut ? ut_isn_ : peer_isn_);
  const int64_t end = start + s.length + (Has(s.p, wire::flags::kSyn) ? 1 : 0) +
                      (Has(s.p, wire::flags::kFin) ? 1 : 0);
  if (end > start && start < *sent_end) {
    ++retransmissions_;
    // The first send may not be in the capture (lost before it): what
    // the capture does show is data below what was already sent.
    out_.Comment(absl::StrCat("retransmission: ", s.from_ut ? "the side under test" : "the peer",
                              " sends ", start, ":", end, ", below ", *sent_end,
                              ", which it had already sent"));
  }
  *sent_end = std::max(*sent_end, end);
}

// The calls before the first segment: the client connects (the call blocks
// until the SYN-ACK or a RST arrives); the server listens, when it answers
// at all.
void Converter::OpenCalls() {
  out_.Step(0, Call("socket", {Any(), Name("SOCK_STREAM"), Name("IPPROTO_TCP")}, 3));
  if (!ut_is_client_) {
    out_.Now(Call("bind", {Int(3), Any(), Any()}, 0));
    out_.Now(Call("listen", {Int(3), Int(1)}, 0));
    fd_ = 4;
    return;
  }
  app_open_ = true;
  for (const Segment& s : segs_) {
    if (s.from_ut) continue;
    if (Has(s.p, wire::flags::kSyn) && Has(s.p, wire::flags::kAck)) {
      out_.Step(0, Call("connect", {Int(3), Any(), Any()}, 0), s.t_ns);
      return;
    }
    if (Has(s.p, wire::flags::kRst)) {
      out_.Step(0,
                Call("connect", {Int(3), Any(), Any()}, -1, "ECONNREFUSED", "Connection refused"),
                s.t_ns);
      closed_ = write_closed_ = true;
      return;
    }
  }
  // Never answered in the capture: a blocking connect would still be
  // pending at the end of the script.
  out_.Comment("the capture shows no answer to the SYN");
  out_.Now(Call("fcntl", {Int(3), Name("F_SETFL"), Name("O_RDWR|O_NONBLOCK")}, 0));
  out_.Now(Call("connect", {Int(3), Any(), Any()}, -1, "EINPROGRESS", "Operation now in progress"));
  closed_ = write_closed_ = true;
}

// What the application did since the last step: accept a connection that
// completed, read what arrived in order, read EOF once the FIN is in.
void Converter::FlushApp() {
  if (accept_due_) {
    out_.Now(Call("accept", {Int(3), Any(), Any()}, 4));
    accept_due_ = false;
    app_open_ = true;
  }
  if (!app_open_ || closed_) return;
  // Data starts at relative sequence number 1; the FIN takes one number.
  const bool fin_in = peer_fin_ && delivered_.next() > *peer_fin_;
  const int64_t data = (fin_in ? *peer_fin_ : delivered_.next()) - 1;
  if (data > read_) {
    out_.Now(Call("read", {Int(fd_), Any(), Int(data - read_)}, data - read_));
    read_ = data;
  }
  if (fin_in && !eof_read_) {
    out_.Now(Call("read", {Int(fd_), Any(), Int(1000)}, 0));
    eof_read_ = true;
  }
}

// A write ends where Linux pushed (PSH marks the end of each write), or at
// the FIN; at most the 64 MiB a script's write may ask for (the next
// segment past it starts another).
int64_t Converter::WriteSize(size_t from) const {
  int64_t end = 1 + written_;
  for (size_t j = from; j < segs_.size(); ++j) {
    const Segment& s = segs_[j];
    if (!s.from_ut) continue;
    if (s.length > 0) end = std::max(end, DataStart(s) + s.length);
    if (Has(s.p, wire::flags::kPsh) || Has(s.p, wire::flags::kFin)) break;
  }
  return std::min<int64_t>(end - 1 - written_, int64_t{64} << 20);
}

bool Converter::PeerDataAfter(size_t from) const {
  for (size_t j = from; j < segs_.size(); ++j) {
    if (!segs_[j].from_ut && segs_[j].length > 0) return true;
  }
  return false;
}

void Converter::Run() {
  // Each side's ISN: its SYN's, else its first sequence number (a RST that
  // refuses a connection); the runner takes 0 for a stack that sent no SYN.
  std::optional<uint8_t> ut_ws, peer_ws;
  const Segment* peer_first = nullptr;
  const Segment* peer_syn = nullptr;
  for (const Segment& s : segs_) {
    const bool syn = Has(s.p, wire::flags::kSyn);
    if (s.from_ut && syn && !ut_syn_) ut_syn_ = &s;
    if (!s.from_ut && !peer_first) peer_first = &s;
    if (!s.from_ut && syn && !peer_syn) peer_syn = &s;
  }
  if (ut_syn_) {
    ut_isn_ = ut_syn_->p.tcp.seq.raw();
    ut_ws = ut_syn_->p.tcp.options.window_scale;
  }
  if (peer_syn) {
    peer_isn_ = peer_syn->p.tcp.seq.raw();
    peer_ws = peer_syn->p.tcp.options.window_scale;
  } else if (peer_first) {
    peer_isn_ = peer_first->p.tcp.seq.raw();
  }
  const bool scaled = ut_ws && peer_ws;
  for (const Segment& s : segs_) {
    if (!s.from_ut) continue;
    const bool syn = Has(s.p, wire::flags::kSyn);
    max_ut_window_ = std::max<uint64_t>(
        max_ut_window_, uint64_t{s.p.tcp.window} << (scaled && !syn ? std::min<int>(*ut_ws, 14) : 0));
    ut_bytes_ += s.length;
  }

  // A server that never answered with a SYN-ACK was not listening.
  const bool ut_answers = ut_is_client_ || (ut_syn_ && Has(ut_syn_->p, wire::flags::kAck));
  if (ut_answers) OpenCalls();

  int64_t ut_sent_end = 0, peer_sent_end = 0;
  for (size_t i = 0; i < segs_.size(); ++i) {
    const Segment& s = segs_[i];
    if (s.p.tcp.flags == 0) {
      // The notation has no word for "no flags" (packetdrill neither).
      out_.Comment(absl::StrCat("left out: the capture's segment ",
                                s.from_ut ? "from the side under test" : "from the peer",
                                " with no flags at all (seq ", Rel(s.p.tcp.seq, s.from_ut ? ut_isn_ : peer_isn_),
                                ", ", s.length, " bytes)"));
      continue;
    }
    if (!s.from_ut) {
      FlushApp();
      MarkRetransmission(s, &peer_sent_end);
      NoteUnknownOptions(s);
      out_.Step(s.t_ns, Spec(s));
      const int64_t start = Rel(s.p.tcp.seq, peer_isn_) + (Has(s.p, wire::flags::kSyn) ? 1 : 0);
      if (s.length > 0) delivered_.Add(start, start + s.length);
      if (Has(s.p, wire::flags::kFin)) {
        peer_fin_ = start + s.length;
        delivered_.Add(*peer_fin_, *peer_fin_ + 1);
      }
      if (!ut_is_client_ && ut_answers && !app_open_ && !accept_due_ &&
          Has(s.p, wire::flags::kAck) && !Has(s.p, wire::flags::kSyn) &&
          !Has(s.p, wire::flags::kRst) && Rel(s.p.tcp.ack, ut_isn_) >= 1) {
        accept_due_ = true;
      }
      continue;
    }
    bool called = false;
    auto call_at_segment = [&](Syscall c) {
      if (!called) FlushApp();
      out_.Step(s.t_ns, std::move(c));
      called = true;
    };
    if (app_open_ && !write_closed_ && s.length > 0 &&
        DataStart(s) + s.length > 1 + written_) {
      const int64_t n = WriteSize(i);
      call_at_segment(Call("write", {Int(fd_), Any(), Int(n)}, n));
      written_ += n;
    }
    if (app_open_ && !write_closed_ && Has(s.p, wire::flags::kFin)) {
      if (!called) FlushApp();
      // Data from the peer after this FIN is read (a half close), not
      // answered with a RST as after close().
      if (PeerDataAfter(i + 1)) {
        call_at_segment(Call("shutdown", {Int(fd_), Name("SHUT_WR")}, 0));
      } else {
        call_at_segment(Call("close", {Int(fd_)}, 0));
        closed_ = true;
      }
      write_closed_ = true;
    }
    MarkRetransmission(s, &ut_sent_end);
    NoteUnknownOptions(s);
    out_.Step(s.t_ns, Spec(s));
  }
  FlushApp();
}

}  // namespace

absl::StatusOr<FromPcapResult> ConvertCapture(const std::vector<uint8_t>& capture,
                                              const std::string& source,
                                              const FromPcapOptions& options) {
  const std::string name = source.substr(source.rfind('/') + 1);
  auto fail = [&source](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StartsWith(why, source) ? std::string(why) : absl::StrCat(source, ": ", why));
  };
  absl::StatusOr<plot::PlotInput> in = plot::PcapBytesToInput(capture, source);
  if (!in.ok()) return fail(in.status().message());
  const std::vector<std::string> all = plot::ListConnections(*in);
  if (all.empty()) {
    return fail(absl::StrCat("no TCP segment in the capture (", in->sent.size(),
                             " IPv4 packets, ", in->skipped_records, " other records)"));
  }
  if (all.size() > 1 && options.conn.empty()) {
    return fail(absl::StrCat(all.size(), " TCP connections; choose one with --conn: ",
                             absl::StrJoin(all, ", ")));
  }
  absl::StatusOr<plot::Connection> conn = plot::SelectConnection(*in, options.conn);
  if (!conn.ok()) return fail(conn.status().message());
  const Endpoint a = conn->sender, b = conn->receiver;

  std::vector<Segment> segs;
  std::optional<int64_t> origin;
  for (const plot::TimedPacket& t : in->sent) {
    Segment s;
    wire::ParseOptions po;
    po.verify_checksums = false;
    if (wire::ParsePacket(t.bytes, &s.p, po) != wire::ParseError::kOk) continue;
    const Endpoint src{s.p.ip.src, s.p.tcp.src_port}, dst{s.p.ip.dst, s.p.tcp.dst_port};
    if (!((src == a && dst == b) || (src == b && dst == a))) continue;
    if (!origin) origin = t.t_ns;
    // A capture's clock may step back (several capture queues): a script's
    // time does not, so such a segment comes at the same time as the one
    // before.
    s.t_ns = std::max(t.t_ns - *origin, segs.empty() ? 0 : segs.back().t_ns);
    s.from_ut = src == a;  // for now: "from a"
    s.length = static_cast<uint32_t>(s.p.payload.size()) + t.cut;
    segs.push_back(s);
  }
  const std::string both = absl::StrCat(EndpointString(a), "-", EndpointString(b));

  std::optional<Endpoint> client;
  for (const Segment& s : segs) {
    if (Has(s.p, wire::flags::kSyn) && !Has(s.p, wire::flags::kAck)) {
      client = s.from_ut ? a : b;
      break;
    }
  }
  if (!client) {
    return fail(absl::StrCat("connection ", both,
                             " has no SYN: the capture starts after the handshake, and a "
                             "script needs the connection from its first SYN"));
  }
  const Endpoint server = *client == a ? b : a;
  Endpoint ut = *client;
  if (options.under_test == "server") {
    ut = server;
  } else if (!options.under_test.empty() && options.under_test != "client") {
    std::optional<Endpoint> e = ParseEndpoint(options.under_test);
    if (!e || !(*e == a || *e == b)) {
      return fail(absl::StrCat("--under-test ", options.under_test, ": not a side of ", both,
                               " (expected client, server, ", EndpointString(*client), " or ",
                               EndpointString(server), ")"));
    }
    ut = *e;
  }
  const Endpoint peer = ut == a ? b : a;
  if (ut.port == 0 || peer.port == 0) {
    return fail(absl::StrCat("connection ", both, ": port 0 cannot be scripted"));
  }
  for (Segment& s : segs) s.from_ut = (s.from_ut == (ut == a));

  Converter c(std::move(segs), ut == *client);
  c.Run();

  FromPcapResult r;
  r.connection = absl::StrCat(EndpointString(ut), "-", EndpointString(peer));
  r.retransmissions = c.retransmissions();
  ScriptText h;
  h.Comment(absl::StrCat("Converted by `tcplab from-pcap` from ", name, ": the connection ",
                         r.connection, "."));
  h.Comment(absl::StrCat("The side under test, the stack `tcplab run` replays this against, is ",
                         EndpointString(ut), ","));
  h.Comment(absl::StrCat("the ", ut == *client ? "client" : "server",
                         " (the client sent the first SYN): its segments are `>` lines, the"));
  h.Comment("other side's `<` lines. Calls are inferred from what it sent and received.");
  h.Comment("Stack keys: what its SYN (or SYN-ACK) offered, and Linux's defaults that a");
  h.Comment("capture cannot show.");
  h.Line(absl::StrCat("--local_ip=", ut.address.ToString()));
  h.Line(absl::StrCat("--local_port=", ut.port));
  h.Line(absl::StrCat("--remote_ip=", peer.address.ToString()));
  h.Line(absl::StrCat("--remote_port=", peer.port));
  h.Line(absl::StrCat("--remote_isn=", c.peer_isn()));
  h.Line("--tolerance_usecs=4000");
  if (const Segment* syn = c.ut_syn()) {
    const wire::TcpOptions& o = syn->p.tcp.options;
    if (o.mss && *o.mss > 0) h.Line(absl::StrCat("--mss=", *o.mss));
    h.Line(absl::StrCat("--sack=", o.sack_permitted ? "on" : "off"));
    h.Line(absl::StrCat("--timestamps=", o.timestamps ? "on" : "off"));
    if (o.window_scale) {
      h.Line(absl::StrCat("--window_scale=", std::min<int>(*o.window_scale, 14)));
    }
  }
  h.Line("--congestion=cubic");
  h.Line("--delayed_ack=on");
  constexpr uint64_t kKiB = 1024;
  auto kib = [](uint64_t n) { return (n + kKiB - 1) / kKiB * kKiB; };
  h.Line(absl::StrCat("--recv_buffer=",
                      scenario::SizeToString(std::max<uint64_t>(64 * kKiB, kib(c.max_ut_window())))));
  h.Line(absl::StrCat("--send_buffer=",
                      scenario::SizeToString(std::max<uint64_t>(128 * kKiB, kib(c.ut_bytes() + 1)))));
  h.Line("");
  r.script = h.text() + c.body();
  r.segments = c.segments();
  return r;
}

}  // namespace tcplab::from_pcap
