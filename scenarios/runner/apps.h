#ifndef TCPLAB_SCENARIOS_RUNNER_APPS_H_
#define TCPLAB_SCENARIOS_RUNNER_APPS_H_

// The applications of a scenario (bulk, sink, echo, http_server, http_get)
// as small state machines over one host's tcp::Stack.
//
// An AppInstance is one app on one host instance: a listener and the
// connections it accepted, or the `count` connections it opened. Each
// connection (Conn) is driven by Pump(): it reads what the app may read now
// (never_read, stop_reading, read_pause and read_rate decide), checks every
// byte against the pattern (scenarios/runner/pattern.h), writes what the
// kind has to write, and closes, aborts or shuts down when the kind or
// close_after / abort_after say so. Pump runs on every stack event of the
// connection and after every packet or timer on its host, so progress
// (bytes acknowledged) is seen at the instant it happens.
//
// Kinds:
//   bulk        writes `bytes` of the pattern, then shuts down its side; it
//               has finished when every byte is acknowledged; it reads (and
//               checks) whatever comes back and closes at the peer's FIN.
//   sink        reads and checks everything; closes at the peer's FIN and
//               has then finished.
//   echo        writes back what it reads; closes at the peer's FIN once
//               everything is written back.
//   http_server answers each line "GET <n>" with n pattern bytes.
//   http_get    sends "GET <bytes>" `requests` times, one after the other,
//               reads and checks each response, then closes: finished.
// Failure (reset, refused, timed out) finishes a connection too.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "scenarios/lang/scenario.h"
#include "tcp/base/instant.h"
#include "tcp/counters.h"
#include "tcp/events.h"
#include "tcp/stack.h"
#include "tcp/state.h"

namespace tcplab::scenario::runner {

class HostRuntime;
class AppInstance;

// One connection of an app: what the app did on it and what it saw.
struct ConnStats {
  std::string label;  // "sender[0]": app name, index among the app's connections
  std::string host;   // host instance name
  bool established = false;
  Instant established_at = Instant::Infinite();
  uint64_t written = 0;     // bytes the stack accepted from the app
  uint64_t read = 0;        // bytes the app read
  uint64_t mismatches = 0;  // bytes read that differ from the pattern
  bool finished = false;
  Instant finished_at = Instant::Infinite();
  ErrorKind error = ErrorKind::kNone;
  std::string error_text;
  bool released = false;  // the app closed or aborted the socket
  // The last snapshot taken while the app held the socket.
  std::optional<tcp::ConnectionInfo> info;
};

class Conn {
 public:
  Conn(AppInstance* app, tcp::SocketId socket, std::string label);

  tcp::SocketId socket() const { return socket_; }
  const ConnStats& stats() const { return stats_; }
  // State as the stack's observer last reported it (also after release).
  tcp::ConnectionState state() const;
  // Bytes written and acknowledged: the last snapshot, or everything
  // written once the stack saw our FIN acknowledged (after the app released
  // the socket the snapshot can no longer move).
  uint64_t acked() const;
  uint64_t retransmits() const;
  uint64_t timeouts() const { return stats_.info ? stats_.info->timeouts : 0; }
  // Retransmissions not caused by a timeout: fast retransmit, SACK and
  // NewReno partial-ACK recovery.
  uint64_t fast_retransmits() const {
    return stats_.info ? stats_.info->fast_retransmissions + stats_.info->sack_retransmissions +
                             stats_.info->recovery_retransmissions
                       : 0;
  }
  uint64_t zero_window_probes() const;

  // Does whatever the app can do now.
  void Pump(Instant now);
  void OnEvent(Instant now, const tcp::Event& e);
  void Act(Instant now, AppActionKind action);

 private:
  void Snapshot();
  // Hands the latest snapshot to the world's observer (the timeline).
  void ReportInfo(Instant now);
  void Finish(Instant now);
  void Fail(Instant now);
  void Release(Instant now, bool abort);
  void ReadSome(Instant now);
  void WriteSome(Instant now);
  // Bytes the app may read now (0: none); schedules a later Pump when the
  // limit is the rate or a pause.
  uint64_t ReadAllowance(Instant now);
  void WakeAt(Instant at);
  void ConsumeHttpRequests();
  void Process(Instant now, absl::Span<const uint8_t> data);
  // close_after / abort_after: bytes still to move before acting (max when
  // neither is set).
  uint64_t MoveBudget() const;
  void CheckMoveLimit(Instant now);
  tcp::Stack& stack() const;
  const App& spec() const;

  AppInstance* app_;
  tcp::SocketId socket_;
  ConnStats stats_;
  std::optional<tcp::ConnectionInfo> reported_;  // the last ReportInfo's
  uint64_t key_ = 0;
  bool key_known_ = false;
  bool shut_ = false;
  bool eof_ = false;
  bool stopped_ = false;  // stop_reading in effect
  // read_rate: bytes read since rate_origin_.
  Instant rate_origin_ = Instant::Infinite();
  uint64_t rate_read_ = 0;
  Instant wake_at_ = Instant::Infinite();
  // echo: bytes read, not yet written back.
  std::string echo_buf_;
  // http_server: request text not yet parsed, response bytes owed.
  std::string request_text_;
  uint64_t response_owed_ = 0;
  // http_get: requests sent, bytes of the current response still due.
  uint32_t requests_sent_ = 0;
  uint64_t response_due_ = 0;
  std::string request_out_;  // request bytes not yet taken by the stack
};

class AppInstance {
 public:
  AppInstance(const App* spec, HostRuntime* host, uint32_t* next_label);

  const App& spec() const { return *spec_; }
  HostRuntime& host() const { return *host_; }
  const std::vector<std::unique_ptr<Conn>>& conns() const { return conns_; }
  // Connections that completed the handshake.
  uint64_t established() const;
  // Listen or connect (at the app's start time).
  void Start(Instant now);
  void OnListenerEvent(Instant now, const tcp::Event& e);
  void Pump(Instant now);
  void Act(Instant now, AppActionKind action);
  // Sum over connections.
  uint64_t SentTotal() const;
  uint64_t ReceivedTotal() const;
  // Problems starting (listen/connect failed), for the report.
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  void AcceptAll(Instant now);
  Conn* Adopt(tcp::SocketId id);

  const App* spec_;
  HostRuntime* host_;
  uint32_t* next_label_;  // shared by the app's instances
  tcp::SocketId listener_ = tcp::kInvalidSocket;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<std::string> problems_;
};

}  // namespace tcplab::scenario::runner

#endif  // TCPLAB_SCENARIOS_RUNNER_APPS_H_
