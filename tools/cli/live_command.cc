#include "tools/cli/live_command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "netsim/live/ethernet.h"
#include "scenarios/lang/units.h"
#include "scenarios/runner/timeline.h"
#include "tcp/config.h"
#include "tcp/state.h"

namespace tcplab::cli {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

absl::Status FlagError(absl::string_view flag, absl::string_view value, absl::string_view want) {
  return absl::InvalidArgumentError(
      absl::StrFormat("--%s=%s: expected %s", flag, value, want));
}

// One live run: the host, the timeline, the last snapshot of every
// connection, and the end-of-run report on stderr.
class Session {
 public:
  static absl::StatusOr<std::unique_ptr<Session>> Open(const LiveFlags& flags) {
    absl::StatusOr<live::LiveHostOptions> o = ParseLiveFlags(flags);
    if (!o.ok()) return o.status();
    absl::StatusOr<std::unique_ptr<live::LiveHost>> h = live::LiveHost::Open(*o, tcp::StackConfig());
    if (!h.ok()) return h.status();
    auto s = std::unique_ptr<Session>(new Session(*std::move(h), flags, o->address));
    if (!s->host_->warning().empty()) absl::FPrintF(stderr, "tcplab: %s\n", s->host_->warning());
    signal(SIGINT, OnSignal);
    signal(SIGTERM, OnSignal);
    signal(SIGPIPE, SIG_IGN);
    return s;
  }

  live::LiveHost& host() { return *host_; }
  tcp::Stack& stack() { return host_->stack(); }
  Instant now() const { return host_->Now(); }

  void Snapshot(tcp::SocketId id) {
    absl::StatusOr<tcp::ConnectionInfo> info = stack().Info(id);
    if (info.ok()) infos_[id] = *info;
  }

  // Runs until done() or a signal; false on timeout.
  bool Run(absl::FunctionRef<bool()> done, absl::Duration timeout) {
    absl::StatusOr<bool> r = host_->Run([&] { return g_stop.load() || done(); }, timeout);
    if (!r.ok()) {
      absl::FPrintF(stderr, "tcplab: %s\n", r.status().message());
      return false;
    }
    return *r;
  }

  // The reason nothing came back from the link layer, if there is one.
  std::string LinkProblem() const {
    const live::EthernetInterface* eth = host_->wire().ethernet();
    if (eth != nullptr && !eth->last_error().ok()) return std::string(eth->last_error().message());
    if (!host_->wire().device_error().ok()) {
      return std::string(host_->wire().device_error().message());
    }
    return "";
  }

  void Report() {
    if (flags_.timeline) absl::FPrintF(stderr, "%s", timeline_->Render());
    for (const auto& [id, info] : infos_) {
      absl::FPrintF(stderr,
                    "  %s:%d <> %s:%d  final state %s\n"
                    "    sent %dB acked, received %dB; segments %d out, %d in\n"
                    "    %s; %s\n"
                    "    srtt %s, rttvar %s, rto %s, rtt samples %d\n"
                    "    retransmits %d (timeout %d, fast %d, sack %d), timeouts %d, dup acks %d\n",
                    info.local_address.ToString(), info.local_port,
                    info.remote_address.ToString(), info.remote_port,
                    tcp::StateName(info.state), info.bytes_sent, info.bytes_received,
                    info.segments_sent, info.segments_received,
                    scenario::runner::CongestionText(info), scenario::runner::OptionsText(info),
                    absl::FormatDuration(info.srtt), absl::FormatDuration(info.rttvar),
                    absl::FormatDuration(info.rto), info.rtt_samples, info.retransmissions,
                    info.timeout_retransmissions, info.fast_retransmissions,
                    info.sack_retransmissions, info.timeouts, info.duplicate_acks);
    }
    const live::EthernetInterface* eth = host_->wire().ethernet();
    if (eth != nullptr) {
      absl::FPrintF(stderr, "  link: %s\n", live::FormatCounters(eth->counters()));
    }
    for (const auto& link : host_->network().links()) {
      absl::FPrintF(stderr, "  %s: %s\n", link->a_to_b().name(), link->a_to_b().counters().ToString());
      absl::FPrintF(stderr, "  %s: %s\n", link->b_to_a().name(), link->b_to_a().counters().ToString());
    }
  }

 private:
  Session(std::unique_ptr<live::LiveHost> host, const LiveFlags& flags, wire::Ipv4Address self)
      : host_(std::move(host)), flags_(flags) {
    scenario::runner::TimelineOptions t;
    t.full = flags.full_timeline;
    timeline_ = std::make_unique<scenario::runner::Timeline>(
        t, [self](wire::Ipv4Address a) { return a == self ? std::string("tcplab") : a.ToString(); });
    host_->network().AddObserver(timeline_.get());
  }

  std::unique_ptr<live::LiveHost> host_;
  LiveFlags flags_;
  std::unique_ptr<scenario::runner::Timeline> timeline_;
  std::map<tcp::SocketId, tcp::ConnectionInfo> infos_;
};

absl::StatusOr<absl::Duration> ParseTimeout(const std::string& text) {
  absl::StatusOr<absl::Duration> d = scenario::ParseDuration(text);
  if (!d.ok() || *d <= absl::ZeroDuration()) return FlagError("timeout", text, "a duration such as 30s");
  return *d;
}

// ---- get ----

class HttpGet : public netsim::Application {
 public:
  HttpGet(Session* s, HttpUrl url) : s_(s), url_(std::move(url)) {}

  absl::Status Start() {
    absl::StatusOr<tcp::SocketId> id = s_->stack().Connect(s_->now(), url_.address, url_.port);
    if (!id.ok()) return id.status();
    socket_ = *id;
    request_ = absl::StrCat("GET ", url_.path, " HTTP/1.0\r\nHost: ", url_.host,
                            "\r\nUser-Agent: tcplab\r\nAccept: */*\r\nConnection: close\r\n\r\n");
    s_->host().Kick();
    return absl::OkStatus();
  }

  void OnEvent(Instant now, netsim::StackHost& host, const tcp::Event& e) override {
    if (e.socket != socket_) return;
    tcp::Stack& st = host.stack();
    s_->Snapshot(socket_);
    if (sent_ < request_.size() && st.GetReadiness(socket_).connected) {
      absl::StatusOr<size_t> n = st.Send(
          now, socket_,
          absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(request_.data()) + sent_,
                              request_.size() - sent_));
      if (n.ok()) sent_ += *n;
    }
    uint8_t buf[16384];
    for (;;) {
      absl::StatusOr<size_t> n = st.Receive(now, socket_, absl::MakeSpan(buf));
      if (!n.ok() || *n == 0) break;
      response_.append(reinterpret_cast<const char*>(buf), *n);
    }
    if (e.kind == tcp::EventKind::kReset || e.kind == tcp::EventKind::kTimedOut) {
      error_ = st.Error(socket_);
      done_ = true;
    } else if (st.GetReadiness(socket_).eof && !done_) {
      (void)st.Close(now, socket_);
      done_ = true;
    }
  }

  bool done() const { return done_; }
  const absl::Status& error() const { return error_; }
  const std::string& response() const { return response_; }

 private:
  Session* s_;
  HttpUrl url_;
  tcp::SocketId socket_ = tcp::kInvalidSocket;
  std::string request_;
  size_t sent_ = 0;
  std::string response_;
  bool done_ = false;
  absl::Status error_;
};

// ---- serve ----

class Server : public netsim::Application {
 public:
  Server(Session* s, std::string mode, int exit_after)
      : s_(s), mode_(std::move(mode)), exit_after_(exit_after) {}

  absl::Status Listen(uint16_t port) {
    absl::StatusOr<tcp::SocketId> id = s_->stack().Listen(s_->now(), port, 64);
    if (!id.ok()) return id.status();
    listener_ = *id;
    return absl::OkStatus();
  }

  void OnEvent(Instant now, netsim::StackHost& host, const tcp::Event& e) override {
    tcp::Stack& st = host.stack();
    if (e.socket == listener_) {
      for (;;) {
        absl::StatusOr<tcp::SocketId> id = st.Accept(now, listener_);
        if (!id.ok()) break;
        conns_[*id] = Conn();
        s_->Snapshot(*id);
      }
      return;
    }
    auto it = conns_.find(e.socket);
    if (it == conns_.end()) return;
    Conn& c = it->second;
    const tcp::SocketId id = e.socket;
    s_->Snapshot(id);
    if (e.kind == tcp::EventKind::kReset || e.kind == tcp::EventKind::kTimedOut) {
      absl::FPrintF(stderr, "tcplab serve: connection %d: %s\n", id, st.Error(id).message());
      (void)st.Close(now, id);
      Finish(it);
      return;
    }
    uint8_t buf[65536];
    for (;;) {
      absl::StatusOr<size_t> n = st.Receive(now, id, absl::MakeSpan(buf));
      if (!n.ok() || *n == 0) break;
      c.received += *n;
      if (mode_ == "echo") c.out.append(reinterpret_cast<const char*>(buf), *n);
      if (mode_ == "http" && !c.answered) {
        c.request.append(reinterpret_cast<const char*>(buf), *n);
        if (absl::StrContains(c.request, "\r\n\r\n") || absl::StrContains(c.request, "\n\n")) {
          c.out = HttpResponse(c.request);
          c.answered = true;
          c.close_after_output = true;
        }
      }
    }
    while (!c.out.empty()) {
      absl::StatusOr<size_t> n = st.Send(
          now, id, absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(c.out.data()), c.out.size()));
      if (!n.ok() || *n == 0) break;
      c.out.erase(0, *n);
    }
    const bool eof = st.GetReadiness(id).eof;
    if (c.out.empty() && (eof || c.close_after_output)) {
      (void)st.Close(now, id);
      Finish(it);
    }
  }

  bool done() const { return exit_after_ > 0 && finished_ >= exit_after_; }

 private:
  struct Conn {
    uint64_t received = 0;
    std::string out;
    std::string request;
    bool answered = false;
    bool close_after_output = false;
  };

  static std::string HttpResponse(const std::string& request) {
    const std::vector<std::string> words =
        absl::StrSplit(request.substr(0, request.find_first_of("\r\n")), ' ');
    std::string path = words.size() >= 2 ? words[1] : "/";
    if (words.empty() || (words[0] != "GET" && words[0] != "HEAD")) {
      return "HTTP/1.0 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    }
    const std::string body = absl::StrCat(
        "<!doctype html>\n<html><head><title>tcplab</title></head><body>\n"
        "<h1>Hello from tcplab</h1>\n<p>You asked for ", path,
        " and got this page over tcplab's own TCP stack.</p>\n</body></html>\n");
    return absl::StrCat("HTTP/1.0 200 OK\r\nServer: tcplab\r\nContent-Type: text/html\r\n",
                        "Content-Length: ", body.size(), "\r\nConnection: close\r\n\r\n",
                        words[0] == "HEAD" ? "" : body);
  }

  void Finish(std::map<tcp::SocketId, Conn>::iterator it) {
    conns_.erase(it);
    ++finished_;
  }

  Session* s_;
  std::string mode_;
  int exit_after_;
  tcp::SocketId listener_ = tcp::kInvalidSocket;
  std::map<tcp::SocketId, Conn> conns_;
  int finished_ = 0;
};

// ---- connect ----

// nc: standard input to the connection, the connection to standard output.
class Netcat : public netsim::Application, public live::RealTimeLoop::Source {
 public:
  explicit Netcat(Session* s) : s_(s) {}

  absl::Status Start(wire::Ipv4Address addr, uint16_t port) {
    absl::StatusOr<tcp::SocketId> id = s_->stack().Connect(s_->now(), addr, port);
    if (!id.ok()) return id.status();
    socket_ = *id;
    struct stat st;
    if (fstat(0, &st) == 0 && S_ISREG(st.st_mode)) {
      // epoll cannot watch a regular file: it is all there already.
      char buf[65536];
      ssize_t n;
      while ((n = read(0, buf, sizeof(buf))) > 0) in_.append(buf, static_cast<size_t>(n));
      stdin_eof_ = true;
    } else {
      fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
      if (absl::Status st2 = s_->host().loop().Add(this); !st2.ok()) return st2;
    }
    s_->host().Kick();
    return absl::OkStatus();
  }

  int fd() const override { return 0; }
  void OnReadable(Instant now) override {
    if (stdin_eof_) return;
    char buf[65536];
    const ssize_t n = read(0, buf, sizeof(buf));
    if (n > 0) in_.append(buf, static_cast<size_t>(n));
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) stdin_eof_ = true;
    Pump(now);
    s_->host().Kick();
  }
  void Flush(Instant) override {}

  void OnEvent(Instant now, netsim::StackHost& host, const tcp::Event& e) override {
    if (e.socket != socket_) return;
    s_->Snapshot(socket_);
    if (e.kind == tcp::EventKind::kReset || e.kind == tcp::EventKind::kTimedOut) {
      error_ = host.stack().Error(socket_);
      done_ = true;
      return;
    }
    Pump(now);
  }

  bool done() const { return done_; }
  const absl::Status& error() const { return error_; }

 private:
  void Pump(Instant now) {
    tcp::Stack& st = s_->stack();
    if (done_) return;
    if (st.GetReadiness(socket_).connected) {
      while (!in_.empty()) {
        absl::StatusOr<size_t> n = st.Send(
            now, socket_, absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(in_.data()), in_.size()));
        if (!n.ok() || *n == 0) break;
        in_.erase(0, *n);
      }
      if (in_.empty() && stdin_eof_ && !shut_) shut_ = st.Shutdown(now, socket_).ok();
    }
    uint8_t buf[65536];
    for (;;) {
      absl::StatusOr<size_t> n = st.Receive(now, socket_, absl::MakeSpan(buf));
      if (!n.ok() || *n == 0) break;
      (void)!fwrite(buf, 1, *n, stdout);
    }
    fflush(stdout);
    if (st.GetReadiness(socket_).eof && (shut_ || stdin_eof_)) {
      (void)st.Close(now, socket_);
      done_ = true;
    }
  }

  Session* s_;
  tcp::SocketId socket_ = tcp::kInvalidSocket;
  std::string in_;
  bool stdin_eof_ = false;
  bool shut_ = false;
  bool done_ = false;
  absl::Status error_;
};

int Fail(absl::string_view command, const absl::Status& s) {
  absl::FPrintF(stderr, "tcplab %s: %s\n", command, s.message());
  return s.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

}  // namespace

absl::StatusOr<live::LiveHostOptions> ParseLiveFlags(const LiveFlags& f) {
  live::LiveHostOptions o;
  o.interface = f.iface;
  o.tun = f.tun;
  if (f.iface.empty() == f.tun.empty()) {
    return absl::InvalidArgumentError(
        "give tcplab a wire: --iface=IF (an Ethernet interface, through an AF_PACKET socket) "
        "or --tun=NAME (a TUN device)");
  }
  if (f.ip.empty()) {
    return absl::InvalidArgumentError(
        "--ip=ADDR/PREFIX is required: tcplab's own IPv4 address on that link (one no "
        "interface of this machine has, e.g. a free address of the link's subnet)");
  }
  const std::vector<std::string> parts = absl::StrSplit(f.ip, '/');
  absl::StatusOr<wire::Ipv4Address> addr = wire::Ipv4Address::Parse(parts[0]);
  int prefix = 24;
  if (!addr.ok() || parts.size() > 2 ||
      (parts.size() == 2 && (!absl::SimpleAtoi(parts[1], &prefix) || prefix < 0 || prefix > 32))) {
    return FlagError("ip", f.ip, "ADDR/PREFIX such as 10.0.0.2/24");
  }
  o.address = *addr;
  o.prefix_length = prefix;
  if (!f.gateway.empty()) {
    absl::StatusOr<wire::Ipv4Address> g = wire::Ipv4Address::Parse(f.gateway);
    if (!g.ok()) return FlagError("gateway", f.gateway, "an IPv4 address");
    o.gateway = *g;
  }
  if (!f.mac.empty()) {
    absl::StatusOr<live::MacAddress> m = live::MacAddress::Parse(f.mac);
    if (!m.ok()) return FlagError("mac", f.mac, std::string(m.status().message()));
    o.mac = *m;
  }
  if (!f.tun_kernel_ip.empty()) {
    absl::StatusOr<wire::Ipv4Address> k = wire::Ipv4Address::Parse(f.tun_kernel_ip);
    if (!k.ok()) return FlagError("tun_kernel_ip", f.tun_kernel_ip, "an IPv4 address");
    o.tun_kernel_address = *k;
  }
  netsim::LinkParams p;
  if (!f.loss.empty()) {
    absl::StatusOr<scenario::Percent> v = scenario::ParsePercent(f.loss);
    if (!v.ok()) return FlagError("loss", f.loss, "a percentage such as 1%");
    p.loss = v->fraction();
  }
  if (!f.reorder.empty()) {
    absl::StatusOr<scenario::Percent> v = scenario::ParsePercent(f.reorder);
    if (!v.ok()) return FlagError("reorder", f.reorder, "a percentage such as 2%");
    p.reorder = v->fraction();
  }
  if (!f.delay.empty()) {
    absl::StatusOr<absl::Duration> v = scenario::ParseDuration(f.delay);
    if (!v.ok()) return FlagError("delay", f.delay, "a duration such as 20ms");
    p.delay = *v;
  }
  if (!f.jitter.empty()) {
    absl::StatusOr<absl::Duration> v = scenario::ParseDuration(f.jitter);
    if (!v.ok()) return FlagError("jitter", f.jitter, "a duration such as 5ms");
    p.jitter = *v;
  }
  if (p.reorder > 0 && p.delay <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--reorder needs --delay: a reordered packet skips the delay");
  }
  // A kernel peer on this machine hands over 64 KiB aggregates, which the
  // wire node cuts to the device's MTU; the link itself limits nothing.
  p.mtu = 65535;
  if (absl::Status s = p.Validate(); !s.ok()) return s;
  o.outbound = p;
  o.inbound = p;
  o.pcap_path = f.pcap;
  return o;
}

absl::StatusOr<HttpUrl> ParseHttpUrl(const std::string& url) {
  constexpr absl::string_view kScheme = "http://";
  if (!absl::StartsWith(url, kScheme)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", url, "': expected http://ADDR[:PORT]/PATH (only plain HTTP)"));
  }
  const std::string rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  HttpUrl u;
  u.host = rest.substr(0, slash);
  if (slash != std::string::npos) u.path = rest.substr(slash);
  const std::vector<std::string> hp = absl::StrSplit(u.host, ':');
  absl::StatusOr<wire::Ipv4Address> a = wire::Ipv4Address::Parse(hp[0]);
  if (!a.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", hp[0], "': expected a numeric IPv4 address (tcplab does not resolve names)"));
  }
  u.address = *a;
  int port = 80;
  if (hp.size() > 2 || (hp.size() == 2 && (!absl::SimpleAtoi(hp[1], &port) || port < 1 || port > 65535))) {
    return absl::InvalidArgumentError(absl::StrCat("'", u.host, "': expected ADDR[:PORT]"));
  }
  u.port = static_cast<uint16_t>(port);
  return u;
}

int GetCommand(const std::string& url_text, const LiveFlags& flags) {
  absl::StatusOr<HttpUrl> url = ParseHttpUrl(url_text);
  if (!url.ok()) return Fail("get", url.status());
  absl::StatusOr<absl::Duration> timeout = ParseTimeout(flags.timeout);
  if (!timeout.ok()) return Fail("get", timeout.status());
  absl::StatusOr<std::unique_ptr<Session>> s = Session::Open(flags);
  if (!s.ok()) return Fail("get", s.status());
  HttpGet get(s->get(), *url);
  (*s)->host().host().SetApplication(&get);
  if (absl::Status st = get.Start(); !st.ok()) return Fail("get", st);
  const bool finished = (*s)->Run([&] { return get.done(); }, *timeout);
  // Let the last ACK of our FIN go out before the report.
  (*s)->Run([] { return false; }, absl::Milliseconds(50));
  (*s)->Report();
  const std::string& r = get.response();
  const size_t body = r.find("\r\n\r\n");
  const std::string status_line = r.substr(0, r.find("\r\n"));
  if (body != std::string::npos) {
    (void)!fwrite(r.data() + body + 4, 1, r.size() - body - 4, stdout);
    fflush(stdout);
  }
  if (!get.error().ok()) return Fail("get", get.error());
  if (!finished) {
    std::string why = (*s)->LinkProblem();
    return Fail("get", absl::DeadlineExceededError(absl::StrCat(
                           "no complete answer within ", flags.timeout,
                           why.empty() ? "" : absl::StrCat(": ", why))));
  }
  absl::FPrintF(stderr, "tcplab get: %s (%d bytes)\n", status_line, r.size());
  const std::vector<std::string> words = absl::StrSplit(status_line, ' ');
  return words.size() >= 2 && absl::StartsWith(words[1], "2") ? 0 : 1;
}

int ServeCommand(uint16_t port, const std::string& mode, int exit_after, const LiveFlags& flags) {
  if (mode != "echo" && mode != "discard" && mode != "http") {
    return Fail("serve", FlagError("mode", mode, "echo, discard or http"));
  }
  absl::StatusOr<std::unique_ptr<Session>> s = Session::Open(flags);
  if (!s.ok()) return Fail("serve", s.status());
  Server server(s->get(), mode, exit_after);
  (*s)->host().host().SetApplication(&server);
  if (absl::Status st = server.Listen(port); !st.ok()) return Fail("serve", st);
  absl::FPrintF(stderr, "tcplab serve: %s on %s:%d (Ctrl-C stops)\n", mode,
                (*s)->host().sim_host().address().ToString(), port);
  (*s)->Run([&] { return server.done(); }, absl::InfiniteDuration());
  (*s)->Run([] { return false; }, absl::Milliseconds(50));
  (*s)->Report();
  return 0;
}

int ConnectCommand(const std::string& address, const std::string& port_text,
                   const LiveFlags& flags) {
  absl::StatusOr<wire::Ipv4Address> addr = wire::Ipv4Address::Parse(address);
  if (!addr.ok()) return Fail("connect", FlagError("ADDR", address, "an IPv4 address"));
  int port = 0;
  if (!absl::SimpleAtoi(port_text, &port) || port < 1 || port > 65535) {
    return Fail("connect", FlagError("PORT", port_text, "a port 1..65535"));
  }
  absl::StatusOr<std::unique_ptr<Session>> s = Session::Open(flags);
  if (!s.ok()) return Fail("connect", s.status());
  Netcat nc(s->get());
  (*s)->host().host().SetApplication(&nc);
  if (absl::Status st = nc.Start(*addr, static_cast<uint16_t>(port)); !st.ok()) {
    return Fail("connect", st);
  }
  (*s)->Run([&] { return nc.done(); }, absl::InfiniteDuration());
  (*s)->Run([] { return false; }, absl::Milliseconds(50));
  (*s)->Report();
  if (!nc.error().ok()) return Fail("connect", nc.error());
  return 0;
}

}  // namespace tcplab::cli
