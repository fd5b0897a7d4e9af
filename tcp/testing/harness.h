#ifndef TCPLAB_TCP_TESTING_HARNESS_H_
#define TCPLAB_TCP_TESTING_HARNESS_H_

// Test harnesses for the engine:
//  * CaptureSink: records every packet a stack sends.
//  * SegmentTester: one Stack; a test injects hand-made segments and checks
//    the exact replies.
//  * TinyNet: two Stacks joined by an in-memory wire with a fixed one-way
//    delay; a test can drop, duplicate or delay chosen packets. (The real
//    simulator replaces it later.)

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "tcp/base/instant.h"
#include "tcp/stack.h"
#include "tcp/wire/packet.h"
#include "tcp/wire/render.h"

namespace tcplab::tcp::testing {

using Bytes = std::vector<uint8_t>;

inline Instant At(absl::Duration d) { return Instant::Zero() + d; }
inline Instant Ms(int64_t ms) { return At(absl::Milliseconds(ms)); }

// A parsed copy of a packet (owns its payload).
struct Seg {
  wire::Packet pkt;
  Bytes payload;
  Bytes raw;
  uint8_t flags() const { return pkt.tcp.flags; }
  uint32_t seq() const { return pkt.tcp.seq.raw(); }
  uint32_t ack() const { return pkt.tcp.ack.raw(); }
  uint16_t window() const { return pkt.tcp.window; }
  std::string ToString() const {
    wire::Packet p = pkt;
    p.payload = payload;
    return wire::RenderPacket(p);
  }
};

Seg ParseSeg(absl::Span<const uint8_t> bytes);

class CaptureSink : public PacketSink {
 public:
  void Transmit(absl::Span<const uint8_t> ip_packet) override {
    packets.emplace_back(ip_packet.begin(), ip_packet.end());
  }
  // Removes and returns everything captured, parsed.
  std::vector<Seg> Take();
  std::deque<Bytes> packets;
};

// Builds a segment from `from` to the stack under test.
struct SegSpec {
  wire::Ipv4Address src{10, 0, 0, 2};
  wire::Ipv4Address dst{10, 0, 0, 1};
  uint16_t sport = 5000;
  uint16_t dport = 80;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = 0;
  uint16_t window = 65535;
  std::optional<uint16_t> mss;
  Bytes payload;
};
Bytes BuildSegment(const SegSpec& s);

StackConfig TestConfig(wire::Ipv4Address addr);

class SegmentTester {
 public:
  explicit SegmentTester(StackConfig config = TestConfig(wire::Ipv4Address(10, 0, 0, 1)));
  Stack& stack() { return stack_; }
  CaptureSink& sink() { return sink_; }
  void Inject(Instant now, const SegSpec& s) { stack_.Input(now, BuildSegment(s)); }
  std::vector<Seg> Take() { return sink_.Take(); }
  // Exactly one packet went out; returns it (fails the test otherwise).
  Seg TakeOne();
  std::vector<Event> Events();

 private:
  CaptureSink sink_;
  Stack stack_;
};

// Two hosts A (10.0.0.1) and B (10.0.0.2) on a wire with a fixed delay.
class TinyNet {
 public:
  enum class Verdict { kDeliver, kDrop, kDuplicate };
  struct Sent {
    int index;      // 0-based count of packets sent on the wire so far
    bool from_a;
    Instant time;
    Seg seg;
  };
  // Decides each packet's fate; may set *extra_delay to reorder it.
  using Filter = std::function<Verdict(const Sent&, absl::Duration* extra_delay)>;

  explicit TinyNet(absl::Duration delay = absl::Milliseconds(10),
                   StackConfig a = TestConfig(wire::Ipv4Address(10, 0, 0, 1)),
                   StackConfig b = TestConfig(wire::Ipv4Address(10, 0, 0, 2)));

  Stack& a() { return a_; }
  Stack& b() { return b_; }
  static wire::Ipv4Address AddrA() { return wire::Ipv4Address(10, 0, 0, 1); }
  static wire::Ipv4Address AddrB() { return wire::Ipv4Address(10, 0, 0, 2); }
  Instant now() const { return now_; }
  void set_filter(Filter f) { filter_ = std::move(f); }

  // Runs the network until `until` (inclusive), or until nothing is left
  // to happen when `until` is Infinite. Returns the time reached.
  Instant RunUntil(Instant until);
  Instant RunFor(absl::Duration d) { return RunUntil(now_ + d); }
  // Runs until `done()` or until `limit`; returns whether done() held.
  bool RunUntilTrue(const std::function<bool()>& done, Instant limit);

  // Every packet put on the wire, in order (with its fate not recorded).
  const std::vector<Sent>& log() const { return log_; }
  std::string LogString() const;

  // Establishes a connection A -> B:port; returns {a_id, b_id}.
  std::pair<SocketId, SocketId> Connect(uint16_t port = 80);

 private:
  class Sink : public PacketSink {
   public:
    Sink(TinyNet* net, bool from_a) : net_(net), from_a_(from_a) {}
    void Transmit(absl::Span<const uint8_t> p) override { net_->OnTransmit(from_a_, p); }
   private:
    TinyNet* net_;
    bool from_a_;
  };
  struct InFlight {
    Instant at;
    uint64_t order;
    bool to_a;
    Bytes bytes;
  };
  void OnTransmit(bool from_a, absl::Span<const uint8_t> p);

  absl::Duration delay_;
  Sink sink_a_{this, true};
  Sink sink_b_{this, false};
  Stack a_;
  Stack b_;
  Instant now_ = Instant::Zero();
  Filter filter_;
  std::vector<Sent> log_;
  std::multimap<std::pair<int64_t, uint64_t>, InFlight> queue_;
  uint64_t order_ = 0;
};

}  // namespace tcplab::tcp::testing

#endif  // TCPLAB_TCP_TESTING_HARNESS_H_
