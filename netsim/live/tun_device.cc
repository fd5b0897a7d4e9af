#include "netsim/live/tun_device.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "netsim/live/sys_error.h"

namespace tcplab::live {
namespace {

constexpr size_t kSlot = 65536;
constexpr int kBatch = 64;

sockaddr MakeInetAddr(uint32_t host_order) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(host_order);
  sockaddr out;
  std::memcpy(&out, &in, sizeof(in));
  return out;
}

absl::Status Configure(const std::string& name, const TunDevice::Options& o) {
  UniqueFd s(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s.valid()) return SysError("socket(AF_INET)");
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, name.c_str(), name.size());
  ifr.ifr_addr = MakeInetAddr(o.kernel_address->value());
  if (ioctl(s.get(), SIOCSIFADDR, &ifr) != 0) return SysError("SIOCSIFADDR on " + name);
  const uint32_t mask =
      o.prefix_length <= 0 ? 0 : ~uint32_t{0} << (32 - std::min(o.prefix_length, 32));
  ifr.ifr_netmask = MakeInetAddr(mask);
  if (ioctl(s.get(), SIOCSIFNETMASK, &ifr) != 0) return SysError("SIOCSIFNETMASK on " + name);
  ifr.ifr_mtu = o.mtu;
  if (ioctl(s.get(), SIOCSIFMTU, &ifr) != 0) return SysError("SIOCSIFMTU on " + name);
  if (ioctl(s.get(), SIOCGIFFLAGS, &ifr) != 0) return SysError("SIOCGIFFLAGS on " + name);
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(s.get(), SIOCSIFFLAGS, &ifr) != 0) return SysError("SIOCSIFFLAGS on " + name);
  return absl::OkStatus();
}

}  // namespace

TunDevice::TunDevice(UniqueFd fd, std::string name, int mtu)
    : fd_(std::move(fd)), name_(std::move(name)), mtu_(mtu), in_(kBatch, kSlot), out_(kBatch, kSlot) {}

absl::StatusOr<std::unique_ptr<TunDevice>> TunDevice::Open(const std::string& name,
                                                          const Options& options) {
  if (name.size() >= IFNAMSIZ) {
    return absl::InvalidArgumentError(
        absl::StrFormat("TUN device name '%s' is longer than %d characters", name, IFNAMSIZ - 1));
  }
  if (options.mtu < 576 || options.mtu > static_cast<int>(kSlot)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "TUN MTU %d is outside 576..%d", options.mtu, static_cast<int>(kSlot)));
  }
  UniqueFd fd(open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT || errno == ENODEV || errno == ENXIO) {
      return absl::UnavailableError(
          "TUN device unavailable: /dev/net/tun does not exist (load the driver with "
          "`modprobe tun`; in a container, start it with `--device /dev/net/tun` and "
          "CAP_NET_ADMIN)");
    }
    if (errno == EPERM || errno == EACCES) {
      return absl::PermissionDeniedError(
          "opening /dev/net/tun was refused: creating a TUN device needs CAP_NET_ADMIN; run "
          "tcplab as root or grant it once with "
          "`sudo setcap cap_net_raw,cap_net_admin+ep <path of the tcplab binary>`");
    }
    return SysError("open /dev/net/tun");
  }
  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::memcpy(ifr.ifr_name, name.c_str(), name.size());
  if (ioctl(fd.get(), TUNSETIFF, &ifr) != 0) {
    if (errno == EPERM || errno == EACCES) {
      return absl::PermissionDeniedError(absl::StrCat(
          "creating TUN device ", name.empty() ? "(any name)" : name,
          " needs CAP_NET_ADMIN: run tcplab as root or grant it once with "
          "`sudo setcap cap_net_raw,cap_net_admin+ep <path of the tcplab binary>`"));
    }
    if (errno == EBUSY) {
      return absl::AlreadyExistsError(
          absl::StrCat("TUN device ", name, " is in use by another process"));
    }
    if (errno == EINVAL) {
      return absl::FailedPreconditionError(
          absl::StrCat("'", name, "' exists and is not a TUN device"));
    }
    return SysError("TUNSETIFF " + name);
  }
  std::string actual(ifr.ifr_name, strnlen(ifr.ifr_name, IFNAMSIZ));
  if (options.kernel_address.has_value()) {
    if (absl::Status s = Configure(actual, options); !s.ok()) return s;
  }
  return std::unique_ptr<TunDevice>(new TunDevice(std::move(fd), std::move(actual), options.mtu));
}

absl::StatusOr<int> TunDevice::ReadBatch(int max_packets, PacketFn on_packet) {
  int n = 0;
  // TUN has no recvmmsg: one read per packet, until the queue is empty.
  while (n < max_packets) {
    ++counters_.read_calls;
    const ssize_t r = read(fd_.get(), in_.slot(0), in_.slot_bytes());
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
      return SysError("read from TUN " + name_);
    }
    ++n;
    ++counters_.read;
    counters_.read_bytes += r;
    on_packet(absl::MakeConstSpan(in_.slot(0), static_cast<size_t>(r)), false);
  }
  return n;
}

void TunDevice::Queue(absl::Span<const uint8_t> packet) {
  if (packet.size() > out_.slot_bytes()) {
    ++counters_.write_errors;
    return;
  }
  if (out_.full()) {
    (void)Flush();
    out_.Compact();
    if (out_.full()) {
      ++counters_.write_errors;
      return;
    }
  }
  out_.Push(packet);
}

absl::Status TunDevice::Flush() {
  while (!out_.empty()) {
    const int i = out_.head();
    ++counters_.write_calls;
    const ssize_t w = write(fd_.get(), out_.slot(i), out_.length(i));
    if (w < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return absl::OkStatus();
      if (errno == EINTR) continue;
      ++counters_.write_errors;  // refused (EINVAL for a bad packet, EIO when down)
    } else {
      ++counters_.written;
      counters_.written_bytes += out_.length(i);
    }
    out_.Consume(1);
  }
  return absl::OkStatus();
}

}  // namespace tcplab::live
