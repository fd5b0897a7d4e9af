#include "netsim/live/ethernet_interface.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tcp/wire/byte_order.h"

namespace tcplab::live {
namespace {

using wire::Ipv4Address;

constexpr size_t kIpv4MinHeader = 20;
// RFC 791: every host must accept 68-byte datagrams; a smaller MTU cannot
// carry a TCP/IP header with options.
constexpr size_t kMinMtu = 68;
constexpr Ipv4Address kLimitedBroadcast(0xffffffff);


uint32_t Netmask(int prefix_length) {
  return prefix_length == 0 ? 0 : ~uint32_t{0} << (32 - prefix_length);
}

bool IsMulticast(Ipv4Address ip) { return (ip.value() >> 28) == 0xe; }  // 224.0.0.0/4

// The fields of EthernetCounters in declaration order; the static_assert
// below catches a field added to the struct but not here.
#define TCPLAB_ETHERNET_COUNTERS(X) \
  X(frames_received)                \
  X(ip_delivered)                   \
  X(ip_padding_trimmed)             \
  X(arp_handled)                    \
  X(arp_requests_answered)          \
  X(arp_replies_received)           \
  X(arp_ignored)                    \
  X(address_conflicts)              \
  X(ignored_looped_back)            \
  X(ignored_not_our_mac)            \
  X(ignored_not_our_ip)             \
  X(ignored_other_ethertype)        \
  X(ignored_vlan_tagged)            \
  X(ignored_not_ethernet_ii)        \
  X(dropped_truncated_frame)        \
  X(dropped_malformed_ip)           \
  X(dropped_malformed_arp)          \
  X(frames_sent)                    \
  X(ip_sent_now)                    \
  X(ip_queued)                      \
  X(ip_sent_after_resolution)       \
  X(arp_requests_sent)              \
  X(arp_replies_sent)               \
  X(gratuitous_arps_sent)           \
  X(dropped_no_route)               \
  X(dropped_malformed_outgoing)     \
  X(dropped_too_big)                \
  X(dropped_queue_overflow)         \
  X(dropped_unresolved)             \
  X(dropped_table_full)             \
  X(resolutions_started)            \
  X(resolutions_failed)             \
  X(neighbors_expired)

#define TCPLAB_COUNT_ONE(name) +1
static_assert(sizeof(EthernetCounters) ==
                  sizeof(uint64_t) * (0 TCPLAB_ETHERNET_COUNTERS(TCPLAB_COUNT_ONE)),
              "EthernetCounters and TCPLAB_ETHERNET_COUNTERS disagree");
#undef TCPLAB_COUNT_ONE

}  // namespace

std::vector<std::pair<absl::string_view, uint64_t>> CounterList(const EthernetCounters& c) {
  std::vector<std::pair<absl::string_view, uint64_t>> out;
#define TCPLAB_LIST_ONE(name) out.emplace_back(#name, c.name);
  TCPLAB_ETHERNET_COUNTERS(TCPLAB_LIST_ONE)
#undef TCPLAB_LIST_ONE
  return out;
}

std::string FormatCounters(const EthernetCounters& c) {
  std::vector<std::string> parts;
  for (const auto& [name, value] : CounterList(c)) {
    if (value != 0) parts.push_back(absl::StrCat(name, "=", value));
  }
  return absl::StrJoin(parts, " ");
}

absl::Status EthernetInterface::ValidateConfig(const EthernetInterfaceConfig& c) {
  if (!c.mac.is_unicast()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "interface MAC ", c.mac.ToString(), " is not a unicast address (it is ",
        c.mac.is_zero() ? "all zeros" : "a group address", ")"));
  }
  if (c.prefix_length < 0 || c.prefix_length > 32) {
    return absl::InvalidArgumentError(
        absl::StrFormat("prefix length %d is outside 0..32", c.prefix_length));
  }
  if (c.address == Ipv4Address() || c.address == kLimitedBroadcast || IsMulticast(c.address)) {
    return absl::InvalidArgumentError(
        absl::StrCat("interface address ", c.address.ToString(), " is not a unicast address"));
  }
  const uint32_t mask = Netmask(c.prefix_length);
  if (c.prefix_length <= 30) {
    const uint32_t host = c.address.value() & ~mask;
    if (host == 0 || host == ~mask) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "interface address %s is the %s address of %s/%d", c.address.ToString(),
          host == 0 ? "network" : "broadcast",
          Ipv4Address(c.address.value() & mask).ToString(), c.prefix_length));
    }
  }
  if (c.gateway.has_value()) {
    const Ipv4Address g = *c.gateway;
    if (g == c.address) {
      return absl::InvalidArgumentError(
          absl::StrCat("gateway ", g.ToString(), " is the interface's own address"));
    }
    if ((g.value() & mask) != (c.address.value() & mask)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "gateway %s is not on the link %s/%d", g.ToString(),
          Ipv4Address(c.address.value() & mask).ToString(), c.prefix_length));
    }
  }
  if (c.arp_requests < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("arp_requests is %d; at least one request is needed", c.arp_requests));
  }
  if (c.arp_retry_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "arp_retry_interval ", absl::FormatDuration(c.arp_retry_interval), " is not positive"));
  }
  if (c.neighbor_lifetime <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "neighbor_lifetime ", absl::FormatDuration(c.neighbor_lifetime), " is not positive"));
  }
  if (c.max_queued_per_neighbor < 1) {
    return absl::InvalidArgumentError("max_queued_per_neighbor must be at least 1");
  }
  if (c.max_neighbors < 1) {
    return absl::InvalidArgumentError("max_neighbors must be at least 1");
  }
  if (c.mtu < kMinMtu || c.mtu > 65535) {
    return absl::InvalidArgumentError(
        absl::StrFormat("MTU %d is outside %d..65535", c.mtu, kMinMtu));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<EthernetInterface>> EthernetInterface::Create(
    const EthernetInterfaceConfig& config, FrameSink* sink) {
  if (sink == nullptr) return absl::InvalidArgumentError("no frame sink");
  if (absl::Status s = ValidateConfig(config); !s.ok()) return s;
  return std::unique_ptr<EthernetInterface>(new EthernetInterface(config, sink));
}

EthernetInterface::EthernetInterface(const EthernetInterfaceConfig& config, FrameSink* sink)
    : config_(config),
      sink_(sink),
      netmask_(Netmask(config.prefix_length)),
      frame_(std::max(kMinFrameSize, kEthernetHeaderSize + config.mtu)) {}

bool EthernetInterface::IsOnLink(Ipv4Address ip) const {
  return (ip.value() & netmask_) == (config_.address.value() & netmask_);
}

bool EthernetInterface::IsSubnetBroadcast(Ipv4Address ip) const {
  // /31 (RFC 3021) and /32 have no broadcast address.
  return config_.prefix_length <= 30 && IsOnLink(ip) && (ip.value() & ~netmask_) == ~netmask_;
}

std::optional<Ipv4Address> EthernetInterface::NextHop(Ipv4Address dst) const {
  if (dst == Ipv4Address() || dst == config_.address) return std::nullopt;
  if (dst == kLimitedBroadcast || IsSubnetBroadcast(dst) || IsMulticast(dst)) return dst;
  if (IsOnLink(dst)) return dst;
  return config_.gateway;
}

// ---------------------------------------------------------------- receive

absl::Span<const uint8_t> EthernetInterface::OnFrame(Instant now,
                                                     absl::Span<const uint8_t> frame) {
  ++counters_.frames_received;
  EthernetFrame f;
  switch (ParseEthernet(frame, &f)) {
    case FrameError::kOk:
      break;
    case FrameError::kVlanTagged:
      ++counters_.ignored_vlan_tagged;
      return {};
    case FrameError::kNotEthernetII:
      ++counters_.ignored_not_ethernet_ii;
      return {};
    default:  // kTruncatedEthernetHeader; ParseEthernet returns nothing else
      ++counters_.dropped_truncated_frame;
      return {};
  }
  // AF_PACKET hands a socket its own outgoing frames too (PACKET_OUTGOING),
  // and a bridge may reflect them; none is news to us.
  if (f.header.src == config_.mac) {
    ++counters_.ignored_looped_back;
    return {};
  }
  // Promiscuous or not, the socket sees other hosts' unicast and every
  // multicast; tcplab joins no group.
  if (f.header.dst != config_.mac && !f.header.dst.is_broadcast()) {
    // Except for one thing worth seeing in others' traffic: someone else
    // claiming our address, e.g. the kernel answering a peer's request
    // (unicast, so seen only in promiscuous mode or on a hub).
    ArpPacket arp;
    if (f.header.ethertype == kEtherTypeArp && ParseArp(f.payload, &arp) == FrameError::kOk &&
        arp.sender_ip == config_.address && arp.sender_mac.is_unicast() &&
        arp.sender_mac != config_.mac) {
      ++counters_.arp_handled;
      HandleArp(now, f.header, arp);  // records the conflict, nothing else
      return {};
    }
    ++counters_.ignored_not_our_mac;
    return {};
  }
  if (f.header.ethertype == kEtherTypeArp) {
    ArpPacket arp;
    if (ParseArp(f.payload, &arp) != FrameError::kOk) {
      ++counters_.dropped_malformed_arp;
      return {};
    }
    ++counters_.arp_handled;
    HandleArp(now, f.header, arp);
    return {};
  }
  if (f.header.ethertype != kEtherTypeIpv4) {
    ++counters_.ignored_other_ethertype;
    return {};
  }
  absl::Span<const uint8_t> ip = f.payload;
  if (ip.size() < kIpv4MinHeader || (ip[0] >> 4) != 4) {
    ++counters_.dropped_malformed_ip;
    return {};
  }
  const Ipv4Address dst(wire::GetU32(ip.data() + 16));
  if (dst != config_.address) {
    ++counters_.ignored_not_our_ip;
    return {};
  }
  const size_t header_length = size_t{ip[0] & 0x0fu} * 4;
  const size_t total_length = wire::GetU16(ip.data() + 2);
  if (header_length >= kIpv4MinHeader && total_length >= header_length &&
      total_length <= ip.size()) {
    if (total_length < ip.size()) {
      ++counters_.ip_padding_trimmed;
      ip = ip.first(total_length);
    }
  }
  RefreshFromIp(now, f.header.src, Ipv4Address(wire::GetU32(ip.data() + 12)));
  ++counters_.ip_delivered;
  return ip;
}

void EthernetInterface::RefreshFromIp(Instant now, const MacAddress& src_mac,
                                      Ipv4Address src_ip) {
  std::optional<Ipv4Address> hop = IsOnLink(src_ip) ? std::optional(src_ip) : config_.gateway;
  if (!hop.has_value()) return;
  auto it = neighbors_.find(*hop);
  if (it == neighbors_.end()) return;
  Neighbor& n = it->second;
  // Only a frame from the MAC we already have confirms the entry; one that
  // is already past its lifetime stays expired, so that the outcome never
  // depends on whether Advance ran in between.
  if (n.state == NeighborInfo::State::kReachable && n.mac == src_mac && n.expires > now) {
    n.expires = now + config_.neighbor_lifetime;
  }
}

void EthernetInterface::HandleArp(Instant now, const EthernetHeader& header,
                                  const ArpPacket& arp) {
  (void)header;  // RFC 826 trusts ar$sha, not the Ethernet source (proxies, bridges)
  if (!arp.sender_mac.is_unicast()) {
    ++counters_.arp_ignored;
    return;
  }
  if (arp.sender_ip == config_.address) {
    if (arp.sender_mac == config_.mac) {  // ours, echoed by something that rewrote the source
      ++counters_.arp_ignored;
      return;
    }
    ++counters_.address_conflicts;
    if (address_conflict_.ok()) {
      address_conflict_ = absl::AlreadyExistsError(absl::StrFormat(
          "address conflict: %s is also used by MAC %s (the kernel or another host owns it; "
          "expect RSTs)",
          config_.address.ToString(), arp.sender_mac.ToString()));
    }
    return;
  }
  const bool for_us = arp.target_ip == config_.address;

  // RFC 826's merge: an entry for the sender that already exists is updated
  // by any ARP from it, whoever it was for. A probe (sender 0.0.0.0) claims
  // nothing and teaches nothing.
  bool merged = false;
  if (!arp.is_probe()) {
    auto it = neighbors_.find(arp.sender_ip);
    if (it != neighbors_.end()) {
      merged = true;
      if (it->second.state != NeighborInfo::State::kStatic) {
        Resolved(now, it->second, arp.sender_mac);
      }
    }
  }
  if (!for_us) {
    ++counters_.arp_ignored;
    return;
  }
  // ... and a new entry only from an ARP for us, for a sender that could be a
  // next hop (on-link, not a broadcast address), while there is room.
  if (!merged && !arp.is_probe() && IsOnLink(arp.sender_ip) &&
      !IsSubnetBroadcast(arp.sender_ip) && arp.sender_ip != kLimitedBroadcast &&
      neighbors_.size() < config_.max_neighbors) {
    Neighbor n;
    n.state = NeighborInfo::State::kReachable;
    n.mac = arp.sender_mac;
    n.expires = now + config_.neighbor_lifetime;
    neighbors_.emplace(arp.sender_ip, std::move(n));
  }
  if (arp.operation == ArpOperation::kRequest) {
    ++counters_.arp_requests_answered;
    ArpPacket reply;
    reply.operation = ArpOperation::kReply;
    reply.sender_mac = config_.mac;
    reply.sender_ip = config_.address;
    reply.target_mac = arp.sender_mac;
    reply.target_ip = arp.sender_ip;  // 0.0.0.0 for a probe, as Linux answers
    SendArp(arp.sender_mac, reply);
    ++counters_.arp_replies_sent;
  } else {
    ++counters_.arp_replies_received;
  }
}

void EthernetInterface::Resolved(Instant now, Neighbor& n, const MacAddress& mac) {
  n.state = NeighborInfo::State::kReachable;
  n.mac = mac;
  n.expires = now + config_.neighbor_lifetime;
  n.requests_sent = 0;
  n.next_event = Instant::Infinite();
  std::deque<std::vector<uint8_t>> queue = std::move(n.queue);
  n.queue.clear();
  for (const std::vector<uint8_t>& packet : queue) {
    SendIpFrame(mac, packet);
    ++counters_.ip_sent_after_resolution;
  }
}

// ------------------------------------------------------------------- send

void EthernetInterface::SendIp(Instant now, absl::Span<const uint8_t> ip_packet) {
  if (ip_packet.size() < kIpv4MinHeader || (ip_packet[0] >> 4) != 4) {
    ++counters_.dropped_malformed_outgoing;
    return;
  }
  if (ip_packet.size() > config_.mtu) {
    ++counters_.dropped_too_big;
    return;
  }
  const Ipv4Address dst(wire::GetU32(ip_packet.data() + 16));
  const std::optional<Ipv4Address> hop = NextHop(dst);
  if (!hop.has_value()) {
    ++counters_.dropped_no_route;
    return;
  }
  if (*hop == kLimitedBroadcast || IsSubnetBroadcast(*hop)) {
    SendIpFrame(MacAddress::Broadcast(), ip_packet);
    ++counters_.ip_sent_now;
    return;
  }
  if (IsMulticast(*hop)) {
    SendIpFrame(MacAddress::ForIpv4Multicast(*hop), ip_packet);
    ++counters_.ip_sent_now;
    return;
  }

  auto it = neighbors_.find(*hop);
  if (it != neighbors_.end()) {
    Neighbor& n = it->second;
    switch (n.state) {
      case NeighborInfo::State::kStatic:
        SendIpFrame(n.mac, ip_packet);
        ++counters_.ip_sent_now;
        return;
      case NeighborInfo::State::kReachable:
        if (n.expires > now) {
          SendIpFrame(n.mac, ip_packet);
          ++counters_.ip_sent_now;
          return;
        }
        // Past its lifetime (Advance has not run yet): forget it, resolve anew.
        neighbors_.erase(it);
        ++counters_.neighbors_expired;
        it = neighbors_.end();
        break;
      case NeighborInfo::State::kIncomplete:
        break;
    }
  }
  if (it == neighbors_.end()) {
    if (neighbors_.size() >= config_.max_neighbors) {
      ++counters_.dropped_table_full;
      return;
    }
    it = neighbors_.emplace(*hop, Neighbor()).first;
    Neighbor& n = it->second;
    SendArpRequest(*hop);
    n.requests_sent = 1;
    n.next_event = now + config_.arp_retry_interval;
    ++counters_.resolutions_started;
  }
  Neighbor& n = it->second;
  if (n.queue.size() >= config_.max_queued_per_neighbor) {
    n.queue.pop_front();
    ++counters_.dropped_queue_overflow;
  }
  n.queue.emplace_back(ip_packet.begin(), ip_packet.end());
  ++counters_.ip_queued;
}

void EthernetInterface::SendIpFrame(const MacAddress& dst, absl::Span<const uint8_t> ip_packet) {
  // frame_ holds 14 + MTU bytes and SendIp rejected anything larger.
  WriteEthernetHeader({dst, config_.mac, kEtherTypeIpv4}, absl::MakeSpan(frame_));
  std::memcpy(frame_.data() + kEthernetHeaderSize, ip_packet.data(), ip_packet.size());
  size_t length = kEthernetHeaderSize + ip_packet.size();
  // A sender pads to the 802.3 minimum. A NIC would do it in hardware, but
  // veth and AF_PACKET's loopback do not, and a capture should show what a
  // real NIC puts on the wire.
  if (length < kMinFrameSize) {
    std::memset(frame_.data() + length, 0, kMinFrameSize - length);
    length = kMinFrameSize;
  }
  ++counters_.frames_sent;
  sink_->SendFrame(absl::MakeConstSpan(frame_.data(), length));
}

void EthernetInterface::SendArp(const MacAddress& dst, const ArpPacket& arp) {
  const size_t length = BuildArpFrame(dst, config_.mac, arp, absl::MakeSpan(frame_));
  ++counters_.frames_sent;
  sink_->SendFrame(absl::MakeConstSpan(frame_.data(), length));
}

void EthernetInterface::SendArpRequest(Ipv4Address target) {
  ArpPacket request;
  request.operation = ArpOperation::kRequest;
  request.sender_mac = config_.mac;
  request.sender_ip = config_.address;
  request.target_ip = target;  // target MAC stays zero: it is the question
  SendArp(MacAddress::Broadcast(), request);
  ++counters_.arp_requests_sent;
}

void EthernetInterface::AnnounceAt(Instant /*now*/) {
  ArpPacket announce;
  announce.operation = ArpOperation::kRequest;
  announce.sender_mac = config_.mac;
  announce.sender_ip = config_.address;
  announce.target_ip = config_.address;
  SendArp(MacAddress::Broadcast(), announce);
  ++counters_.gratuitous_arps_sent;
}

// ----------------------------------------------------------------- timers

Instant EthernetInterface::NextDeadline() const {
  Instant next = Instant::Infinite();
  for (const auto& [ip, n] : neighbors_) {
    switch (n.state) {
      case NeighborInfo::State::kIncomplete: next = Earliest(next, n.next_event); break;
      case NeighborInfo::State::kReachable: next = Earliest(next, n.expires); break;
      case NeighborInfo::State::kStatic: break;
    }
  }
  return next;
}

void EthernetInterface::Advance(Instant now) {
  for (auto it = neighbors_.begin(); it != neighbors_.end();) {
    Neighbor& n = it->second;
    if (n.state == NeighborInfo::State::kReachable && n.expires <= now) {
      ++counters_.neighbors_expired;
      it = neighbors_.erase(it);
      continue;
    }
    if (n.state == NeighborInfo::State::kIncomplete && n.next_event <= now) {
      if (n.requests_sent < config_.arp_requests) {
        SendArpRequest(it->first);
        ++n.requests_sent;
        n.next_event = now + config_.arp_retry_interval;
      } else {
        Fail(it->first, n);
        it = neighbors_.erase(it);
        continue;
      }
    }
    ++it;
  }
}

void EthernetInterface::Fail(Ipv4Address ip, Neighbor& n) {
  counters_.dropped_unresolved += n.queue.size();
  ++counters_.resolutions_failed;
  // The span the requests covered as configured (not as the loop happened to
  // run), so the message is the same on every run.
  last_error_ = absl::UnavailableError(absl::StrFormat(
      "no ARP reply from %s%s on this link after %d request%s over %s", ip.ToString(),
      config_.gateway == ip ? " (the gateway)" : "", n.requests_sent,
      n.requests_sent == 1 ? "" : "s",
      absl::FormatDuration(config_.arp_retry_interval * n.requests_sent)));
}

// ------------------------------------------------------------ neighbours

absl::Status EthernetInterface::AddStaticNeighbor(Ipv4Address ip, const MacAddress& mac) {
  if (!mac.is_unicast()) {
    return absl::InvalidArgumentError(
        absl::StrCat("static neighbour MAC ", mac.ToString(), " is not a unicast address"));
  }
  if (ip == Ipv4Address() || ip == config_.address) {
    return absl::InvalidArgumentError(
        absl::StrCat("static neighbour address ", ip.ToString(),
                     ip == config_.address ? " is the interface's own" : " is 0.0.0.0"));
  }
  Neighbor& n = neighbors_[ip];
  Resolved(Instant::Zero(), n, mac);  // flushes anything queued
  n.state = NeighborInfo::State::kStatic;
  n.expires = Instant::Infinite();
  return absl::OkStatus();
}

std::optional<MacAddress> EthernetInterface::LookupNeighbor(Instant now, Ipv4Address ip) const {
  auto it = neighbors_.find(ip);
  if (it == neighbors_.end()) return std::nullopt;
  const Neighbor& n = it->second;
  if (n.state == NeighborInfo::State::kStatic ||
      (n.state == NeighborInfo::State::kReachable && n.expires > now)) {
    return n.mac;
  }
  return std::nullopt;
}

std::vector<NeighborInfo> EthernetInterface::Neighbors() const {
  std::vector<NeighborInfo> out;
  out.reserve(neighbors_.size());
  for (const auto& [ip, n] : neighbors_) {
    NeighborInfo info;
    info.ip = ip;
    info.state = n.state;
    info.mac = n.mac;
    info.expires = n.state == NeighborInfo::State::kReachable ? n.expires : Instant::Infinite();
    info.requests_sent = n.requests_sent;
    info.queued_packets = n.queue.size();
    out.push_back(info);
  }
  return out;
}

}  // namespace tcplab::live
