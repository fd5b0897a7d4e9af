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
#include "tcp/wire/byte_order.h"
#include "tcp/wire/checksum.h"

namespace tcplab::live {
namespace {

constexpr size_t kReadSlot = 65536 + 64;  // a GSO aggregate and its header
constexpr size_t kWriteSlot = 9216 + 64;  // a jumbo frame
// Frames queued for one Flush (segmentation offload merges within it).
constexpr int kWriteQueue = 512;
// struct virtio_net_hdr of <linux/virtio_net.h> (which C++ cannot include:
// it has a member named `class`), in host byte order, as AF_PACKET takes it.
struct VirtioNetHdr {
  uint8_t flags;
  uint8_t gso_type;
  uint16_t hdr_len;
  uint16_t gso_size;
  uint16_t csum_start;
  uint16_t csum_offset;
};
static_assert(sizeof(VirtioNetHdr) == 10);
constexpr uint8_t kVirtioNetHdrNeedsCsum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
constexpr uint8_t kVirtioNetHdrGsoTcpV4 = 1;   // VIRTIO_NET_HDR_GSO_TCPV4
constexpr size_t kVnet = sizeof(VirtioNetHdr);
constexpr size_t kEth = 14;
// A GSO frame's headers: virtio_net_hdr, Ethernet, IPv4 and TCP (each at
// most 60 bytes).
constexpr size_t kHeaderBlock = kVnet + kEth + 60 + 60;
constexpr size_t kControl = CMSG_SPACE(sizeof(tpacket_auxdata));


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
      out_(std::max(batch, kWriteQueue), kWriteSlot),
      in_msgs_(batch),
      in_iov_(2 * batch),
      in_from_(batch),
      in_control_(batch * kControl),
      in_vnet_(batch * kVnet),
      out_msgs_(out_.capacity()),
      out_iov_(2 * out_.capacity()),
      out_hdrs_(out_.capacity() * kHeaderBlock),
      out_frames_(out_.capacity()),
      out_skipped_(out_.capacity()) {}

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
  // Segmentation offload: every frame read or written then starts with a
  // virtio_net_hdr.
  const bool gso = options.gso && setsockopt(fd.get(), SOL_PACKET, PACKET_VNET_HDR, &one,
                                             sizeof(one)) == 0;
  const int batch = options.batch < 1 ? 1 : options.batch;
  auto socket = std::unique_ptr<PacketSocket>(
      new PacketSocket(std::move(fd), interface, static_cast<int>(ifindex), mtu, batch));
  socket->ignores_outgoing_ = ignores_outgoing;
  socket->gso_ = gso;
  socket->coalesce_acks_ = options.coalesce_acks;
  socket->interface_mac_ = mac;
  return socket;
}

absl::StatusOr<int> PacketSocket::ReadBatch(int max_packets, PacketFn on_packet) {
  const int n_max = std::min(max_packets, in_.capacity());
  if (n_max <= 0) return 0;
  mmsghdr* msgs = in_msgs_.data();
  for (int i = 0; i < n_max; ++i) {
    iovec* iov = &in_iov_[2 * i];
    int n_iov = 0;
    if (gso_) iov[n_iov++] = {in_vnet_.data() + i * kVnet, kVnet};
    iov[n_iov++] = {in_.slot(i), in_.slot_bytes()};
    msgs[i].msg_hdr = {};
    msgs[i].msg_hdr.msg_name = &in_from_[i];
    msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_ll);
    msgs[i].msg_hdr.msg_iov = iov;
    msgs[i].msg_hdr.msg_iovlen = n_iov;
    msgs[i].msg_hdr.msg_control = in_control_.data() + i * kControl;
    msgs[i].msg_hdr.msg_controllen = kControl;
  }
  ++counters_.read_calls;
  const int n = recvmmsg(fd_.get(), msgs, n_max, MSG_DONTWAIT, nullptr);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
    return SysError("recvmmsg on " + name_);
  }
  for (int i = 0; i < n; ++i) {
    const msghdr& h = msgs[i].msg_hdr;
    if (!ignores_outgoing_ && in_from_[i].sll_pkttype == PACKET_OUTGOING) continue;
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
    const size_t vnet = gso_ ? kVnet : 0;
    if (msgs[i].msg_len < vnet) continue;
    const size_t len = msgs[i].msg_len - vnet;
    ++counters_.read;
    counters_.read_bytes += len;
    if (pending) ++counters_.checksum_pending;
    on_packet(absl::MakeConstSpan(in_.slot(i), len), pending);
  }
  if (n < n_max) {  // drained: ask what the kernel could not queue meanwhile
    tpacket_stats st{};
    socklen_t st_len = sizeof(st);
    if (getsockopt(fd_.get(), SOL_PACKET, PACKET_STATISTICS, &st, &st_len) == 0) {
      counters_.kernel_drops += st.tp_drops;  // the kernel resets it on each read
    }
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

// Whether frame `b` is a pure ACK of the same connection as pure ACK `a`
// that acknowledges more, so that `a` need not be sent.
bool Supersedes(const uint8_t* a, size_t a_len, const uint8_t* b, size_t b_len) {
  auto pure_ack = [](const uint8_t* f, size_t len) -> size_t {  // its headers' length, or 0
    if (len < kEth + 40 || wire::GetU16(f + 12) != 0x0800) return 0;
    const uint8_t* ip = f + kEth;
    if (ip[0] != 0x45 || ip[9] != 6) return 0;
    const size_t thl = (ip[32] >> 4) * 4u;
    if (thl < 20 || wire::GetU16(ip + 2) != 20 + thl || ip[33] != 0x10) return 0;
    return kEth + 20 + thl;
  };
  const size_t ha = pure_ack(a, a_len);
  if (ha == 0 || pure_ack(b, b_len) != ha) return false;
  const uint8_t* ta = a + kEth + 20;
  const uint8_t* tb = b + kEth + 20;
  const int32_t advance = static_cast<int32_t>(wire::GetU32(tb + 8) - wire::GetU32(ta + 8));
  return std::memcmp(a, b, kEth) == 0 && std::memcmp(a + kEth + 12, b + kEth + 12, 8) == 0 &&
         std::memcmp(ta, tb, 8) == 0 && advance > 0;  // ports, seq; more acknowledged
}

int PacketSocket::Coalesce(int first, int last, uint8_t* hdr, size_t* hdr_len) {
  // As GRO decides which segments make one: the same Ethernet, IPv4 (no
  // options, DF, not a fragment) and TCP headers but for the sequence
  // number (contiguous), the IP length, id and checksums; plain ACKs all
  // but the last, which may also carry PSH; every payload but the last's
  // full size (the first's), the last's no larger; 64 KiB at most.
  const uint8_t* a = out_.slot(first);
  const size_t a_len = out_.length(first);
  if (a_len < kEth + 40 || wire::GetU16(a + 12) != 0x0800) return 1;
  const uint8_t* ip = a + kEth;
  if (ip[0] != 0x45 || ip[9] != 6 || wire::GetU16(ip + 2) != a_len - kEth) return 1;
  if ((wire::GetU16(ip + 6) & 0x7fff) != 0x4000) return 1;  // DF, offset 0, no MF
  const uint8_t* tcp = ip + 20;
  const size_t thl = (tcp[12] >> 4) * 4u;
  const size_t headers = kEth + 20 + thl;
  if (thl < 20 || headers >= a_len || tcp[13] != 0x10) return 1;
  const size_t mss = a_len - headers;
  const uint32_t seq = wire::GetU32(tcp + 4);
  size_t payload = mss;
  uint8_t flags = tcp[13];
  int k = 1;
  for (int g = first + 1; g < last; ++g) {
    const uint8_t* b = out_.slot(g);
    const size_t b_len = out_.length(g);
    if (b_len <= headers || b_len - headers > mss) break;
    const size_t p = b_len - headers;
    if (20 + thl + payload + p > 65535) break;
    const uint8_t* bip = b + kEth;
    const uint8_t* btcp = bip + 20;
    if (std::memcmp(b, a, kEth + 2) != 0 ||                  // Ethernet; IP version, TOS
        wire::GetU16(bip + 2) != b_len - kEth ||                    // no padding
        std::memcmp(bip + 6, ip + 6, 4) != 0 ||               // fragment, TTL, protocol
        std::memcmp(bip + 12, ip + 12, 8) != 0 ||             // addresses
        std::memcmp(btcp, tcp, 4) != 0 ||                     // ports
        wire::GetU32(btcp + 4) != seq + static_cast<uint32_t>(payload) ||
        std::memcmp(btcp + 8, tcp + 8, 5) != 0 ||             // ack, data offset
        (btcp[13] != 0x10 && btcp[13] != 0x18) ||             // ACK, or ACK|PSH
        std::memcmp(btcp + 14, tcp + 14, 2) != 0 ||           // window
        std::memcmp(btcp + 18, tcp + 18, thl - 18) != 0) {    // urgent pointer, options
      break;
    }
    payload += p;
    flags = btcp[13];
    ++k;
    if (p < mss || flags != 0x10) break;  // that was the last one
  }
  if (k == 1) return 1;

  VirtioNetHdr v{};
  v.flags = kVirtioNetHdrNeedsCsum;
  v.gso_type = kVirtioNetHdrGsoTcpV4;
  v.hdr_len = static_cast<uint16_t>(headers);
  v.gso_size = static_cast<uint16_t>(mss);
  v.csum_start = static_cast<uint16_t>(kEth + 20);
  v.csum_offset = 16;
  std::memcpy(hdr, &v, kVnet);
  uint8_t* h = hdr + kVnet;
  std::memcpy(h, a, headers);
  uint8_t* hip = h + kEth;
  uint8_t* htcp = hip + 20;
  const size_t tcp_len = thl + payload;
  wire::PutU16(hip + 2, static_cast<uint16_t>(20 + tcp_len));
  hip[10] = hip[11] = 0;
  wire::PutU16(hip + 10, wire::InternetChecksum(absl::MakeConstSpan(hip, 20)));
  htcp[13] = flags;  // PSH, if any, from the last segment, as TSO puts it back
  // CHECKSUM_PARTIAL: the field holds the pseudo-header sum; the kernel
  // completes each segment's checksum if it ever cuts the frame.
  wire::ChecksumAccumulator acc;
  acc.Add(absl::MakeConstSpan(hip + 12, 8));
  acc.AddU16(6);
  acc.AddU16(static_cast<uint16_t>(tcp_len));
  wire::PutU16(htcp + 16, static_cast<uint16_t>(~acc.Finish()));
  *hdr_len = kVnet + headers;
  return k;
}

absl::Status PacketSocket::Flush() {
  static const uint8_t kNoOffload[kVnet] = {};
  while (!out_.empty()) {
    const int first = out_.head();
    const int end = out_.count();
    int m = 0;
    size_t used_iov = 0;
    for (int f = first; f < end; ++m) {
      int skipped = 0;
      while (coalesce_acks_ && f + 1 < end &&
             Supersedes(out_.slot(f), out_.length(f), out_.slot(f + 1), out_.length(f + 1))) {
        ++f;
        ++skipped;
      }
      iovec* iov = &out_iov_[used_iov];
      int n_iov = 0;
      int k = 1;
      if (gso_) {
        uint8_t* hdr = out_hdrs_.data() + m * kHeaderBlock;
        size_t hdr_len = 0;
        k = Coalesce(f, end, hdr, &hdr_len);
        if (k > 1) {
          iov[n_iov++] = {hdr, hdr_len};
          const size_t headers = hdr_len - kVnet;
          for (int j = 0; j < k; ++j) {
            iov[n_iov++] = {out_.slot(f + j) + headers, out_.length(f + j) - headers};
          }
          ++counters_.gso_frames;
          counters_.gso_segments += k;
        } else {
          iov[n_iov++] = {const_cast<uint8_t*>(kNoOffload), kVnet};
        }
      }
      if (k == 1) iov[n_iov++] = {out_.slot(f), out_.length(f)};
      out_msgs_[m].msg_hdr = {};
      out_msgs_[m].msg_hdr.msg_iov = iov;
      out_msgs_[m].msg_hdr.msg_iovlen = n_iov;
      out_frames_[m] = k + skipped;
      out_skipped_[m] = skipped;
      used_iov += n_iov;
      f += k;
    }
    ++counters_.write_calls;
    const int sent = sendmmsg(fd_.get(), out_msgs_.data(), m, MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) return absl::OkStatus();
      if (errno == EINTR) continue;
      // This packet is refused (too long, say): drop it, send the rest.
      ++counters_.write_errors;
      out_.Consume(out_frames_[0]);
      continue;
    }
    int frames = 0;
    for (int i = 0; i < sent; ++i) {
      for (int j = out_skipped_[i]; j < out_frames_[i]; ++j) {
        ++counters_.written;
        counters_.written_bytes += out_.length(first + frames + j);
      }
      counters_.acks_coalesced += out_skipped_[i];
      frames += out_frames_[i];
    }
    out_.Consume(frames);
  }
  return absl::OkStatus();
}

}  // namespace tcplab::live
