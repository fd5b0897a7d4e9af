#ifndef TCPLAB_TOOLS_CLI_LIVE_COMMAND_H_
#define TCPLAB_TOOLS_CLI_LIVE_COMMAND_H_

// `tcplab get`, `tcplab serve`, `tcplab connect`: tcplab's engine on a real
// wire (netsim/live), in real time, with the same timeline and per-connection
// summary as a simulation.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "netsim/live/live_host.h"

namespace tcplab::cli {

// The flags every live command shares, as given.
struct LiveFlags {
  std::string iface;          // AF_PACKET on this Ethernet interface, or
  std::string tun;            // this TUN device
  std::string tun_kernel_ip;  // TUN: the kernel's side, ADDR (same prefix as --ip)
  std::string ip;             // tcplab's own ADDR/PREFIX
  std::string gateway;
  std::string mac;
  // Impairments tcplab applies in user space, both directions.
  std::string loss;     // "1%"
  std::string delay;    // "20ms"
  std::string jitter;   // "5ms"
  std::string reorder;  // "2%"
  std::string pcap;
  bool timeline = true;  // print the timeline (stderr) at the end
  bool full_timeline = false;
  std::string timeout = "30s";  // get/connect: give up after this
};

// Checks and converts the flags. The error names the flag and what is
// expected.
absl::StatusOr<live::LiveHostOptions> ParseLiveFlags(const LiveFlags& flags);

// An http://ADDR[:PORT]/PATH URL with a numeric IPv4 address (tcplab has no
// resolver).
struct HttpUrl {
  wire::Ipv4Address address;
  uint16_t port = 80;
  std::string host;  // as written, for the Host header
  std::string path = "/";
};
absl::StatusOr<HttpUrl> ParseHttpUrl(const std::string& url);

// Each returns the process's exit code: 0 on success, 1 on failure (the
// reason printed), 2 on bad usage.
int GetCommand(const std::string& url, const LiveFlags& flags);
// mode: echo, discard or http. exit_after: stop after that many connections
// have closed (0: run until SIGINT/SIGTERM).
int ServeCommand(uint16_t port, const std::string& mode, int exit_after, const LiveFlags& flags);
int ConnectCommand(const std::string& address, const std::string& port, const LiveFlags& flags);

}  // namespace tcplab::cli

#endif  // TCPLAB_TOOLS_CLI_LIVE_COMMAND_H_
