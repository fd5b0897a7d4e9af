#ifndef TCPLAB_NETSIM_TEST_APPS_H_
#define TCPLAB_NETSIM_TEST_APPS_H_

// Applications for tests that run a real transfer between two StackHosts:
// a sender that writes a verifiable stream and a sink that checks every
// byte of it where it lands.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "netsim/stack_host.h"
#include "tcp/base/instant.h"
#include "tcp/counters.h"
#include "tcp/events.h"
#include "tcp/wire/ipv4_address.h"

namespace tcplab::netsim::testing {

// Byte i of the stream is StreamByte(i). The period is prime, so a segment
// delivered at a wrong offset (by any whole number of segments or windows
// short of ~95 MB) meets different bytes.
inline constexpr size_t kStreamPeriod = 65521;
// Up to one period of the stream starting at `offset`, contiguous.
absl::Span<const uint8_t> StreamAt(uint64_t offset, size_t max_len);

// Connects, writes `total` stream bytes as fast as the send buffer takes
// them, in writes of at most `chunk` (up to kStreamPeriod) bytes, then
// shuts down its sending side; it never closes (it waits for CLOSED).
class BulkSender : public Application {
 public:
  BulkSender(uint64_t total, wire::Ipv4Address server, uint16_t port, size_t chunk = 16384)
      : total_(total), server_(server), port_(port), chunk_(chunk) {}

  void Start(Instant now, StackHost& host);
  void OnEvent(Instant now, StackHost& host, const tcp::Event& e) override;

  tcp::SocketId socket = tcp::kInvalidSocket;
  uint64_t written = 0;
  bool shut = false;
  bool failed = false;  // reset or timed out
  Instant failed_at = Instant::Infinite();
  absl::Status error;
  bool closed = false;
  Instant closed_at = Instant::Infinite();

 private:
  void Pump(Instant now, StackHost& host);

  uint64_t total_;
  wire::Ipv4Address server_;
  uint16_t port_;
  size_t chunk_;
};

// Listens, accepts one connection, reads everything, compares each byte
// with the stream, and closes once the peer's FIN has been read. The
// connection's counters are snapshotted just before the close (afterwards
// the socket id is released).
class CheckingSink : public Application {
 public:
  explicit CheckingSink(uint16_t port) : port_(port) {}

  void Listen(Instant now, StackHost& host);
  void OnEvent(Instant now, StackHost& host, const tcp::Event& e) override;
  // Info of the accepted connection while it is still held.
  std::optional<tcp::ConnectionInfo> LiveInfo(StackHost& host) const;

  tcp::SocketId socket = tcp::kInvalidSocket;
  uint64_t received = 0;
  uint64_t mismatches = 0;  // wrong bytes
  uint64_t first_mismatch = 0;
  Instant last_data_at = Instant::Infinite();
  bool eof = false;
  Instant eof_at = Instant::Infinite();
  std::optional<tcp::ConnectionInfo> info_at_eof;
  absl::Status close_status;

 private:
  uint16_t port_;
  tcp::SocketId listener_ = tcp::kInvalidSocket;
  std::vector<uint8_t> buf_ = std::vector<uint8_t>(65536);
};

}  // namespace tcplab::netsim::testing

#endif  // TCPLAB_NETSIM_TEST_APPS_H_
