#ifndef TCPLAB_NETSIM_BACKEND_H_
#define TCPLAB_NETSIM_BACKEND_H_

// The one seam between a host's TCP stack and a network.
//
// The simulator implements Backend with virtual time and impaired links; the
// live backends (AF_PACKET, TUN) implement it with the monotonic clock and a
// file descriptor. A host (its stack plus its applications) implements
// BackendClient and never knows which one it sits on: there is no
// "if (simulated)" anywhere above this line.

#include <cstdint>

#include "absl/types/span.h"
#include "tcp/base/instant.h"

namespace tcplab::netsim {

// What a backend calls on the host attached to it.
class BackendClient {
 public:
  virtual ~BackendClient() = default;
  // An IPv4 packet arrived for this host at `now`. The bytes are valid only
  // during the call.
  //
  // The backend has already checked it as a host's IP layer does: a
  // well-formed IPv4 header with a good header checksum, addressed to this
  // host, with a good TCP/UDP checksum. Packets failing a check never get
  // here; the backend drops and counts them with their reason. Checking once,
  // here, spares the stack a second pass over every payload byte.
  virtual void OnPacket(Instant now, absl::Span<const uint8_t> ip_packet) = 0;
  // The time the host asked for with WakeAt has come.
  virtual void OnWake(Instant now) = 0;
};

// What a host calls on its backend.
class Backend {
 public:
  virtual ~Backend() = default;
  // The backend's current time (virtual or monotonic).
  virtual Instant Now() const = 0;
  // Hands an IPv4 packet to the network. The bytes are copied before the
  // call returns. Never calls back into the client synchronously.
  virtual void Send(absl::Span<const uint8_t> ip_packet) = 0;
  // Optional: memory for the next packet, `size` bytes, to build it in
  // place; a Send of (a prefix of) exactly that memory then takes it
  // without a copy. Valid until the next call into the backend. Empty
  // (the default): none; Send copies.
  virtual absl::Span<uint8_t> SendBuffer(size_t /*size*/) { return {}; }
  // The client promises that every packet it sends carries correct IPv4 and
  // TCP checksums (a tcp::Stack's serializer computes them). A backend may
  // then treat them as a NIC or veth treats locally generated packets
  // (Linux's CHECKSUM_UNNECESSARY): only a packet that could have changed
  // on the way (the simulator's corruption) is verified again on arrival.
  // Optional: a backend that always verifies ignores it.
  virtual void PromiseValidChecksums() {}
  // Asks the backend to compute the transport checksum of every packet the
  // client sends (which then may leave the field 0), as a NIC's transmit
  // offload does, before anything reads the bytes; and to deliver packets
  // without completing such checksums first, as the client then does not
  // read the field (it relies on the checks above). Returns whether the
  // backend does; by default it does not, and the client must checksum.
  virtual bool OffloadChecksums() { return false; }
  // Asks for OnWake at `when`; a later call replaces an earlier one, and
  // Instant::Infinite() cancels. A time not after Now() wakes as soon as the
  // backend regains control, never re-entrantly.
  virtual void WakeAt(Instant when) = 0;
  // Whether anything else may still happen at Now() before a wake-up asked
  // for at Now() would come (more packets of this instant on their way). If
  // not, a host may run what is due now at once instead of waiting for
  // OnWake: the same outcome, without the round trip. Default: maybe.
  virtual bool MoreMayHappenNow() const { return true; }
};

}  // namespace tcplab::netsim

#endif  // TCPLAB_NETSIM_BACKEND_H_
