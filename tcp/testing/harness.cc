#include "tcp/testing/harness.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace tcplab::tcp::testing {

Seg ParseSeg(absl::Span<const uint8_t> bytes) {
  Seg s;
  s.raw.assign(bytes.begin(), bytes.end());
  wire::ParseError e = wire::ParsePacket(s.raw, &s.pkt);
  EXPECT_EQ(e, wire::ParseError::kOk) << wire::ParseErrorName(e);
  s.payload.assign(s.pkt.payload.begin(), s.pkt.payload.end());
  s.pkt.payload = {};
  return s;
}

std::vector<Seg> CaptureSink::Take() {
  std::vector<Seg> out;
  for (const Bytes& b : packets) out.push_back(ParseSeg(b));
  packets.clear();
  return out;
}

Bytes BuildSegment(const SegSpec& s) {
  wire::Packet p;
  p.ip.src = s.src;
  p.ip.dst = s.dst;
  p.tcp.src_port = s.sport;
  p.tcp.dst_port = s.dport;
  p.tcp.seq = wire::Seq(s.seq);
  p.tcp.ack = wire::Seq(s.ack);
  p.tcp.flags = s.flags;
  p.tcp.window = s.window;
  p.tcp.options.mss = s.mss;
  p.payload = s.payload;
  Bytes out(wire::SerializedSize(p));
  size_t n = wire::SerializePacket(p, absl::MakeSpan(out));
  EXPECT_EQ(n, out.size());
  return out;
}

StackConfig TestConfig(wire::Ipv4Address addr) {
  StackConfig c = BareConfig();
  c.local_address = addr;
  return c;
}

SegmentTester::SegmentTester(StackConfig config) : stack_(config, &sink_) {}

Seg SegmentTester::TakeOne() {
  std::vector<Seg> segs = Take();
  EXPECT_EQ(segs.size(), 1u);
  if (segs.empty()) return Seg{};
  return segs[0];
}

std::vector<Event> SegmentTester::Events() {
  std::vector<Event> out;
  while (auto e = stack_.PollEvent()) out.push_back(*e);
  return out;
}

TinyNet::TinyNet(absl::Duration delay, StackConfig a, StackConfig b)
    : delay_(delay), a_(a, &sink_a_), b_(b, &sink_b_) {}

void TinyNet::OnTransmit(bool from_a, absl::Span<const uint8_t> p) {
  Sent s{static_cast<int>(log_.size()), from_a, now_, ParseSeg(p)};
  absl::Duration extra = absl::ZeroDuration();
  Verdict v = filter_ ? filter_(s, &extra) : Verdict::kDeliver;
  log_.push_back(s);
  if (v == Verdict::kDrop) return;
  int copies = v == Verdict::kDuplicate ? 2 : 1;
  for (int i = 0; i < copies; ++i) {
    Instant at = now_ + delay_ + extra;
    uint64_t order = order_++;
    queue_.emplace(std::make_pair(at.nanos(), order),
                   InFlight{at, order, !from_a, Bytes(p.begin(), p.end())});
  }
}

Instant TinyNet::RunUntil(Instant until) {
  for (;;) {
    Instant next = Earliest(a_.NextDeadline(), b_.NextDeadline());
    if (!queue_.empty()) next = Earliest(next, queue_.begin()->second.at);
    if (next.is_infinite() || next > until) break;
    now_ = std::max(now_, next);
    if (!queue_.empty() && queue_.begin()->second.at <= now_) {
      InFlight f = std::move(queue_.begin()->second);
      queue_.erase(queue_.begin());
      (f.to_a ? a_ : b_).Input(now_, f.bytes);
      continue;
    }
    if (a_.NextDeadline() <= now_) a_.Advance(now_);
    if (b_.NextDeadline() <= now_) b_.Advance(now_);
  }
  if (!until.is_infinite()) now_ = std::max(now_, until);
  return now_;
}

bool TinyNet::RunUntilTrue(const std::function<bool()>& done, Instant limit) {
  for (;;) {
    if (done()) return true;
    Instant next = Earliest(a_.NextDeadline(), b_.NextDeadline());
    if (!queue_.empty()) next = Earliest(next, queue_.begin()->second.at);
    if (next.is_infinite() || next > limit) return done();
    RunUntil(next);
  }
}

std::string TinyNet::LogString() const {
  std::string out;
  for (const Sent& s : log_) {
    absl::StrAppend(&out, s.time.ToString(), " ", s.from_a ? "A>B " : "B>A ",
                    s.seg.ToString(), "\n");
  }
  return out;
}

std::pair<SocketId, SocketId> TinyNet::Connect(uint16_t port) {
  absl::StatusOr<SocketId> l = b_.Listen(now_, port, 16);
  EXPECT_TRUE(l.ok()) << l.status();
  absl::StatusOr<SocketId> c = a_.Connect(now_, AddrB(), port);
  EXPECT_TRUE(c.ok()) << c.status();
  RunFor(absl::Seconds(1));
  absl::StatusOr<SocketId> s = b_.Accept(now_, *l);
  EXPECT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(a_.State(*c), ConnectionState::kEstablished);
  EXPECT_EQ(b_.State(*s), ConnectionState::kEstablished);
  return {*c, s.ok() ? *s : kInvalidSocket};
}

}  // namespace tcplab::tcp::testing
