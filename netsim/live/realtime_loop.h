#ifndef TCPLAB_NETSIM_LIVE_REALTIME_LOOP_H_
#define TCPLAB_NETSIM_LIVE_REALTIME_LOOP_H_

// Runs a netsim Simulator in step with the monotonic clock, so that the
// very code that simulates a network also drives a live one: hosts, their
// stacks and applications, links with impairments, pcap taps and traces
// all run unchanged, and live devices (wire_node.h) join the network as
// nodes. Virtual time zero is the loop's construction; an event scheduled
// for T runs as soon as the monotonic clock has passed T (never before).
//
// Single-threaded: epoll on the devices' file descriptors plus a timerfd
// armed for the simulator's next event. Each turn: read what the devices
// have (stamped with the current time), run every event that is due, then
// flush the devices' queued writes in one batch each.

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "netsim/live/unique_fd.h"
#include "netsim/simulator.h"
#include "tcp/base/instant.h"

namespace tcplab::live {

class RealTimeLoop {
 public:
  // Something with a file descriptor the loop watches.
  class Source {
   public:
    virtual int fd() const = 0;
    // fd() is readable; the simulator's clock is at `now`.
    virtual void OnReadable(Instant now) = 0;
    // After each turn's events: write what is queued.
    virtual void Flush(Instant now) = 0;
    // Whether writes are waiting for the device to drain (then the loop
    // also polls for writability).
    virtual bool WantsWrite() const { return false; }

   protected:
    ~Source() = default;
  };

  // `sim` must be at Instant::Zero(), with nothing run yet.
  static absl::StatusOr<std::unique_ptr<RealTimeLoop>> Create(netsim::Simulator* sim);
  RealTimeLoop(const RealTimeLoop&) = delete;
  RealTimeLoop& operator=(const RealTimeLoop&) = delete;

  // The monotonic clock as an Instant of the simulation.
  Instant Now() const;

  absl::Status Add(Source* source);

  // Runs until done() holds (checked after every turn) or the clock passes
  // `limit`. Returns whether done() held; an error only if polling failed.
  // Turns come with packets and timers: a done() that reads what another
  // thread changes needs that thread to call Wake() after the change, or
  // it may be seen only at the next packet or timer, which may be a minute
  // away (a closed connection's last timer).
  absl::StatusOr<bool> Run(absl::FunctionRef<bool()> done, Instant limit);
  // Makes a Run in progress (or the next) take a turn and check done().
  // The one member safe to call from another thread.
  void Wake();

  uint64_t turns() const { return turns_; }

 private:
  RealTimeLoop(netsim::Simulator* sim, UniqueFd epoll, UniqueFd timer, UniqueFd wake,
               int64_t zero_ns);
  void Turn(Instant now);
  absl::Status ArmTimer(Instant at);
  void UpdateWriteInterest(int index);

  netsim::Simulator* sim_;
  UniqueFd epoll_;
  UniqueFd timer_;
  UniqueFd wake_;  // an eventfd for Wake()
  int64_t zero_ns_;  // CLOCK_MONOTONIC at virtual zero
  Instant armed_ = Instant::Infinite();
  std::vector<Source*> sources_;
  std::vector<bool> write_interest_;
  uint64_t turns_ = 0;
};

}  // namespace tcplab::live

#endif  // TCPLAB_NETSIM_LIVE_REALTIME_LOOP_H_
