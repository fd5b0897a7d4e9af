#ifndef TCPLAB_NETSIM_TRACE_H_
#define TCPLAB_NETSIM_TRACE_H_

// What the network reports about packets: events (to observers and a trace
// hook) and counters (per link direction and per host).

#include <array>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "tcp/base/instant.h"

namespace tcplab::netsim {

class LinkDirection;
class Node;

enum class PacketEventType : uint8_t {
  kSent,        // a host handed the packet to the network (node event)
  kQueued,      // a link direction queued it behind a packet being serialized
  kDropped,     // see reason; link or node event
  kDuplicated,  // a link made a copy: packet_id is the copy, original_id the source
  kCorrupted,   // a link flipped a bit in it
  kReordered,   // a link sent it without delay (netem reorder)
  kDelivered,   // a link direction handed it to the node at its far end
  kReceived,    // a host accepted it and passed it to its client (node event)
  kForwarded,   // a router sent it on (node event; the link then reports too)
};
inline constexpr int kPacketEventTypeCount = 9;

enum class DropReason : uint8_t {
  kNone,
  kLoss,              // random or Gilbert-Elliott loss
  kQueueFull,         // drop-tail: the link's queue limit
  kMtu,               // longer than the link's MTU
  kLinkDown,          // link (direction) down when sent, or went down in flight
  kBadChecksum,       // receiver: IPv4 header or TCP/UDP checksum wrong
  kMalformed,         // receiver: not a well-formed IPv4 packet
  kWrongDestination,  // receiver: not addressed to this host
  kNoRoute,           // no port to send it out of
  kNoClient,          // host has no BackendClient attached
};
inline constexpr int kDropReasonCount = 10;

// Stable snake_case names used in traces and counters: "sent", "queue_full".
absl::string_view PacketEventTypeName(PacketEventType t);
absl::string_view DropReasonName(DropReason r);

struct PacketEvent {
  Instant time;
  PacketEventType type = PacketEventType::kSent;
  DropReason reason = DropReason::kNone;  // set for kDropped only
  uint64_t packet_id = 0;    // unique per packet (and per copy) in a Network
  uint64_t original_id = 0;  // kDuplicated: the packet that was copied
  const LinkDirection* link = nullptr;  // link events
  const Node* node = nullptr;           // node events
  absl::Span<const uint8_t> bytes;      // valid only during the callback
};

// One line, e.g.
//   "0.001200000 link ab:a>b dropped(loss) #17 60B"
//   "0.002000000 host b received #17 60B"
// Deterministic: fixed formats only, no addresses of objects.
std::string FormatPacketEvent(const PacketEvent& e);

// The same line followed by the segment in tcpdump notation (via
// wire::RenderPacket), e.g.
//   "... delivered #17 60B 10.0.0.1:40000 > 10.0.0.2:80 . 1:21(20) ack 1 win 65535"
// or, for bytes that do not parse as IPv4+TCP (corrupted, or another
// protocol), "[unparsed: <parse error name>]".
std::string FormatPacketEventWithSegment(const PacketEvent& e);

class PacketObserver {
 public:
  virtual ~PacketObserver() = default;
  virtual void OnPacketEvent(const PacketEvent& e) = 0;
};

struct LinkCounters {
  uint64_t entered = 0;  // packets handed to this direction (copies included)
  uint64_t entered_bytes = 0;
  uint64_t queued = 0;
  uint64_t duplicated = 0;
  uint64_t corrupted = 0;
  uint64_t reordered = 0;
  uint64_t delivered = 0;
  uint64_t delivered_bytes = 0;
  std::array<uint64_t, kDropReasonCount> dropped = {};

  uint64_t dropped_for(DropReason r) const { return dropped[static_cast<int>(r)]; }
  uint64_t dropped_total() const;
  // "entered 100 (150000B) queued 3 delivered 95 (142500B) dropped 5
  // [loss 5]"; only nonzero impairment counters and drop reasons appear.
  std::string ToString() const;
};

struct NodeCounters {
  uint64_t sent = 0;  // host: handed to the network; router: forwarded
  uint64_t sent_bytes = 0;
  uint64_t received = 0;  // host: passed to the client; router: arrived
  uint64_t received_bytes = 0;
  std::array<uint64_t, kDropReasonCount> dropped = {};

  uint64_t dropped_for(DropReason r) const { return dropped[static_cast<int>(r)]; }
  uint64_t dropped_total() const;
  // "sent 10 (4000B) received 9 (3600B) dropped 1 [bad_checksum 1]".
  std::string ToString() const;
};

}  // namespace tcplab::netsim

#endif  // TCPLAB_NETSIM_TRACE_H_
