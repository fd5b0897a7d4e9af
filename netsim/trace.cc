#include "netsim/trace.h"

#include "absl/strings/str_cat.h"
#include "netsim/link.h"
#include "netsim/node.h"

namespace tcplab::netsim {

absl::string_view PacketEventTypeName(PacketEventType t) {
  switch (t) {
    case PacketEventType::kSent: return "sent";
    case PacketEventType::kQueued: return "queued";
    case PacketEventType::kDropped: return "dropped";
    case PacketEventType::kDuplicated: return "duplicated";
    case PacketEventType::kCorrupted: return "corrupted";
    case PacketEventType::kReordered: return "reordered";
    case PacketEventType::kDelivered: return "delivered";
    case PacketEventType::kReceived: return "received";
    case PacketEventType::kForwarded: return "forwarded";
  }
  return "unknown";
}

absl::string_view DropReasonName(DropReason r) {
  switch (r) {
    case DropReason::kNone: return "none";
    case DropReason::kLoss: return "loss";
    case DropReason::kQueueFull: return "queue_full";
    case DropReason::kMtu: return "mtu";
    case DropReason::kLinkDown: return "link_down";
    case DropReason::kBadChecksum: return "bad_checksum";
    case DropReason::kMalformed: return "malformed";
    case DropReason::kWrongDestination: return "wrong_destination";
    case DropReason::kNoRoute: return "no_route";
    case DropReason::kNoClient: return "no_client";
  }
  return "unknown";
}

std::string FormatPacketEvent(const PacketEvent& e) {
  std::string out = e.time.ToString();
  if (e.link != nullptr) {
    absl::StrAppend(&out, " link ", e.link->name());
  } else if (e.node != nullptr) {
    absl::StrAppend(&out, " ", e.node->kind(), " ", e.node->name());
  }
  absl::StrAppend(&out, " ", PacketEventTypeName(e.type));
  if (e.type == PacketEventType::kDropped) {
    absl::StrAppend(&out, "(", DropReasonName(e.reason), ")");
  }
  absl::StrAppend(&out, " #", e.packet_id);
  if (e.type == PacketEventType::kDuplicated) absl::StrAppend(&out, " of #", e.original_id);
  absl::StrAppend(&out, " ", e.bytes.size(), "B");
  return out;
}

uint64_t LinkCounters::dropped_total() const {
  uint64_t total = 0;
  for (uint64_t d : dropped) total += d;
  return total;
}

uint64_t NodeCounters::dropped_total() const {
  uint64_t total = 0;
  for (uint64_t d : dropped) total += d;
  return total;
}

}  // namespace tcplab::netsim
