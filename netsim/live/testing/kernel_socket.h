#ifndef TCPLAB_NETSIM_LIVE_TESTING_KERNEL_SOCKET_H_
#define TCPLAB_NETSIM_LIVE_TESTING_KERNEL_SOCKET_H_

// The Linux kernel's side of a live test or benchmark: plain TCP sockets,
// each bounded in time. No kernel call may block a run forever: accept,
// recv and send give up after 30 s of silence (SO_RCVTIMEO / SO_SNDTIMEO;
// accept honours the former), so a stalled run fails instead of hanging.

#include <netinet/in.h>

#include <cstdint>

#include "tcp/wire/ipv4_address.h"

namespace tcplab::live::testing {

sockaddr_in Inet(wire::Ipv4Address address, uint16_t port);
// Sets the 30 s bounds on `fd`.
void Bounded(int fd);
// A bounded TCP socket; -1 on failure.
int KernelSocket();
// A bounded listener on 0.0.0.0:port (SO_REUSEADDR); -1 on failure.
int KernelListen(uint16_t port);
// accept4 on `listener`, the new socket bounded; -1 on failure.
int KernelAccept(int listener);

}  // namespace tcplab::live::testing

#endif  // TCPLAB_NETSIM_LIVE_TESTING_KERNEL_SOCKET_H_
