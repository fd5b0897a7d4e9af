#include "netsim/node.h"

#include "netsim/network.h"

namespace tcplab::netsim {

void Node::DropPacket(PacketHandle h, DropReason reason) {
  ++counters_.dropped[static_cast<int>(reason)];
  if (network_->observed()) {
    PooledPacket& p = network_->pool()[h];
    PacketEvent e;
    e.time = network_->Now();
    e.type = PacketEventType::kDropped;
    e.reason = reason;
    e.packet_id = p.id;
    e.node = this;
    e.bytes = p.bytes;
    network_->Emit(e);
  }
  network_->pool().Release(h);
}

}  // namespace tcplab::netsim
