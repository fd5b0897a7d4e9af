#ifndef TCPLAB_NETSIM_LIVE_TESTING_VETH_LAB_H_
#define TCPLAB_NETSIM_LIVE_TESTING_VETH_LAB_H_

// A private two-namespace network for one live test, which nothing
// outside the test can see and which cannot outlive it:
//
//   test process, in a fresh network namespace      peer namespace (the kernel)
//   tl0: up, no address; tcplab's AF_PACKET  <-veth->  k0: 10.77.0.1/24
//   socket uses it with 10.77.0.2
//
// The test process leaves its original namespace for good (unshare), so
// its interfaces vanish when it exits, whatever happens. The peer
// namespace is held by a child process that the kernel kills when the test
// dies (PR_SET_PDEATHSIG), so it vanishes too. No named namespace, nothing
// to clean up by hand, and all traffic stays inside.
//
// The Linux kernel's TCP is the peer: run code in its namespace with
// InPeer (a thread whose sockets are the kernel's there) or a command with
// PeerCommand / SpawnInPeer (a child process that joins the namespace).

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "tcp/wire/ipv4_address.h"

namespace tcplab::live::testing {

class VethLab {
 public:
  struct Options {
    int mtu = 1500;
  };

  // Unavailable (with the reason) without the privileges to create
  // namespaces and interfaces: the caller skips. Call before any thread is
  // started: the whole test process changes namespace.
  static absl::StatusOr<std::unique_ptr<VethLab>> Create(const Options& options);
  ~VethLab();

  static constexpr const char* kTcplabInterface = "tl0";
  static constexpr const char* kPeerInterface = "k0";
  static wire::Ipv4Address PeerAddress() { return wire::Ipv4Address(10, 77, 0, 1); }
  static wire::Ipv4Address TcplabAddress() { return wire::Ipv4Address(10, 77, 0, 2); }
  // A second address on the link that nobody answers ARP for.
  static wire::Ipv4Address SilentAddress() { return wire::Ipv4Address(10, 77, 0, 99); }
  static constexpr int kPrefixLength = 24;

  // Runs `fn` on a new thread inside the peer namespace.
  std::thread InPeer(std::function<void()> fn) const;
  // Runs `command` through /bin/sh in the peer namespace and returns its
  // standard output; an error with its output if it exits non-zero.
  absl::StatusOr<std::string> PeerCommand(const std::string& command) const;
  // Starts `command` in the peer namespace in the background; it is
  // killed at destruction at the latest.
  absl::StatusOr<pid_t> SpawnInPeer(const std::string& command);
  // Runs `command` here, in the test's own namespace.
  static absl::StatusOr<std::string> LocalCommand(const std::string& command);

  pid_t peer_holder() const { return holder_; }

 private:
  VethLab(pid_t holder, int peer_ns_fd) : holder_(holder), peer_ns_fd_(peer_ns_fd) {}

  pid_t holder_;
  int peer_ns_fd_;
  std::vector<pid_t> spawned_;
};

}  // namespace tcplab::live::testing

#endif  // TCPLAB_NETSIM_LIVE_TESTING_VETH_LAB_H_
