#ifndef TCPLAB_NETSIM_LIVE_UNIQUE_FD_H_
#define TCPLAB_NETSIM_LIVE_UNIQUE_FD_H_

// Owns a file descriptor and closes it once.

#include <unistd.h>

#include <utility>

namespace tcplab::live {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

}  // namespace tcplab::live

#endif  // TCPLAB_NETSIM_LIVE_UNIQUE_FD_H_
