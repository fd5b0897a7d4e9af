#ifndef TCPLAB_SCENARIOS_RUNNER_TIMELINE_H_
#define TCPLAB_SCENARIOS_RUNNER_TIMELINE_H_

// The compact timeline of a run: one line per TCP segment a host sent, with
// host names, ports and sequence numbers relative to each side's ISN
// (tcpdump notation), interleaved with what matters: drops and their
// reasons, duplicates, corruption, reordering, retransmissions, zero-window
// probes, state changes, scenario events and app milestones.
//
// From the engine's snapshots (taken after every packet or timer on the
// host, while the app holds the socket) it also notes, per connection: the
// options negotiated and the congestion control, once, when it is first
// seen synchronized; every change of its congestion state between open
// (with disorder), recovery and loss, with cwnd, ssthresh and the bytes in
// flight; each keepalive probe.
//
// Capped: per connection only the first and last `head`/`tail` ordinary
// segments are printed (a line says how many were left out); SYN, FIN, RST,
// retransmitted and zero-window segments and every other event always
// appear. `full` prints everything.
//
// Everything printed comes from the simulation, in the order it happened.
// On a live wire (netsim/live) the real peer's segments are those its wire
// node sends into the network.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "netsim/trace.h"
#include "tcp/counters.h"
#include "scenarios/runner/world.h"
#include "tcp/wire/ipv4_address.h"

namespace tcplab::scenario::runner {

struct TimelineOptions {
  bool full = false;
  int head = 8;
  int tail = 8;
};

class Timeline final : public netsim::PacketObserver, public WorldObserver {
 public:
  // `name_of` names a host by address (for "client:49152").
  Timeline(TimelineOptions options, std::function<std::string(wire::Ipv4Address)> name_of);

  void OnPacketEvent(const netsim::PacketEvent& e) override;
  void OnStateChange(const std::string& host, tcp::SocketId id, tcp::ConnectionState from,
                     tcp::ConnectionState to, Instant now) override;
  void OnZeroWindowProbe(const std::string& host, tcp::SocketId id, Instant now) override;
  void OnNote(Instant now, const std::string& text) override;
  void OnConnectionInfo(const std::string& host, tcp::SocketId id,
                        const tcp::ConnectionInfo* before, const tcp::ConnectionInfo& after,
                        Instant now) override;

  // The lines, each ending in '\n'.
  std::string Render() const;

 private:
  struct Entry {
    Instant time;
    int conn = -1;  // ordinary segment of that connection; -1: always shown
    std::string text;
  };
  struct Flow {
    std::string name;  // "client:49152 <> server:5001"
    bool isn_known[2] = {false, false};
    uint32_t isn[2] = {0, 0};
    bool sent_any[2] = {false, false};
    uint32_t max_end[2] = {0, 0};  // relative, per side
    bool peer_window_zero[2] = {false, false};  // side's peer last advertised 0
    int ordinary = 0;
  };
  void Add(Instant t, int conn, std::string text);

  TimelineOptions options_;
  std::function<std::string(wire::Ipv4Address)> name_of_;
  std::map<std::pair<uint64_t, uint64_t>, int> flow_index_;
  std::vector<Flow> flows_;
  std::vector<Entry> entries_;
};

// "12.345678" (seconds, microseconds).
std::string FormatTime(Instant t);

// ssthresh values this large are the engine's "no loss yet" (RFC 5681's
// arbitrarily high initial value): no window reaches 1 GiB (RFC 7323's
// largest is 2^30 - 2^14).
inline bool IsInfiniteSsthresh(uint32_t ssthresh) { return ssthresh >= (uint32_t{1} << 30); }
// "cubic (open), cwnd 14.6KB, ssthresh inf", or "congestion none".
std::string CongestionText(const tcp::ConnectionInfo& info);
// What the handshake negotiated: "mss 1460, sack on, ts on, wscale snd 7 rcv 7"
// (snd: the peer's shift, applied to the windows it sends; rcv: ours).
std::string OptionsText(const tcp::ConnectionInfo& info);

}  // namespace tcplab::scenario::runner

#endif  // TCPLAB_SCENARIOS_RUNNER_TIMELINE_H_
