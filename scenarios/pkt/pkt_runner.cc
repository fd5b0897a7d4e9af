#include "scenarios/pkt/pkt_runner.h"

namespace tcplab::scenario {

absl::StatusOr<PktRunResult> RunPacketScript(const PacketScript&, const PktRunOptions&) {
  return absl::UnimplementedError("packet scripts: executor not written yet");
}

}  // namespace tcplab::scenario
