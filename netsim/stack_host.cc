#include "netsim/stack_host.h"

#include <utility>

namespace tcplab::netsim {

namespace {

// Backends deliver only packets whose checksums they verified (backend.h),
// so the stack need not sum every payload byte a second time; and one
// that offloads computes the stack's checksums only if something reads
// them (a capture, a live wire), as a NIC would.
tcp::StackConfig ChecksummedByBackend(tcp::StackConfig config, Backend* backend) {
  config.verify_checksums = false;
  config.checksum_offload = backend->OffloadChecksums();
  return config;
}

}  // namespace

StackHost::StackHost(Backend* backend, tcp::StackConfig config)
    : backend_(backend), stack_(ChecksummedByBackend(std::move(config), backend), this) {
  // The stack's serializer computes every checksum it does not offload
  // (tcp/wire), and the backend completes those it does.
  backend_->PromiseValidChecksums();
}

void StackHost::Transmit(absl::Span<const uint8_t> ip_packet) { backend_->Send(ip_packet); }

void StackHost::OnPacket(Instant now, absl::Span<const uint8_t> ip_packet) {
  stack_.Input(now, ip_packet);
  Kick(now);
}

void StackHost::OnWake(Instant now) {
  stack_.Advance(now);
  Kick(now);
}

void StackHost::Kick(Instant now) {
  // Applications call back into the stack from OnEvent, which may post more
  // events; one loop here drains them all, however deep the calls.
  if (!in_kick_) {
    in_kick_ = true;
    tcp::Event e;
    for (int round = 0;; ++round) {
      while (stack_.PollEvent(&e)) {
        if (app_ != nullptr) app_->OnEvent(now, *this, e);
      }
      // What is due at this very instant (an ACK owed at its end) runs at
      // once when nothing else can happen in it first. Advance clears what
      // was due, so a round more is rare; the bound only guards the loop.
      if (round == 4 || stack_.NextDeadline() > now || backend_->MoreMayHappenNow()) break;
      stack_.Advance(now);
    }
    in_kick_ = false;
  }
  backend_->WakeAt(stack_.NextDeadline());
}

}  // namespace tcplab::netsim
