#ifndef TCPLAB_NETSIM_LIVE_ETHERNET_INTERFACE_H_
#define TCPLAB_NETSIM_LIVE_ETHERNET_INTERFACE_H_

// tcplab's own Ethernet interface on a live link: its MAC and IPv4 address,
// ARP (answering for its address, resolving next hops, a neighbour cache
// with time-outs) and the framing of IPv4 packets.
//
// Sans-IO: it never touches a socket or a clock. Frames from the wire come
// in through OnFrame with the time they arrived; frames to the wire go out
// through a FrameSink; timers are a deadline (NextDeadline) and a call when
// it has come (Advance). The AF_PACKET backend owns the socket and the clock
// and drives it; tests drive it with made-up frames and instants.
//
// Why tcplab needs this at all: it uses an IPv4 address the host's kernel
// does not own, so the kernel neither answers ARP for it nor sends RSTs for
// tcplab's connections; the price is that tcplab must answer ARP itself and
// resolve its neighbours' MACs itself.
//
// Deterministic: the same calls with the same frames and instants send the
// same frames in the same order (the neighbour table is ordered by address).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "netsim/live/ethernet.h"
#include "tcp/base/instant.h"
#include "tcp/wire/ipv4_address.h"

namespace tcplab::live {

// Where the interface's frames go (an AF_PACKET socket, a pcap, a test's
// list). `frame` is a complete Ethernet frame without FCS, valid only during
// the call: the sink copies it if it keeps it. SendFrame must not call back
// into the EthernetInterface.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void SendFrame(absl::Span<const uint8_t> frame) = 0;
};

struct EthernetInterfaceConfig {
  MacAddress mac;             // ours; unicast (see MacAddress::LocallyAdministeredFor)
  wire::Ipv4Address address;  // ours
  int prefix_length = 24;     // 0..32; destinations inside it are on-link
  // Next hop for off-link destinations; must be on-link. None: off-link
  // packets are dropped ("no route").
  std::optional<wire::Ipv4Address> gateway;

  // ARP requests sent for one resolution (the first included) before giving
  // up, one every retry_interval; the failure is declared one interval after
  // the last. Linux's defaults (ucast/mcast_solicit 3, retrans_time 1 s).
  int arp_requests = 3;
  absl::Duration arp_retry_interval = absl::Seconds(1);
  // A resolved neighbour is forgotten this long after its last ARP or
  // confirming IP frame; the next packet to it resolves it again.
  absl::Duration neighbor_lifetime = absl::Seconds(60);
  // Packets waiting for one neighbour's resolution; when full, the oldest
  // is dropped (and counted) to make room, as Linux's unres_qlen does.
  size_t max_queued_per_neighbor = 64;
  // Neighbour table size (resolved and pending). A full table drops packets
  // to new neighbours rather than evicting live ones: it bounds the memory a
  // flood of spoofed on-link sources can cost.
  size_t max_neighbors = 1024;
  // Largest IPv4 packet SendIp frames (the link's MTU). Larger ones are
  // dropped and counted: the engine must segment for the link.
  size_t mtu = 1500;
};

// What happened to every frame and packet, by outcome and reason. Each
// frame given to OnFrame lands in exactly one of the rx outcome fields
// (ip_delivered, arp_handled, ignored_*, dropped_*); each SendIp packet in
// exactly one of ip_sent_now, ip_queued, dropped_* (and a queued one later
// in ip_sent_after_resolution or dropped_queue_overflow/dropped_unresolved).
struct EthernetCounters {
  // Received.
  uint64_t frames_received = 0;
  uint64_t ip_delivered = 0;            // returned by OnFrame
  uint64_t ip_padding_trimmed = 0;      // of those, how many carried padding
  uint64_t arp_handled = 0;             // a well-formed ARP; exactly one of the four below:
  uint64_t arp_requests_answered = 0;   //   a request for our address (probes included)
  uint64_t arp_replies_received = 0;    //   a reply targeting our address
  uint64_t arp_ignored = 0;             //   not targeting us (it may still update an
                                        //   existing entry), or a group/zero sender MAC
  uint64_t address_conflicts = 0;       //   sender IP ours, sender MAC not ours
  uint64_t ignored_looped_back = 0;     // source MAC is ours (our own frame echoed)
  uint64_t ignored_not_our_mac = 0;     // unicast or multicast to another MAC
  uint64_t ignored_not_our_ip = 0;      // IPv4 to our MAC but another address
  uint64_t ignored_other_ethertype = 0; // IPv6, LLDP, ...
  uint64_t ignored_vlan_tagged = 0;
  uint64_t ignored_not_ethernet_ii = 0;
  uint64_t dropped_truncated_frame = 0;  // shorter than an Ethernet header
  uint64_t dropped_malformed_ip = 0;     // < 20 bytes or version != 4
  uint64_t dropped_malformed_arp = 0;    // any ARP FrameError

  // Sent.
  uint64_t frames_sent = 0;
  uint64_t ip_sent_now = 0;              // neighbour known: framed at once
  uint64_t ip_queued = 0;                // waiting for ARP
  uint64_t ip_sent_after_resolution = 0; // queued, then sent when the reply came
  uint64_t arp_requests_sent = 0;
  uint64_t arp_replies_sent = 0;
  uint64_t gratuitous_arps_sent = 0;
  uint64_t dropped_no_route = 0;         // off-link with no gateway, or to 0.0.0.0 / ourselves
  uint64_t dropped_malformed_outgoing = 0;  // not an IPv4 header
  uint64_t dropped_too_big = 0;          // larger than the MTU
  uint64_t dropped_queue_overflow = 0;   // oldest queued packet pushed out
  uint64_t dropped_unresolved = 0;       // queued when the resolution failed
  uint64_t dropped_table_full = 0;       // no room for a new neighbour

  // Neighbours.
  uint64_t resolutions_started = 0;
  uint64_t resolutions_failed = 0;
  uint64_t neighbors_expired = 0;
};

// Every counter as (name, value), in declaration order.
std::vector<std::pair<absl::string_view, uint64_t>> CounterList(const EthernetCounters& c);
// "name=value" for every nonzero counter, space-separated ("" when all are 0).
std::string FormatCounters(const EthernetCounters& c);

// One neighbour-table entry, as shown to people and tests.
struct NeighborInfo {
  enum class State : uint8_t {
    kIncomplete,  // ARP requests out, no reply yet
    kReachable,   // learned from ARP, expires
    kStatic,      // AddStaticNeighbor: never expires, never changed by ARP
  };
  wire::Ipv4Address ip;
  State state = State::kIncomplete;
  MacAddress mac;              // zero while incomplete
  Instant expires;             // reachable: when it is forgotten; else Infinite()
  int requests_sent = 0;       // incomplete: ARP requests so far
  size_t queued_packets = 0;   // incomplete: packets waiting
};

class EthernetInterface {
 public:
  // Checks the configuration: a unicast MAC, prefix 0..32, an address that
  // is not 0.0.0.0 (nor, below /31, the subnet's network or broadcast
  // address), an on-link gateway other than ourselves, at least one ARP
  // request, positive interval and lifetime, a queue of at least one, an MTU
  // of at least 68 (RFC 791). The error says which field is wrong.
  static absl::Status ValidateConfig(const EthernetInterfaceConfig& config);
  // `sink` is not owned and must outlive the interface.
  static absl::StatusOr<std::unique_ptr<EthernetInterface>> Create(
      const EthernetInterfaceConfig& config, FrameSink* sink);

  EthernetInterface(const EthernetInterface&) = delete;
  EthernetInterface& operator=(const EthernetInterface&) = delete;

  // A frame from the wire. Returns the IPv4 packet it carries when it is
  // for us: destination MAC ours or broadcast, EtherType IPv4, IPv4
  // destination our address. The span views `frame`, trimmed to the IPv4
  // total length when that is sane (IHL*4 <= total length <= what is there),
  // which removes Ethernet padding; otherwise it is left whole for the IP
  // layer's full check to reject with its own reason. Only the 20-byte
  // minimum and the version are checked here (to read the destination).
  //
  // ARP for us is handled here and returns an empty span: a request for our
  // address is answered (unicast to the requester); RFC 826's merge rule
  // updates the cache: an entry for the sender's IP that exists is updated
  // (and refreshed) by any ARP from it; a new entry is created only by an
  // ARP targeting our address, and only for an on-link sender. IPv4 frames
  // never create or change entries (a forged source would poison the
  // cache), but one from an entry's own MAC refreshes it (for an off-link
  // source, the gateway's entry), so an active connection never re-resolves.
  //
  // An ARP in which another MAC claims our address is recorded as a conflict
  // (address_conflict()) wherever it was sent, even unicast to another host.
  //
  // Anything else returns an empty span and is counted by reason.
  absl::Span<const uint8_t> OnFrame(Instant now, absl::Span<const uint8_t> frame);

  // An IPv4 packet from the stack (copied before returning). The next hop is
  // the destination when it is on-link, else the gateway; broadcast
  // (255.255.255.255 or the subnet's) and multicast destinations go to the
  // matching group MAC without ARP. A resolved next hop gets the frame now.
  // Otherwise the packet is queued and, if no resolution is running, one
  // starts: an ARP request now, then one every interval until
  // arp_requests have gone out; a reply flushes the queue in order. One
  // interval after the last request the queued packets are dropped,
  // last_error() says so, and the next packet starts a new resolution.
  void SendIp(Instant now, absl::Span<const uint8_t> ip_packet);

  // The earliest ARP retry, resolution failure or cache expiry;
  // Instant::Infinite() when none.
  Instant NextDeadline() const;
  // Runs whatever is due at `now` (retries, failures, expiries). Calling it
  // early or often is harmless. A retry that runs late schedules the next one
  // an interval after it actually went out.
  void Advance(Instant now);

  // Sends a gratuitous ARP (a broadcast request with sender IP = target IP =
  // ours, target MAC zero, as RFC 5227's announcements and Linux's arping -U
  // do) so that switches learn our port and peers update stale entries.
  void AnnounceAt(Instant now);

  // Binds `ip` to `mac` for good (ARP never changes it, it never expires),
  // and sends any packets already waiting for it. For tests and for users
  // who know the peer's MAC. Error if `mac` is not unicast or `ip` is ours
  // or 0.0.0.0.
  absl::Status AddStaticNeighbor(wire::Ipv4Address ip, const MacAddress& mac);

  // The MAC `ip` resolves to at `now`, if it is resolved (static or not
  // expired).
  std::optional<MacAddress> LookupNeighbor(Instant now, wire::Ipv4Address ip) const;
  // The whole table, ordered by address.
  std::vector<NeighborInfo> Neighbors() const;

  // The next hop for `dst` (itself, or the gateway), or nullopt ("no
  // route"). Broadcast and multicast are their own next hop.
  std::optional<wire::Ipv4Address> NextHop(wire::Ipv4Address dst) const;
  bool IsOnLink(wire::Ipv4Address ip) const;

  // The most recent resolution failure, e.g. "no ARP reply from 10.0.0.2 on
  // this link after 3 requests over 3s" (kUnavailable); OK if none yet.
  // counters().resolutions_failed tells a caller polling it that a new one
  // happened.
  const absl::Status& last_error() const { return last_error_; }
  // The first time another MAC claimed our address: "address conflict:
  // 10.0.0.1 is also used by MAC 52:54:00:12:34:56 (the kernel or another
  // host owns it; expect RSTs)" (kAlreadyExists); OK if none.
  // counters().address_conflicts counts every such ARP.
  const absl::Status& address_conflict() const { return address_conflict_; }

  const EthernetCounters& counters() const { return counters_; }
  const EthernetInterfaceConfig& config() const { return config_; }

 private:
  struct Neighbor {
    NeighborInfo::State state = NeighborInfo::State::kIncomplete;
    MacAddress mac;
    Instant expires = Instant::Infinite();   // kReachable
    int requests_sent = 0;                   // kIncomplete
    Instant next_event = Instant::Infinite();  // kIncomplete: next request or the failure
    std::deque<std::vector<uint8_t>> queue;    // kIncomplete
  };
  using Table = absl::btree_map<wire::Ipv4Address, Neighbor>;

  EthernetInterface(const EthernetInterfaceConfig& config, FrameSink* sink);

  void HandleArp(Instant now, const EthernetHeader& header, const ArpPacket& arp);
  // Binds `n` to `mac`, fresh for a lifetime, and sends its queued packets.
  void Resolved(Instant now, Neighbor& n, const MacAddress& mac);
  void RefreshFromIp(Instant now, const MacAddress& src_mac, wire::Ipv4Address src_ip);
  void SendIpFrame(const MacAddress& dst, absl::Span<const uint8_t> ip_packet);
  void SendArp(const MacAddress& dst, const ArpPacket& arp);
  void SendArpRequest(wire::Ipv4Address target);
  void Fail(wire::Ipv4Address ip, Neighbor& n);
  bool IsSubnetBroadcast(wire::Ipv4Address ip) const;

  EthernetInterfaceConfig config_;
  FrameSink* sink_;
  uint32_t netmask_;  // host order
  Table neighbors_;
  std::vector<uint8_t> frame_;  // every outgoing frame is built here
  EthernetCounters counters_;
  absl::Status last_error_;
  absl::Status address_conflict_;
};

}  // namespace tcplab::live

#endif  // TCPLAB_NETSIM_LIVE_ETHERNET_INTERFACE_H_
