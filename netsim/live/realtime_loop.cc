#include "netsim/live/realtime_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <time.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/str_cat.h"
#include "netsim/live/sys_error.h"

namespace tcplab::live {
namespace {

constexpr uint64_t kTimerTag = UINT64_MAX;
constexpr uint64_t kWakeTag = UINT64_MAX - 1;

int64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RealTimeLoop>> RealTimeLoop::Create(netsim::Simulator* sim) {
  if (sim->Now() != Instant::Zero() || sim->events_run() != 0) {
    return absl::FailedPreconditionError("the real-time loop needs a fresh simulator");
  }
  UniqueFd ep(epoll_create1(EPOLL_CLOEXEC));
  if (!ep.valid()) return SysError("epoll_create1");
  UniqueFd timer(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (!timer.valid()) return SysError("timerfd_create");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kTimerTag;
  if (epoll_ctl(ep.get(), EPOLL_CTL_ADD, timer.get(), &ev) != 0) return SysError("epoll_ctl");
  UniqueFd wake(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake.valid()) return SysError("eventfd");
  ev.data.u64 = kWakeTag;
  if (epoll_ctl(ep.get(), EPOLL_CTL_ADD, wake.get(), &ev) != 0) return SysError("epoll_ctl");
  // Timers fire within the default 50 us slack; TCP's timers want better
  // than that at data-centre RTTs, and the cost is a few more wake-ups.
  prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
  return std::unique_ptr<RealTimeLoop>(
      new RealTimeLoop(sim, std::move(ep), std::move(timer), std::move(wake), MonotonicNs()));
}

RealTimeLoop::RealTimeLoop(netsim::Simulator* sim, UniqueFd epoll, UniqueFd timer, UniqueFd wake,
                           int64_t zero_ns)
    : sim_(sim),
      epoll_(std::move(epoll)),
      timer_(std::move(timer)),
      wake_(std::move(wake)),
      zero_ns_(zero_ns) {}

void RealTimeLoop::Wake() {
  const uint64_t one = 1;
  (void)!write(wake_.get(), &one, sizeof(one));
}

Instant RealTimeLoop::Now() const { return Instant::FromNanos(MonotonicNs() - zero_ns_); }

absl::Status RealTimeLoop::Add(Source* source) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = sources_.size();
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, source->fd(), &ev) != 0) {
    return SysError(absl::StrCat("epoll_ctl(ADD fd ", source->fd(), ")"));
  }
  sources_.push_back(source);
  write_interest_.push_back(false);
  return absl::OkStatus();
}

void RealTimeLoop::UpdateWriteInterest(int index) {
  const bool want = sources_[index]->WantsWrite();
  if (want == write_interest_[index]) return;
  epoll_event ev{};
  ev.events = want ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
  ev.data.u64 = static_cast<uint64_t>(index);
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, sources_[index]->fd(), &ev) == 0) {
    write_interest_[index] = want;
  }
}

absl::Status RealTimeLoop::ArmTimer(Instant at) {
  if (at == armed_) return absl::OkStatus();
  itimerspec spec{};
  if (!at.is_infinite()) {
    const int64_t abs_ns = zero_ns_ + at.nanos();
    spec.it_value.tv_sec = abs_ns / 1'000'000'000;
    spec.it_value.tv_nsec = abs_ns % 1'000'000'000;
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
  }
  if (timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &spec, nullptr) != 0) {
    return SysError("timerfd_settime");
  }
  armed_ = at;
  return absl::OkStatus();
}

void RealTimeLoop::Turn(Instant now) {
  sim_->RunUntil(now);
  for (Source* s : sources_) s->Flush(now);
  ++turns_;
}

absl::StatusOr<bool> RealTimeLoop::Run(absl::FunctionRef<bool()> done, Instant limit) {
  epoll_event events[16];
  for (;;) {
    Instant now = Now();
    if (now > limit) now = std::max(limit, sim_->Now());
    Turn(now);
    if (done()) return true;
    if (now >= limit) return false;
    for (size_t i = 0; i < sources_.size(); ++i) UpdateWriteInterest(static_cast<int>(i));

    const Instant next = std::min(sim_->NextEventTime(), limit);
    int timeout_ms = -1;
    if (next <= Now()) {
      timeout_ms = 0;  // already due: only collect what is readable
    } else if (absl::Status s = ArmTimer(next); !s.ok()) {
      return s;
    }
    const int n = epoll_wait(epoll_.get(), events, 16, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      return SysError("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      const uint64_t tag = events[i].data.u64;
      if (tag == kWakeTag) {  // only to look at done() again
        uint64_t count;
        (void)!read(wake_.get(), &count, sizeof(count));
        continue;
      }
      if (tag == kTimerTag) {
        uint64_t expirations;
        (void)!read(timer_.get(), &expirations, sizeof(expirations));
        armed_ = Instant::Infinite();  // a fired absolute timer is disarmed
        continue;
      }
      if ((events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) {
        // Events due before the packet's arrival run first, so that the
        // packet meets the network as it is at `t`.
        const Instant t = std::min(Now(), limit);
        sim_->RunUntil(t);
        sources_[tag]->OnReadable(t);
      }
    }
  }
}

}  // namespace tcplab::live
