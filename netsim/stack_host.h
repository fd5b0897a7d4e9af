#ifndef TCPLAB_NETSIM_STACK_HOST_H_
#define TCPLAB_NETSIM_STACK_HOST_H_

// Runs a tcp::Stack on a Backend: the glue between the sans-IO engine and
// whatever network the host sits on (a SimHost, later a live backend). It
// never knows which.
//
//   backend OnPacket(now, p) -> stack.Input(now, p)
//   backend OnWake(now)      -> stack.Advance(now)
//   stack PacketSink         -> backend.Send(p)   (copied; no callback)
// After every input the events the stack posted are handed to the
// application, then the backend's wake is re-armed at stack.NextDeadline().
//
// User calls made from outside a callback (say, a scenario action) must be
// followed by Kick(now), which delivers the resulting events and re-arms the
// wake; inside Application::OnEvent that happens anyway.

#include "netsim/backend.h"
#include "tcp/base/instant.h"
#include "tcp/config.h"
#include "tcp/events.h"
#include "tcp/stack.h"

namespace tcplab::netsim {

class StackHost;

// An application on a StackHost: reacts to the stack's events by making
// user calls on host.stack().
class Application {
 public:
  virtual ~Application() = default;
  virtual void OnEvent(Instant now, StackHost& host, const tcp::Event& e) = 0;
};

class StackHost final : public BackendClient, private tcp::PacketSink {
 public:
  // `backend` is not owned and must outlive this; the caller attaches this
  // host as the backend's client (e.g. SimHost::SetClient).
  // The stack does not verify checksums itself: the backend did (backend.h).
  StackHost(Backend* backend, tcp::StackConfig config);
  StackHost(const StackHost&) = delete;
  StackHost& operator=(const StackHost&) = delete;

  tcp::Stack& stack() { return stack_; }
  Backend& backend() { return *backend_; }
  // Not owned; may be null (events are then discarded).
  void SetApplication(Application* app) { app_ = app; }

  // Delivers pending events and re-arms the wake; call after user calls
  // made outside OnEvent.
  void Kick(Instant now);

  // BackendClient:
  void OnPacket(Instant now, absl::Span<const uint8_t> ip_packet) override;
  void OnWake(Instant now) override;

 private:
  void Transmit(absl::Span<const uint8_t> ip_packet) override;
  absl::Span<uint8_t> TransmitBuffer(size_t size) override { return backend_->SendBuffer(size); }

  Backend* backend_;
  tcp::Stack stack_;
  Application* app_ = nullptr;
  bool in_kick_ = false;
};

}  // namespace tcplab::netsim

#endif  // TCPLAB_NETSIM_STACK_HOST_H_
