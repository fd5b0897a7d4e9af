#include "netsim/trace.h"

#include "absl/strings/str_cat.h"
#include "netsim/link.h"
#include "netsim/node.h"
#include "tcp/wire/packet.h"
#include "tcp/wire/render.h"

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

std::string FormatPacketEventWithSegment(const PacketEvent& e) {
  std::string out = FormatPacketEvent(e);
  wire::Packet packet;
  const wire::ParseError error = wire::ParsePacket(e.bytes, &packet);
  if (error == wire::ParseError::kOk) {
    absl::StrAppend(&out, " ", wire::RenderPacket(packet));
  } else {
    absl::StrAppend(&out, " [unparsed: ", wire::ParseErrorName(error), "]");
  }
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

namespace {

void AppendDrops(const std::array<uint64_t, kDropReasonCount>& dropped, uint64_t total,
                 std::string* out) {
  absl::StrAppend(out, " dropped ", total);
  if (total == 0) return;
  absl::StrAppend(out, " [");
  bool first = true;
  for (int i = 0; i < kDropReasonCount; ++i) {
    if (dropped[i] == 0) continue;
    absl::StrAppend(out, first ? "" : " ", DropReasonName(static_cast<DropReason>(i)), " ",
                    dropped[i]);
    first = false;
  }
  absl::StrAppend(out, "]");
}

}  // namespace

std::string LinkCounters::ToString() const {
  std::string out = absl::StrCat("entered ", entered, " (", entered_bytes, "B)");
  if (queued > 0) absl::StrAppend(&out, " queued ", queued);
  if (duplicated > 0) absl::StrAppend(&out, " duplicated ", duplicated);
  if (corrupted > 0) absl::StrAppend(&out, " corrupted ", corrupted);
  if (reordered > 0) absl::StrAppend(&out, " reordered ", reordered);
  absl::StrAppend(&out, " delivered ", delivered, " (", delivered_bytes, "B)");
  AppendDrops(dropped, dropped_total(), &out);
  return out;
}

std::string NodeCounters::ToString() const {
  std::string out = absl::StrCat("sent ", sent, " (", sent_bytes, "B) received ", received,
                                 " (", received_bytes, "B)");
  AppendDrops(dropped, dropped_total(), &out);
  return out;
}

}  // namespace tcplab::netsim
