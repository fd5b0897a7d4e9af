#ifndef TCPLAB_TCP_TESTING_LOOPBACK_H_
#define TCPLAB_TCP_TESTING_LOOPBACK_H_

// Two stacks wired back to back with no delay and preallocated packet
// slots, so that a steady-state transfer allocates nothing outside the
// stacks: used by the allocation test and the benchmark.

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "tcp/base/instant.h"
#include "tcp/stack.h"

namespace tcplab::tcp::testing {

class SlotQueue : public PacketSink {
 public:
  explicit SlotQueue(size_t slots = 256) : slots_(slots) {
    for (auto& s : slots_) s.reserve(2048);
  }
  void Transmit(absl::Span<const uint8_t> p) override {
    if (count_ == slots_.size()) return;  // overflow: dropped
    slots_[count_++].assign(p.begin(), p.end());
  }
  // Hands every queued packet to `to`.
  void DeliverTo(Stack& to, Instant now) {
    for (size_t i = 0; i < count_; ++i) to.Input(now, slots_[i]);
    count_ = 0;
  }
  size_t count() const { return count_; }
  void Clear() { count_ = 0; }

 private:
  std::vector<std::vector<uint8_t>> slots_;
  size_t count_ = 0;
};

class Loopback {
 public:
  static StackConfig Config(wire::Ipv4Address a) {
    StackConfig c;
    c.local_address = a;
    return c;
  }
  Loopback()
      : a_(Config(wire::Ipv4Address(10, 0, 0, 1)), &qa_),
        b_(Config(wire::Ipv4Address(10, 0, 0, 2)), &qb_) {
    listener_ = *b_.Listen(now_, 80, 4);
    ca_ = *a_.Connect(now_, wire::Ipv4Address(10, 0, 0, 2), 80);
    Pump();
    cb_ = *b_.Accept(now_, listener_);
    Drain();
  }
  // Delivers packets both ways, and runs timers due now (an ACK owed at
  // the end of this instant), until both sides are quiet.
  void Pump() {
    for (;;) {
      if (a_.NextDeadline() <= now_) a_.Advance(now_);
      if (b_.NextDeadline() <= now_) b_.Advance(now_);
      if (qa_.count() == 0 && qb_.count() == 0) return;
      qa_.DeliverTo(b_, now_);
      qb_.DeliverTo(a_, now_);
    }
  }
  void Drain() {
    while (a_.PollEvent()) {}
    while (b_.PollEvent()) {}
  }
  // One step of an A->B transfer: send `chunk`, deliver, read everything
  // at B into `sink`, deliver the ACKs. Returns bytes read at B.
  size_t Step(absl::Span<const uint8_t> chunk, absl::Span<uint8_t> sink) {
    now_ += absl::Microseconds(1);
    (void)a_.Send(now_, ca_, chunk);
    qa_.DeliverTo(b_, now_);
    const size_t got = ReadAtB(sink);
    Pump();
    Drain();
    return got;
  }

  // Lets the timers run (delayed ACKs, a segment Nagle held) until both
  // sides are quiet; returns bytes read at B meanwhile.
  size_t Settle(absl::Span<uint8_t> sink) {
    size_t got = 0;
    for (int i = 0; i < 20; ++i) {
      now_ += absl::Milliseconds(50);
      a_.Advance(now_);
      b_.Advance(now_);
      Pump();
      got += ReadAtB(sink);
      Pump();
      Drain();
    }
    return got;
  }

  Stack& a() { return a_; }
  Stack& b() { return b_; }
  SocketId ca() const { return ca_; }
  SocketId cb() const { return cb_; }
  Instant now() const { return now_; }

 private:
  // Reads everything B has into `sink` (overwriting); returns the count.
  size_t ReadAtB(absl::Span<uint8_t> sink) {
    size_t got = 0;
    for (;;) {
      auto n = b_.Receive(now_, cb_, sink);
      if (!n.ok() || *n == 0) break;
      got += *n;
    }
    return got;
  }

  SlotQueue qa_, qb_;
  Instant now_ = Instant::Zero();
  Stack a_, b_;
  SocketId listener_ = 0, ca_ = 0, cb_ = 0;
};

}  // namespace tcplab::tcp::testing

#endif  // TCPLAB_TCP_TESTING_LOOPBACK_H_
