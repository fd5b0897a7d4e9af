#include "netsim/pcap_tap.h"

#include <utility>

namespace tcplab::netsim {

PcapTap::PcapTap(Network* network, const SimHost* host, const Link* link,
                 PcapWriter writer)
    : network_(network), host_(host), link_(link), writer_(std::move(writer)) {
  network_->AddObserver(this);
}

std::unique_ptr<PcapTap> PcapTap::ForHost(Network* network, const SimHost* host,
                                          PcapWriter writer) {
  return std::unique_ptr<PcapTap>(new PcapTap(network, host, nullptr, std::move(writer)));
}

std::unique_ptr<PcapTap> PcapTap::ForLink(Network* network, const Link* link,
                                          PcapWriter writer) {
  return std::unique_ptr<PcapTap>(new PcapTap(network, nullptr, link, std::move(writer)));
}

PcapTap::~PcapTap() { network_->RemoveObserver(this); }

void PcapTap::OnPacketEvent(const PacketEvent& e) {
  if (!status_.ok()) return;
  bool capture = false;
  if (host_ != nullptr) {
    capture = (e.type == PacketEventType::kSent && e.node == host_) ||
              (e.type == PacketEventType::kDelivered && e.link != nullptr &&
               e.link->to() == host_);
  } else {
    capture = e.type == PacketEventType::kDelivered &&
              (e.link == &link_->a_to_b() || e.link == &link_->b_to_a());
  }
  if (capture) status_ = writer_.Write(e.time, e.bytes);
}

}  // namespace tcplab::netsim
