#ifndef TCPLAB_NETSIM_PCAP_TAP_H_
#define TCPLAB_NETSIM_PCAP_TAP_H_

// Captures a host's or a link's packets into a pcap (bare IPv4 records,
// LINKTYPE_RAW), stamped with virtual time, so the same scenario and seed
// give the same file byte for byte.
//
// What is captured is what tcpdump would see at that point:
//   host: every packet the host sends (when it sends it) and every packet a
//         link delivers to it (when it arrives, before the host's checks,
//         so corrupted packets appear as they arrived);
//   link: every packet either direction delivers (when it arrives at the
//         far end), in delivery order.
// Packets dropped inside a link never reach a capture (they did not reach
// the far end); they are in the trace.

#include <memory>

#include "absl/status/status.h"
#include "netsim/link.h"
#include "netsim/network.h"
#include "netsim/pcap/pcap_writer.h"
#include "netsim/sim_host.h"
#include "netsim/trace.h"

namespace tcplab::netsim {

class PcapTap final : public PacketObserver {
 public:
  // Registers with `network` (which must outlive the tap, or the tap must be
  // destroyed first: it unregisters itself).
  static std::unique_ptr<PcapTap> ForHost(Network* network, const SimHost* host,
                                          PcapWriter writer);
  static std::unique_ptr<PcapTap> ForLink(Network* network, const Link* link,
                                          PcapWriter writer);
  ~PcapTap() override;

  PcapWriter& writer() { return writer_; }
  // The first write error, if any (later packets are then not written).
  const absl::Status& status() const { return status_; }

  void OnPacketEvent(const PacketEvent& e) override;

 private:
  PcapTap(Network* network, const SimHost* host, const Link* link, PcapWriter writer);

  Network* network_;
  const SimHost* host_;
  const Link* link_;
  PcapWriter writer_;
  absl::Status status_;
};

}  // namespace tcplab::netsim

#endif  // TCPLAB_NETSIM_PCAP_TAP_H_
