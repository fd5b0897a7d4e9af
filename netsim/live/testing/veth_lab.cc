#include "netsim/live/testing/veth_lab.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace tcplab::live::testing {
namespace {

// Runs `command` with /bin/sh, inside the namespace `ns_fd` (-1: here),
// and returns what it printed (stdout and stderr).
absl::StatusOr<std::string> RunShell(const std::string& command, int ns_fd = -1) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return absl::InternalError("pipe2 failed");
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(out[1], 2);
    if (ns_fd >= 0 && setns(ns_fd, CLONE_NEWNET) != 0) _exit(126);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string text;
  std::array<char, 4096> buf;
  ssize_t n;
  while ((n = read(out[0], buf.data(), buf.size())) > 0) text.append(buf.data(), n);
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(
        absl::StrFormat("`%s` failed (status %d): %s", command, status, text));
  }
  return text;
}

}  // namespace

absl::StatusOr<std::unique_ptr<VethLab>> VethLab::Create(const Options& options) {
  if (unshare(CLONE_NEWNET) != 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot create a network namespace (unshare(CLONE_NEWNET): ", std::strerror(errno),
        "): live tests need root or CAP_SYS_ADMIN + CAP_NET_ADMIN + CAP_NET_RAW, and "
        "Bazel's tags = [\"local\"] so that the sandbox keeps them"));
  }
  if (access("/usr/sbin/ip", X_OK) != 0 && access("/sbin/ip", X_OK) != 0 &&
      access("/usr/bin/ip", X_OK) != 0) {
    return absl::UnavailableError("`ip` (iproute2) is not installed: run tools/setup");
  }
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) return absl::InternalError("pipe2 failed");
  const pid_t parent = getpid();
  const pid_t holder = fork();
  if (holder < 0) return absl::InternalError("fork failed");
  if (holder == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    const char ok = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
    (void)!write(ready[1], &ok, 1);
    for (;;) pause();
  }
  close(ready[1]);
  char ok = 'n';
  (void)!read(ready[0], &ok, 1);
  close(ready[0]);
  if (ok != 'y') {
    kill(holder, SIGKILL);
    waitpid(holder, nullptr, 0);
    return absl::UnavailableError("the peer process could not create its network namespace");
  }
  const int ns_fd = open(absl::StrCat("/proc/", holder, "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
  auto lab = std::unique_ptr<VethLab>(new VethLab(holder, ns_fd));
  if (ns_fd < 0) return absl::InternalError("cannot open the peer's namespace");

  const std::string mtu = absl::StrCat(options.mtu);
  for (const std::string& cmd : {
           absl::StrCat("ip link set lo up"),
           absl::StrCat("ip link add ", kTcplabInterface, " mtu ", mtu, " type veth peer name ",
                        kPeerInterface, " mtu ", mtu, " netns ", holder),
           absl::StrCat("ip link set ", kTcplabInterface, " up"),
       }) {
    if (absl::StatusOr<std::string> r = RunShell(cmd); !r.ok()) {
      return absl::UnavailableError(absl::StrCat("setting up the test network: ", r.status().message()));
    }
  }
  // No IPv6 on tcplab's side: the kernel would send router solicitations
  // and DAD probes from tl0 that only clutter captures.
  (void)RunShell(absl::StrCat("echo 1 > /proc/sys/net/ipv6/conf/", kTcplabInterface,
                              "/disable_ipv6"));
  for (const std::string& cmd : {
           std::string("ip link set lo up"),
           absl::StrCat("ip addr add ", PeerAddress().ToString(), "/", kPrefixLength, " dev ",
                        kPeerInterface),
           absl::StrCat("ip link set ", kPeerInterface, " up"),
           absl::StrCat("echo 1 > /proc/sys/net/ipv6/conf/", kPeerInterface, "/disable_ipv6"),
       }) {
    if (absl::StatusOr<std::string> r = lab->PeerCommand(cmd); !r.ok()) {
      return absl::UnavailableError(absl::StrCat("setting up the peer: ", r.status().message()));
    }
  }
  return lab;
}

VethLab::~VethLab() {
  for (pid_t p : spawned_) {
    kill(p, SIGKILL);
    waitpid(p, nullptr, 0);
  }
  if (peer_ns_fd_ >= 0) close(peer_ns_fd_);
  kill(holder_, SIGKILL);
  waitpid(holder_, nullptr, 0);
}

std::thread VethLab::InPeer(std::function<void()> fn) const {
  const int ns = peer_ns_fd_;
  return std::thread([ns, fn = std::move(fn)] {
    if (setns(ns, CLONE_NEWNET) != 0) {
      std::fprintf(stderr, "setns into the peer namespace failed: %s\n", std::strerror(errno));
      std::abort();
    }
    fn();
  });
}

absl::StatusOr<std::string> VethLab::PeerCommand(const std::string& command) const {
  return RunShell(command, peer_ns_fd_);
}

absl::StatusOr<pid_t> VethLab::SpawnInPeer(const std::string& command) {
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (setns(peer_ns_fd_, CLONE_NEWNET) != 0) _exit(126);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  spawned_.push_back(pid);
  return pid;
}

absl::StatusOr<std::string> VethLab::LocalCommand(const std::string& command) {
  return RunShell(command);
}

}  // namespace tcplab::live::testing
