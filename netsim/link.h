#ifndef TCPLAB_NETSIM_LINK_H_
#define TCPLAB_NETSIM_LINK_H_

// A duplex link between two node ports: two independent directions, each
// with its own impairments, random stream, queue and counters.
//
// A packet entering a direction meets, in this order:
//   1. down (direction or link down): dropped, kLinkDown
//   2. MTU: longer than params.mtu: dropped, kMtu
//   3. loss: random (with netem correlation) or Gilbert-Elliott: kLoss
//   4. duplicate: a copy (new packet id) is made; each copy then goes
//      through 5-8 on its own (the copy is never duplicated again)
//   5. corrupt: one random bit flipped
//   6. queue: with a rate, the packet waits for the packets ahead of it;
//      if params.limit_packets are already waiting (or limit_bytes would be
//      exceeded) it is dropped, kQueueFull. Its serialization ends
//      ceil(bytes * 8e9 / rate_bps) ns after it starts.
//   7. reorder (netem): if chosen, it skips 8 and arrives when serialized
//   8. delay: arrives delay + jitter sample after its serialization ends
// The random numbers each stage draws come from the direction's own stream
// and are drawn only when the stage is enabled, in the order above.
//
// Taking a direction down drops, at that instant, every packet queued or in
// flight on it (in the order they entered), so an outage loses exactly what
// a cable pull would. Parameter changes apply to packets that enter from
// then on; packets already accepted keep the timing they were given.

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "netsim/link_params.h"
#include "netsim/packet_pool.h"
#include "netsim/random.h"
#include "netsim/simulator.h"
#include "netsim/trace.h"

namespace tcplab::netsim {

class Link;
class Network;
class Node;

class LinkDirection final : public EventHandler {
 public:
  LinkDirection(Network* network, std::string name, Node* from, Node* to,
                int to_port, const LinkParams& params, Rng rng);
  // Cancels the deliveries and timed changes still pending (without
  // reporting them), so a Network may be destroyed before its Simulator.
  ~LinkDirection();
  LinkDirection(const LinkDirection&) = delete;
  LinkDirection& operator=(const LinkDirection&) = delete;

  // "<link>:<from>><to>", e.g. "ab:a>b"; also names its random stream.
  const std::string& name() const { return name_; }
  Node* from() const { return from_; }
  Node* to() const { return to_; }

  const LinkParams& params() const { return params_; }
  // Replaces the parameters from Now() on (InvalidArgument leaves them
  // unchanged). Random streams and loss-chain state carry over.
  absl::Status SetParams(const LinkParams& params);
  // SetParams at a virtual time (must be valid; checked now).
  absl::Status SetParamsAt(Instant at, const LinkParams& params);

  bool up() const { return up_; }
  // Down drops everything queued or in flight now; up lets packets in again.
  void SetUp(bool up);
  void SetUpAt(Instant at, bool up);

  const LinkCounters& counters() const { return counters_; }
  // Packets accepted and not yet delivered (queued, serializing or
  // propagating).
  size_t in_flight() const { return in_flight_count_; }

  // A packet enters the direction at Now(); the link owns the handle.
  void Transmit(PacketHandle h);

 private:
  void OnEvent(Instant now, uint64_t tag) override;  // a delivery
  void Admit(PacketHandle h);  // stages 5-8 for one copy
  bool Chance(double probability, double correlation, double& last);
  bool GilbertElliottLoss();
  int64_t JitteredDelayNanos();
  void Drop(PacketHandle h, DropReason reason);
  void Report(PacketEventType type, PacketHandle h, DropReason reason = DropReason::kNone,
              uint64_t original_id = 0);
  void AddInFlight(PacketHandle h);
  void RemoveInFlight(PacketHandle h);

  Network* network_;
  std::string name_;
  Node* from_;
  Node* to_;
  int to_port_;
  LinkParams params_;
  // params_.delay and params_.jitter in nanoseconds (kept with params_).
  int64_t delay_ns_ = 0;
  int64_t jitter_ns_ = 0;
  Rng rng_;
  bool up_ = true;

  // Start times and sizes of the packets waiting for the transmitter, in
  // order; entries whose start has passed are dropped lazily.
  struct Waiting {
    int64_t start_ns;
    int64_t bytes;
  };
  std::deque<Waiting> waiting_;
  int64_t waiting_bytes_ = 0;
  int64_t busy_until_ns_ = 0;

  // Impairment state.
  double loss_last_ = 0, duplicate_last_ = 0, reorder_last_ = 0, corrupt_last_ = 0;
  double jitter_last_ = 0;
  bool ge_bad_ = false;
  int reorder_counter_ = 0;

  // Pending SetParamsAt / SetUpAt events.
  void RememberTimedChange(EventId id);
  std::vector<EventId> timed_changes_;

  uint32_t in_flight_head_ = PooledPacket::kNil;
  uint32_t in_flight_tail_ = PooledPacket::kNil;
  size_t in_flight_count_ = 0;

  // The lane: deliveries in order of arrival time (and of sequence number),
  // of which only the first has an event in the simulator; the next is
  // scheduled, under the sequence number taken when it was admitted, when
  // the first is delivered. A packet arriving before the lane's last (jitter,
  // reordering) gets its own event instead. Either way every delivery runs
  // exactly when its own event would have (Simulator::TakeSequence), but
  // the heap holds one entry per direction instead of one per packet.
  uint32_t lane_head_ = PooledPacket::kNil;
  uint32_t lane_tail_ = PooledPacket::kNil;

  LinkCounters counters_;
};

class Link {
 public:
  Link(Network* network, std::string name, Node* a, int a_port, Node* b,
       int b_port, const LinkParams& a_to_b, const LinkParams& b_to_a);

  const std::string& name() const { return name_; }
  LinkDirection& a_to_b() { return a_to_b_; }
  LinkDirection& b_to_a() { return b_to_a_; }
  const LinkDirection& a_to_b() const { return a_to_b_; }
  const LinkDirection& b_to_a() const { return b_to_a_; }

  // Both directions down / up (a one-way partition is one direction's
  // SetUp).
  void SetUp(bool up);
  void SetUpAt(Instant at, bool up);

 private:
  std::string name_;
  LinkDirection a_to_b_;
  LinkDirection b_to_a_;
};

}  // namespace tcplab::netsim

#endif  // TCPLAB_NETSIM_LINK_H_
