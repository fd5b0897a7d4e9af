#include "netsim/live/packet_socket.h"

#include <arpa/inet.h>
#include <net/if_arp.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "netsim/live/sys_error.h"

namespace tcplab::live {
namespace {

constexpr size_t kReadSlot = 65536 + 64;  // a GSO aggregate and its header
constexpr size_t kWriteSlot = 9216 + 64;  // a jumbo frame

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

}  // namespace

PacketSocket::PacketSocket(UniqueFd fd, std::string name, int ifindex, int mtu, int batch)
    : fd_(std::move(fd)),
      name_(std::move(name)),
      ifindex_(ifindex),
      mtu_(mtu),
      in_(batch, kReadSlot),
      out_(batch, kWriteSlot) {}

absl::StatusOr<std::unique_ptr<PacketSocket>> PacketSocket::Open(const std::string& interface,
                                                               Options options) {
  if (interface.empty() || interface.size() >= IFNAMSIZ) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", interface, "' is not an interface name (see `ip link`)"));
  }
  const unsigned ifindex = if_nametoindex(interface.c_str());
  if (ifindex == 0) {
    return absl::NotFoundError(absl::StrCat("no network interface named '", interface,
                                            "' here (list them with `ip link`)"));
  }
  UniqueFd fd(socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL)));
  if (!fd.valid()) {
    if (errno == EPERM || errno == EACCES) {
      return absl::PermissionDeniedError(absl::StrCat(
          "opening a raw AF_PACKET socket on ", interface,
          " needs CAP_NET_RAW: run tcplab as root, or grant the capability once with "
          "`sudo setcap cap_net_raw,cap_net_admin+ep <path of the tcplab binary>`"));
    }
    return SysError("socket(AF_PACKET)");
  }

  ifreq ifr{};
  std::memcpy(ifr.ifr_name, interface.c_str(), interface.size());
  if (ioctl(fd.get(), SIOCGIFHWADDR, &ifr) != 0) return SysError("SIOCGIFHWADDR " + interface);
  if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "interface %s is not an Ethernet interface (hardware type %d): the packet backend "
        "needs Ethernet; for an IP-only path use a TUN device (--tun)",
        interface, ifr.ifr_hwaddr.sa_family));
  }
  std::array<uint8_t, 6> mac;
  std::memcpy(mac.data(), ifr.ifr_hwaddr.sa_data, 6);
  if (ioctl(fd.get(), SIOCGIFMTU, &ifr) != 0) return SysError("SIOCGIFMTU " + interface);
  const int mtu = ifr.ifr_mtu;
  if (ioctl(fd.get(), SIOCGIFFLAGS, &ifr) != 0) return SysError("SIOCGIFFLAGS " + interface);
  if ((ifr.ifr_flags & IFF_UP) == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "interface ", interface, " is down: bring it up with `ip link set ", interface, " up`"));
  }
  if (mtu + 14 > static_cast<int>(kWriteSlot)) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "interface %s has MTU %d; the packet backend handles at most %d", interface, mtu,
        static_cast<int>(kWriteSlot) - 14));
  }

  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons(ETH_P_ALL);
  addr.sll_ifindex = static_cast<int>(ifindex);
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return SysError("bind(AF_PACKET) to " + interface);
  }
  const int one = 1;
  // The checksum state of each frame (auxdata): a kernel peer on the same
  // machine leaves checksums to an offload that never happens on veth.
  if (setsockopt(fd.get(), SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) != 0) {
    return SysError("setsockopt(PACKET_AUXDATA)");
  }
  const bool ignores_outgoing =
      setsockopt(fd.get(), SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) == 0;
  if (options.promiscuous) {
    packet_mreq mr{};
    mr.mr_ifindex = static_cast<int>(ifindex);
    mr.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(fd.get(), SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) != 0) {
      return SysError("PACKET_ADD_MEMBERSHIP(promiscuous) on " + interface);
    }
  }
  // Large socket buffers: a burst of a window's worth of segments must not
  // overflow while the loop is busy. The FORCE variants pass rmem_max as
  // root; without privilege the plain ones give what the sysctl allows.
  const int bytes = 8 << 20;
  if (setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) != 0) {
    setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
  }
  if (setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof(bytes)) != 0) {
    setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
  }
  const int batch = options.batch < 1 ? 1 : options.batch;
  auto socket = std::unique_ptr<PacketSocket>(
      new PacketSocket(std::move(fd), interface, static_cast<int>(ifindex), mtu, batch));
  socket->ignores_outgoing_ = ignores_outgoing;
  socket->interface_mac_ = mac;
  return socket;
}

absl::StatusOr<int> PacketSocket::ReadBatch(int max_packets, PacketFn on_packet) {
  const int n_max = std::min(max_packets, in_.capacity());
  if (n_max <= 0) return 0;
  std::vector<mmsghdr> msgs(n_max);
  std::vector<iovec> iov(n_max);
  std::vector<sockaddr_ll> from(n_max);
  constexpr size_t kControl = CMSG_SPACE(sizeof(tpacket_auxdata));
  std::vector<uint8_t> control(n_max * kControl);
  for (int i = 0; i < n_max; ++i) {
    iov[i] = {in_.slot(i), in_.slot_bytes()};
    msgs[i].msg_hdr = {};
    msgs[i].msg_hdr.msg_name = &from[i];
    msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_ll);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_control = control.data() + i * kControl;
    msgs[i].msg_hdr.msg_controllen = kControl;
  }
  ++counters_.read_calls;
  const int n = recvmmsg(fd_.get(), msgs.data(), n_max, MSG_DONTWAIT, nullptr);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
    return SysError("recvmmsg on " + name_);
  }
  for (int i = 0; i < n; ++i) {
    const msghdr& h = msgs[i].msg_hdr;
    if (!ignores_outgoing_ && from[i].sll_pkttype == PACKET_OUTGOING) continue;
    if ((h.msg_flags & MSG_TRUNC) != 0) {
      ++counters_.read_truncated;
      continue;
    }
    bool pending = false;
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr;
         c = CMSG_NXTHDR(const_cast<msghdr*>(&h), c)) {
      if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
        tpacket_auxdata aux;
        std::memcpy(&aux, CMSG_DATA(c), sizeof(aux));
        pending = (aux.tp_status & TP_STATUS_CSUMNOTREADY) != 0;
      }
    }
    const size_t len = msgs[i].msg_len;
    ++counters_.read;
    counters_.read_bytes += len;
    if (pending) ++counters_.checksum_pending;
    on_packet(absl::MakeConstSpan(in_.slot(i), len), pending);
  }
  return n;
}

void PacketSocket::Queue(absl::Span<const uint8_t> frame) {
  if (frame.size() > out_.slot_bytes()) {
    ++counters_.write_errors;
    return;
  }
  if (out_.full()) {
    (void)Flush();
    out_.Compact();
    if (out_.full()) {  // the kernel's queue is full too: drop, as a NIC would
      ++counters_.write_errors;
      return;
    }
  }
  out_.Push(frame);
}

absl::Status PacketSocket::Flush() {
  while (!out_.empty()) {
    const int first = out_.head();
    const int n = out_.count() - first;
    std::vector<mmsghdr> msgs(n);
    std::vector<iovec> iov(n);
    for (int i = 0; i < n; ++i) {
      iov[i] = {out_.slot(first + i), out_.length(first + i)};
      msgs[i].msg_hdr = {};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    ++counters_.write_calls;
    const int sent = sendmmsg(fd_.get(), msgs.data(), n, MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) return absl::OkStatus();
      if (errno == EINTR) continue;
      // This packet is refused (too long, say): drop it, send the rest.
      ++counters_.write_errors;
      out_.Consume(1);
      continue;
    }
    for (int i = 0; i < sent; ++i) {
      ++counters_.written;
      counters_.written_bytes += out_.length(first + i);
    }
    out_.Consume(sent);
  }
  return absl::OkStatus();
}

}  // namespace tcplab::live
