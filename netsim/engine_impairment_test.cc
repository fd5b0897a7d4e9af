// The TCP engine on the simulator, one impairment at a time: 10 MB from a
// client to a server through a link with 1% and 5% random loss, bursty
// (Gilbert-Elliott) loss, netem reordering, duplication, corruption and
// jitter, plus a link that dies for good mid-transfer and one that comes
// back within the retry budget.
//
// Every transfer checks the same end-to-end facts — each byte delivered
// intact and in order (a verifiable pattern), both connections closed in
// order without error — and then the facts that show the impairment was
// really met and handled: the link's own counters against the engine's
// retransmission, duplicate, reassembly and drop counters.
//
// The engine has no congestion control, SACK or fast retransmit yet:
// recovery is by RTO and go-back-N, so lossy runs take many simulated
// seconds (cheap) but few wall seconds.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "netsim/link.h"
#include "netsim/link_params.h"
#include "netsim/network.h"
#include "netsim/pcap/pcap_writer.h"
#include "netsim/pcap_tap.h"
#include "netsim/sim_host.h"
#include "netsim/stack_host.h"
#include "netsim/test_apps.h"
#include "netsim/trace.h"
#include "tcp/config.h"
#include "tcp/counters.h"
#include "tcp/events.h"
#include "tcp/observer.h"
#include "tcp/stack.h"
#include "tcp/state.h"
#include "tcp/wire/packet.h"

namespace tcplab::netsim {
namespace {

using tcp::ConnectionState;
using tcp::EventKind;

const wire::Ipv4Address kClientAddr(10, 0, 0, 1);
const wire::Ipv4Address kServerAddr(10, 0, 0, 2);
constexpr uint16_t kPort = 5001;
constexpr size_t kTenMegabytes = size_t{10} << 20;
// Far beyond the slowest case (5% loss: EOF at under a simulated minute,
// then TIME-WAIT); a run that reaches it has hung.
constexpr absl::Duration kSimulatedLimit = absl::Seconds(3600);

Instant At(absl::Duration d) { return Instant::Zero() + d; }

using testing::BulkSender;
using testing::CheckingSink;

// --- what the engine reports -------------------------------------------------

struct Transition {
  tcp::SocketId id;
  ConnectionState from, to;
  Instant at;
};

class EngineLog : public tcp::StackObserver {
 public:
  void OnStateChange(tcp::SocketId id, ConnectionState from, ConnectionState to,
                     Instant now) override {
    transitions.push_back({id, from, to, now});
  }
  void OnRetransmit(tcp::SocketId /*id*/, wire::Seq /*seq*/, uint32_t /*len*/, int attempt,
                    Instant now) override {
    timeouts.push_back({attempt, now});
  }
  void OnEvent(const tcp::Event& e, Instant /*now*/) override {
    if (e.kind == EventKind::kReset || e.kind == EventKind::kTimedOut) ++error_events;
  }

  // The states `id` went through, in order ("SYN-SENT ESTABLISHED ...").
  std::string PathOf(tcp::SocketId id) const {
    std::string out;
    for (const Transition& t : transitions) {
      if (t.id != id) continue;
      if (out.empty()) absl::StrAppend(&out, tcp::StateName(t.from));
      absl::StrAppend(&out, " ", tcp::StateName(t.to));
    }
    return out;
  }
  // When `id` last entered `state`; Infinite() if never.
  Instant EnteredAt(tcp::SocketId id, ConnectionState state) const {
    Instant at = Instant::Infinite();
    for (const Transition& t : transitions) {
      if (t.id == id && t.to == state) at = t.at;
    }
    return at;
  }

  struct Timeout {
    int attempt;
    Instant at;
  };
  std::vector<Transition> transitions;
  std::vector<Timeout> timeouts;  // retransmission-timer expiries that resent
  int error_events = 0;
};

// --- what the network reports -------------------------------------------------

// Counts, from the packet events, what happened to the client's data
// segments and the server's ACKs on the way, in the link's terms.
class PathLog : public PacketObserver {
 public:
  // ACKs arriving after `ack_watch_until` do not move last_ack_advance.
  PathLog(const Link* link, const SimHost* client, Instant ack_watch_until)
      : link_(link), client_(client), ack_watch_until_(ack_watch_until) {}

  void OnPacketEvent(const PacketEvent& e) override {
    const bool forward = e.link == &link_->a_to_b();
    // Without checksums, so that a corrupted packet is still recognised
    // (unless the flipped bit broke its headers: then its size tells).
    wire::Packet p;
    const bool parsed =
        wire::ParsePacket(e.bytes, &p, {.verify_checksums = false}) == wire::ParseError::kOk;
    const bool data = parsed ? !p.payload.empty() : e.bytes.size() > 44;
    switch (e.type) {
      case PacketEventType::kSent:
        if (e.node == client_) {
          // In a two-host topology, the order the client sends in is the
          // order its packets enter the forward direction.
          if (!lost_run_open_) current_run_ = 0;
          lost_run_open_ = false;
        }
        break;
      case PacketEventType::kDropped:
        if (forward && e.reason == DropReason::kLoss) {
          if (data) ++forward_data_lost;
          // The loss decision is made as the packet enters: it follows its
          // kSent event directly, so consecutive losses form a run.
          ++current_run_;
          lost_run_open_ = true;
          longest_loss_run = std::max(longest_loss_run, current_run_);
        }
        if (forward && e.reason == DropReason::kLinkDown && data) ++forward_data_cut;
        break;
      case PacketEventType::kDuplicated:
        if (forward && data) ++forward_data_duplicated;
        break;
      case PacketEventType::kCorrupted:
        if (forward && data) ++forward_data_corrupted;
        break;
      case PacketEventType::kDelivered:
        if (forward) {
          if (e.packet_id < highest_forward_delivered_) ++forward_overtaken;
          highest_forward_delivered_ = std::max(highest_forward_delivered_, e.packet_id);
        }
        break;
      case PacketEventType::kReceived:
        if (e.node == client_ && parsed && p.tcp.has(wire::flags::kAck) &&
            e.time <= ack_watch_until_) {
          if (!highest_ack_ || p.tcp.ack > *highest_ack_) {
            highest_ack_ = p.tcp.ack;
            last_ack_advance = e.time;
          }
        }
        break;
      default:
        break;
    }
  }

  uint64_t forward_data_lost = 0;
  uint64_t forward_data_cut = 0;  // data segments dropped by the outage
  uint64_t forward_data_duplicated = 0;
  uint64_t forward_data_corrupted = 0;
  // Deliveries of a packet sent before one already delivered (packet ids
  // grow in the order packets are made; a copy gets a later id).
  uint64_t forward_overtaken = 0;
  uint64_t longest_loss_run = 0;
  // When the client last received (up to ack_watch_until) an ACK that
  // acknowledged something new: with data outstanding, the moment its
  // retransmission timer was last restarted (RFC 6298 §5.3).
  Instant last_ack_advance = Instant::Infinite();

 private:
  const Link* link_;
  const SimHost* client_;
  Instant ack_watch_until_;
  bool lost_run_open_ = false;
  uint64_t current_run_ = 0;
  uint64_t highest_forward_delivered_ = 0;
  std::optional<wire::Seq> highest_ack_;
};

// --- one transfer -------------------------------------------------------------

struct Scenario {
  LinkParams forward;  // client -> server
  LinkParams back;     // server -> client
  uint64_t seed = 1;
  tcp::StackConfig config;  // local_address is filled in per host
  // An outage of both directions from `down_at` until `up_at` (for good
  // when up_at is Infinite()).
  Instant down_at = Instant::Infinite();
  Instant up_at = Instant::Infinite();
  bool capture = false;  // record a pcap of the client host and the trace
};

struct Outcome {
  size_t received = 0;
  size_t mismatches = 0;
  size_t first_mismatch = 0;
  bool eof = false;
  Instant eof_at = Instant::Infinite();
  Instant last_data_at = Instant::Infinite();
  absl::Status server_close_status;
  std::optional<tcp::ConnectionInfo> receiver_info;  // at EOF (or end of run)

  tcp::SocketId client_socket = tcp::kInvalidSocket;
  bool sender_failed = false;
  Instant failed_at = Instant::Infinite();
  absl::Status sender_error;
  bool sender_closed = false;
  Instant sender_closed_at = Instant::Infinite();
  tcp::ConnectionInfo sender_info;
  std::string client_path, server_path;
  Instant client_time_wait_at = Instant::Infinite();
  int client_error_events = 0, server_error_events = 0;
  std::vector<EngineLog::Timeout> timeouts;
  tcp::StackCounters client_counters, server_counters;
  size_t server_connections_left = 0;

  LinkCounters forward, back;
  NodeCounters client_node, server_node;
  PathLog path{nullptr, nullptr, Instant::Infinite()};

  std::vector<uint8_t> pcap;
  std::string trace;
  Instant ended = Instant::Infinite();
};

tcp::StackConfig WithAddress(tcp::StackConfig c, wire::Ipv4Address addr) {
  c.local_address = addr;
  return c;
}

Outcome RunTransfer(const Scenario& sc, size_t total = kTenMegabytes) {
  Simulator sim;
  Network net(&sim, sc.seed);
  SimHost* client_host = net.AddHost("client", kClientAddr).value();
  SimHost* server_host = net.AddHost("server", kServerAddr).value();
  Link* link = net.Connect(client_host, server_host, sc.forward, sc.back).value();
  if (!sc.down_at.is_infinite()) link->SetUpAt(sc.down_at, false);
  if (!sc.up_at.is_infinite()) link->SetUpAt(sc.up_at, true);
  StackHost client(client_host, WithAddress(sc.config, kClientAddr));
  StackHost server(server_host, WithAddress(sc.config, kServerAddr));
  client_host->SetClient(&client);
  server_host->SetClient(&server);
  EngineLog client_log, server_log;
  client.stack().SetObserver(&client_log);
  server.stack().SetObserver(&server_log);
  BulkSender sender(total, kServerAddr, kPort);
  CheckingSink sink(kPort);
  client.SetApplication(&sender);
  server.SetApplication(&sink);

  Outcome out;
  PathLog path(link, client_host, sc.down_at);
  net.AddObserver(&path);
  std::unique_ptr<PcapTap> tap;
  if (sc.capture) {
    tap = PcapTap::ForHost(&net, client_host, PcapWriter::InMemory(LinkType::kRaw));
    net.SetTraceHook([&](const PacketEvent& e) {
      absl::StrAppend(&out.trace, FormatPacketEventWithSegment(e), "\n");
    });
  }

  sink.Listen(sim.Now(), server);
  sender.Start(sim.Now(), client);
  // Until the sender's connection is over: CLOSED after TIME-WAIT, or dead.
  sim.RunUntilCondition([&] { return sender.closed || sender.failed; }, At(kSimulatedLimit));
  out.ended = sim.Now();

  out.received = sink.received;
  out.mismatches = sink.mismatches;
  out.first_mismatch = sink.first_mismatch;
  out.eof = sink.eof;
  out.eof_at = sink.eof_at;
  out.last_data_at = sink.last_data_at;
  out.server_close_status = sink.close_status;
  out.receiver_info = sink.eof ? sink.info_at_eof : sink.LiveInfo(server);

  out.client_socket = sender.socket;
  out.sender_failed = sender.failed;
  out.failed_at = sender.failed_at;
  out.sender_error = sender.error;
  out.sender_closed = sender.closed;
  out.sender_closed_at = sender.closed_at;
  out.sender_info = client.stack().Info(sender.socket).value();
  out.client_path = client_log.PathOf(sender.socket);
  out.server_path = sink.socket == tcp::kInvalidSocket ? "" : server_log.PathOf(sink.socket);
  out.client_time_wait_at = client_log.EnteredAt(sender.socket, ConnectionState::kTimeWait);
  out.client_error_events = client_log.error_events;
  out.server_error_events = server_log.error_events;
  out.timeouts = client_log.timeouts;
  out.client_counters = client.stack().counters();
  out.server_counters = server.stack().counters();
  out.server_connections_left = server.stack().connection_count();
  out.forward = link->a_to_b().counters();
  out.back = link->b_to_a().counters();
  out.client_node = client_host->counters();
  out.server_node = server_host->counters();
  net.RemoveObserver(&path);
  out.path = path;
  if (tap != nullptr) {
    EXPECT_TRUE(tap->status().ok()) << tap->status();
    out.pcap = tap->writer().bytes();
    tap.reset();
  }
  client.stack().SetObserver(nullptr);
  server.stack().SetObserver(nullptr);
  return out;
}

// The numbers the report quotes, in the test log.
void Summarize(const char* name, const Outcome& o) {
  const uint64_t rx_ooo = o.receiver_info ? o.receiver_info->out_of_order_segments : 0;
  const uint64_t rx_dup = o.receiver_info ? o.receiver_info->duplicate_segments : 0;
  std::printf(
      "[summary] %s: eof at %s, sender closed at %s, failed at %s (%s); received %zu; "
      "retransmissions %llu, timeouts %llu; receiver out-of-order %llu, duplicate %llu; "
      "forward data segments lost %llu, cut %llu, duplicated %llu, corrupted %llu, "
      "overtaken deliveries %llu, longest loss run %llu; "
      "forward link: %s; back link: %s; client host: %s; server host: %s\n",
      name, o.eof_at.ToString().c_str(), o.sender_closed_at.ToString().c_str(),
      o.failed_at.ToString().c_str(), o.sender_error.ToString().c_str(), o.received,
      static_cast<unsigned long long>(o.sender_info.retransmissions),
      static_cast<unsigned long long>(o.sender_info.timeouts),
      static_cast<unsigned long long>(rx_ooo), static_cast<unsigned long long>(rx_dup),
      static_cast<unsigned long long>(o.path.forward_data_lost),
      static_cast<unsigned long long>(o.path.forward_data_cut),
      static_cast<unsigned long long>(o.path.forward_data_duplicated),
      static_cast<unsigned long long>(o.path.forward_data_corrupted),
      static_cast<unsigned long long>(o.path.forward_overtaken),
      static_cast<unsigned long long>(o.path.longest_loss_run), o.forward.ToString().c_str(),
      o.back.ToString().c_str(), o.client_node.ToString().c_str(),
      o.server_node.ToString().c_str());
}

// Every byte arrived, intact and in order, and both sides closed in order:
// the client through FIN-WAIT and TIME-WAIT to CLOSED (its kClosed event),
// the server through CLOSE-WAIT and LAST-ACK to CLOSED; no reset, no timeout,
// no error anywhere.
void ExpectIntactAndClosedCleanly(const Outcome& o, size_t total = kTenMegabytes) {
  EXPECT_EQ(o.received, total);
  EXPECT_EQ(o.mismatches, 0u) << "first wrong byte at offset " << o.first_mismatch;
  EXPECT_TRUE(o.eof);
  EXPECT_TRUE(o.server_close_status.ok()) << o.server_close_status;

  EXPECT_FALSE(o.sender_failed) << o.sender_error;
  EXPECT_TRUE(o.sender_closed) << "run ended at " << o.ended.ToString() << " in "
                               << o.sender_info.state;
  EXPECT_TRUE(o.sender_error.ok()) << o.sender_error;
  EXPECT_EQ(o.sender_info.state, ConnectionState::kClosed);
  EXPECT_EQ(o.sender_info.bytes_sent, total);  // every byte acknowledged
  // FIN-WAIT-1, then FIN-WAIT-2 or (FIN crossing the ACK) CLOSING.
  EXPECT_TRUE(o.client_path.starts_with("CLOSED SYN-SENT ESTABLISHED FIN-WAIT-1 "))
      << o.client_path;
  EXPECT_TRUE(o.client_path.ends_with(" TIME-WAIT CLOSED")) << o.client_path;
  // TIME-WAIT lasted at least 2 MSL (a retransmitted FIN restarts it).
  EXPECT_GE(o.sender_closed_at - o.client_time_wait_at, 2 * tcp::StackConfig().msl);
  EXPECT_EQ(o.server_path, "LISTEN SYN-RECEIVED ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED");
  EXPECT_EQ(o.server_connections_left, 0u);  // the server forgot the connection

  EXPECT_EQ(o.client_error_events, 0);
  EXPECT_EQ(o.server_error_events, 0);
  EXPECT_EQ(o.client_counters.resets_sent + o.client_counters.resets_received, 0u);
  EXPECT_EQ(o.server_counters.resets_sent + o.server_counters.resets_received, 0u);
}

// What every case shares: a 20 ms one-way delay (40 ms RTT) at 50 Mbit/s
// each way. With a 64 KiB window the clean transfer is window-limited at
// about 13 Mbit/s.
LinkParams BaseLink() {
  LinkParams p;
  p.delay = absl::Milliseconds(20);
  p.rate_bps = 50'000'000;
  return p;
}

Scenario Symmetric(const LinkParams& p, uint64_t seed) {
  Scenario sc;
  sc.forward = p;
  sc.back = p;
  sc.seed = seed;
  return sc;
}

// Random loss both ways: data segments and ACKs.
Scenario RandomLoss(double loss, uint64_t seed) {
  LinkParams p = BaseLink();
  p.loss = loss;
  return Symmetric(p, seed);
}

void ExpectLossRecovered(const Outcome& o) {
  EXPECT_GT(o.forward.dropped_for(DropReason::kLoss), 0u);
  EXPECT_GT(o.back.dropped_for(DropReason::kLoss), 0u);
  EXPECT_GT(o.path.forward_data_lost, 0u);
  // Every lost data segment had to be sent again, at least once.
  EXPECT_GE(o.sender_info.retransmissions, o.path.forward_data_lost);
  // By the timer or by fast recovery, depending on the stack.
  EXPECT_GT(o.sender_info.timeouts + o.sender_info.fast_recoveries, 0u);
  // Loss is the only way out of the link here.
  EXPECT_EQ(o.forward.dropped_total(), o.forward.dropped_for(DropReason::kLoss));
  EXPECT_EQ(o.back.dropped_total(), o.back.dropped_for(DropReason::kLoss));
}

// --- the cases ------------------------------------------------------------------

TEST(EngineImpairmentTest, OnePercentLoss) {
  const Outcome o = RunTransfer(RandomLoss(0.01, 101));
  Summarize("1% loss", o);
  ExpectIntactAndClosedCleanly(o);
  ExpectLossRecovered(o);
}

TEST(EngineImpairmentTest, FivePercentLoss) {
  const Outcome o = RunTransfer(RandomLoss(0.05, 105));
  Summarize("5% loss", o);
  ExpectIntactAndClosedCleanly(o);
  ExpectLossRecovered(o);
  // The default stack (CUBIC, SACK) repairs most losses by SACK recovery:
  // retransmissions far outnumber timeouts.
  EXPECT_GT(o.sender_info.fast_recoveries, 0u);
  EXPECT_GT(o.sender_info.sack_retransmissions + o.sender_info.fast_retransmissions,
            10 * o.sender_info.timeouts);
}

TEST(EngineImpairmentTest, FivePercentLossTimeoutOnlyCore) {
  Scenario sc = RandomLoss(0.05, 105);
  sc.config = tcp::BareConfig();
  const Outcome o = RunTransfer(sc);
  Summarize("5% loss, bare core", o);
  ExpectIntactAndClosedCleanly(o);
  ExpectLossRecovered(o);
  // Recovery by timeout alone: each of the many timeouts idles the sender
  // for at least rto_min (200 ms) and lost retransmissions back off, so the
  // transfer takes several times the clean link's 6.8 s.
  EXPECT_EQ(o.sender_info.fast_retransmissions, 0u);
  EXPECT_GT(o.sender_info.timeouts, 100u);
  EXPECT_GT(o.eof_at, At(absl::Seconds(30)));
}

TEST(EngineImpairmentTest, GilbertElliottBurstLoss) {
  // netem "loss gemodel 1% 30% 100% 0%": bursts of mean length 1/r = 3.3
  // packets, about p / (p + r) = 3.2% of packets lost; ACKs unimpaired.
  Scenario sc;
  sc.forward = BaseLink();
  sc.forward.gemodel = GilbertElliott{.p = 0.01, .r = 0.3, .one_minus_h = 1.0, .one_minus_k = 0.0};
  sc.back = BaseLink();
  sc.seed = 201;
  const Outcome o = RunTransfer(sc);
  Summarize("gemodel", o);
  ExpectIntactAndClosedCleanly(o);
  EXPECT_GT(o.path.forward_data_lost, 0u);
  EXPECT_GE(o.sender_info.retransmissions, o.path.forward_data_lost);
  // The losses came in bursts: a random 3.2% loss would make a run of four
  // consecutive losses in ~10^4 packets unlikely (~1e-6 per packet).
  EXPECT_GE(o.path.longest_loss_run, 4u);
  EXPECT_EQ(o.back.dropped_total(), 0u);
}

TEST(EngineImpairmentTest, Reordering) {
  // netem "delay 20ms reorder 5% gap 5": one packet in 20-odd skips the
  // delay and overtakes the window ahead of it.
  Scenario sc;
  sc.forward = BaseLink();
  sc.forward.reorder = 0.05;
  sc.forward.reorder_gap = 5;
  sc.back = BaseLink();
  sc.seed = 301;
  const Outcome o = RunTransfer(sc);
  Summarize("reorder", o);
  ExpectIntactAndClosedCleanly(o);
  EXPECT_GT(o.forward.reordered, 0u);
  EXPECT_GT(o.path.forward_overtaken, 0u);
  ASSERT_TRUE(o.receiver_info.has_value());
  // The receiver held each early segment for reassembly (a reordered one
  // always overtakes some of the 20 ms of packets ahead of it) rather than
  // dropping it, and nothing was lost to make up for. The exceptions are
  // reordered copies of data already there: the spurious fast
  // retransmissions that reordering draws from a stack without RACK.
  EXPECT_LE(o.receiver_info->out_of_order_segments, o.forward.reordered);
  EXPECT_GE(o.receiver_info->out_of_order_segments + o.sender_info.retransmissions,
            o.forward.reordered);
  EXPECT_EQ(o.server_counters.out_of_order_dropped, 0u);
  EXPECT_EQ(o.forward.dropped_total() + o.back.dropped_total(), 0u);
}

TEST(EngineImpairmentTest, Duplication) {
  LinkParams p = BaseLink();
  p.duplicate = 0.02;
  const Outcome o = RunTransfer(Symmetric(p, 401));
  Summarize("duplicate", o);
  ExpectIntactAndClosedCleanly(o);  // exactly 10 MB: no copy was delivered twice
  EXPECT_GT(o.path.forward_data_duplicated, 0u);
  ASSERT_TRUE(o.receiver_info.has_value());
  // Each copy of a data segment arrived after its original (no reordering,
  // no loss here) and was recognised as bringing nothing new.
  EXPECT_EQ(o.receiver_info->duplicate_segments, o.path.forward_data_duplicated);
  EXPECT_EQ(o.receiver_info->bytes_received, kTenMegabytes);
  EXPECT_GT(o.back.duplicated, 0u);
  EXPECT_EQ(o.forward.dropped_total() + o.back.dropped_total(), 0u);
}

TEST(EngineImpairmentTest, Corruption) {
  LinkParams p = BaseLink();
  p.corrupt = 0.01;
  const Outcome o = RunTransfer(Symmetric(p, 501));
  Summarize("corrupt", o);
  ExpectIntactAndClosedCleanly(o);
  EXPECT_GT(o.forward.corrupted, 0u);
  EXPECT_GT(o.back.corrupted, 0u);
  // The receiving host's IP layer caught every flipped bit: a single-bit
  // error never survives the Internet checksum. Most land in the checksummed
  // bytes; a flip of the version or length fields is malformed instead.
  auto caught = [](const NodeCounters& c) {
    return c.dropped_for(DropReason::kBadChecksum) + c.dropped_for(DropReason::kMalformed);
  };
  EXPECT_EQ(caught(o.server_node), o.forward.corrupted);
  EXPECT_EQ(caught(o.client_node), o.back.corrupted);
  EXPECT_GT(o.server_node.dropped_for(DropReason::kBadChecksum), 0u);
  // Nothing corrupted reached either engine.
  for (uint64_t n : o.server_counters.parse_errors) EXPECT_EQ(n, 0u);
  for (uint64_t n : o.client_counters.parse_errors) EXPECT_EQ(n, 0u);
  // A corrupted data segment is a lost one: it had to be sent again.
  EXPECT_GT(o.path.forward_data_corrupted, 0u);
  EXPECT_GE(o.sender_info.retransmissions, o.path.forward_data_corrupted);
}

// 20 ms +- 5 ms (standard deviation) while segments leave 0.24 ms apart:
// most arrive out of order. Forward only, or the ACKs too (see the
// TIME-WAIT test below for why the main case keeps the ACK path in order).
Scenario NormalJitter(uint64_t seed, bool both_ways) {
  Scenario sc;
  sc.forward = BaseLink();
  sc.forward.jitter = absl::Milliseconds(5);
  sc.forward.jitter_distribution = Distribution::kNormal;
  sc.back = both_ways ? sc.forward : BaseLink();
  sc.seed = seed;
  return sc;
}

TEST(EngineImpairmentTest, NormalJitterReorders) {
  const Outcome o = RunTransfer(NormalJitter(601, /*both_ways=*/false));
  Summarize("jitter", o);
  ExpectIntactAndClosedCleanly(o);
  EXPECT_GT(o.path.forward_overtaken, 0u);
  ASSERT_TRUE(o.receiver_info.has_value());
  EXPECT_GT(o.receiver_info->out_of_order_segments, 0u);
  EXPECT_EQ(o.server_counters.out_of_order_dropped, 0u);
  EXPECT_EQ(o.forward.dropped_total() + o.back.dropped_total(), 0u);
}

// ENGINE BUG (disabled until tcp/ fixes it; run with
// --gtest_also_run_disabled_tests). With jitter on the ACK path too, the
// same 10 MB transfer ends this way for 13 of the seeds 601-620. Here (seed 601) it reorders the
// server's last two segments: its FIN (which also ACKs the client's FIN)
// overtakes the plain ACK sent just before it. The client goes to
// TIME-WAIT on the FIN, then answers the late, old ACK with an ACK
// (unacceptable segment, RFC 9293 §3.10.7.4); the server, already CLOSED,
// answers that with a RST, and the RST ends the client's TIME-WAIT (RFC 9293
// allows it; RFC 1337 would ignore it). All of that is legitimate, but the
// client's application still holds its socket (it only shut down) and must
// be told: the engine once entered CLOSED there without posting kClosed,
// and an application waiting for it waited forever (seeds 601-620 with 5 ms
// jitter both ways hit it 13 times).
TEST(EngineImpairmentTest, TimeWaitEndedByResetStillTellsTheApplication) {
  // The bare core: the packet sequence above is the one its segments make.
  Scenario sc = NormalJitter(601, /*both_ways=*/true);
  sc.config = tcp::BareConfig();
  const Outcome o = RunTransfer(sc);
  Summarize("jitter, TIME-WAIT reset", o);
  // The scenario: the server reset the client's stray ACK.
  EXPECT_EQ(o.server_counters.resets_sent, 1u);
  EXPECT_EQ(o.received, kTenMegabytes);
  EXPECT_EQ(o.mismatches, 0u);
  // Whether the engine honours the RST or ignores it (RFC 1337), the
  // client's connection ends in CLOSED from TIME-WAIT, without error, and
  // its application hears of it.
  EXPECT_TRUE(o.client_path.ends_with(" TIME-WAIT CLOSED")) << o.client_path;
  EXPECT_TRUE(o.sender_error.ok()) << o.sender_error;
  EXPECT_EQ(o.client_error_events, 0);
  EXPECT_TRUE(o.sender_closed) << "no kClosed; the run ended at " << o.ended.ToString();
  EXPECT_EQ(o.server_path, "LISTEN SYN-RECEIVED ESTABLISHED CLOSE-WAIT LAST-ACK CLOSED");
}

// --- outages ---------------------------------------------------------------------

// A retry budget of about a minute with the RTO pinned by its RFC 6298
// minimum of 1 s (the 40 ms path keeps SRTT + 4 RTTVAR far below it):
// timeouts 1, 2, 4, 8, 16 (the cap), 16, 16 s after the last ACK, the last
// of them fatal: 63 s.
tcp::StackConfig OutageConfig() {
  tcp::StackConfig c;
  c.rto_initial = absl::Seconds(1);
  c.rto_min = absl::Seconds(1);
  c.rto_max = absl::Seconds(16);
  c.data_retries = 6;
  return c;
}

// Seconds after the timer's start at which the retransmission timer expires:
// k-th entry = RTO (1 + 2 + ... ) with each term capped at rto_max. The
// (data_retries + 1)-th expiry is the fatal one.
std::vector<absl::Duration> ExpiryOffsets(const tcp::StackConfig& c) {
  std::vector<absl::Duration> out;
  absl::Duration rto = c.rto_min, sum = absl::ZeroDuration();
  for (int i = 0; i <= c.data_retries; ++i) {
    sum += rto;
    out.push_back(sum);
    rto = std::min(c.rto_max, rto * 2);
  }
  return out;
}

TEST(EngineImpairmentTest, OutageBudgetArithmetic) {
  const std::vector<absl::Duration> e = ExpiryOffsets(OutageConfig());
  ASSERT_EQ(e.size(), 7u);
  EXPECT_EQ(e.front(), absl::Seconds(1));
  EXPECT_EQ(e.back(), absl::Seconds(63));
}

TEST(EngineImpairmentTest, DyingLinkTimesOut) {
  const tcp::StackConfig config = OutageConfig();
  const Instant down = At(absl::Seconds(2));  // about a third of the way
  Scenario sc;
  sc.forward = BaseLink();
  sc.back = BaseLink();
  sc.seed = 701;
  sc.config = config;
  sc.down_at = down;
  const Outcome o = RunTransfer(sc);
  Summarize("dying link", o);

  // The receiver has a strict, intact prefix of the stream.
  EXPECT_GT(o.received, 0u);
  EXPECT_LT(o.received, kTenMegabytes);
  EXPECT_EQ(o.mismatches, 0u) << "first wrong byte at offset " << o.first_mismatch;
  EXPECT_FALSE(o.eof);
  EXPECT_LE(o.last_data_at, down);
  EXPECT_GT(o.path.forward_data_cut, 0u);  // the cable pull took segments in flight

  // The sender died of the timed-out error after its whole budget.
  ASSERT_TRUE(o.sender_failed);
  EXPECT_FALSE(o.sender_closed);
  EXPECT_EQ(o.sender_error.code(), absl::StatusCode::kDeadlineExceeded) << o.sender_error;
  EXPECT_TRUE(absl::StrContains(o.sender_error.message(), "timed out")) << o.sender_error;
  EXPECT_TRUE(absl::StrContains(o.sender_error.message(),
                                absl::StrCat(config.data_retries, " retransmissions")))
      << o.sender_error;
  EXPECT_EQ(o.sender_info.state, ConnectionState::kClosed);
  EXPECT_EQ(o.client_error_events, 1);

  // The timer was last restarted by the last ACK that got through before
  // the link died; from there the expiries follow the backoff schedule.
  const Instant start = o.path.last_ack_advance;
  ASSERT_LE(start, down);
  EXPECT_GT(start, down - absl::Milliseconds(100));  // ACKs flowed until the end
  const std::vector<absl::Duration> expiries = ExpiryOffsets(config);
  ASSERT_EQ(o.timeouts.size(), expiries.size() - 1);
  for (size_t i = 0; i < o.timeouts.size(); ++i) {
    EXPECT_EQ(o.timeouts[i].attempt, static_cast<int>(i + 1));
    EXPECT_LE(absl::AbsDuration(o.timeouts[i].at - (start + expiries[i])), config.rto_granularity)
        << "retransmission " << i + 1 << " at " << o.timeouts[i].at.ToString();
  }
  EXPECT_LE(absl::AbsDuration(o.failed_at - (start + expiries.back())), config.rto_granularity)
      << "died at " << o.failed_at.ToString() << ", expected "
      << (start + expiries.back()).ToString();
  EXPECT_EQ(o.sender_info.timeouts, static_cast<uint64_t>(config.data_retries));
}

TEST(EngineImpairmentTest, ReturningLinkCompletes) {
  const tcp::StackConfig config = OutageConfig();
  const Instant down = At(absl::Seconds(2));
  const Instant up = At(absl::Seconds(7));  // 5 s, well inside the 63 s budget
  Scenario sc;
  sc.forward = BaseLink();
  sc.back = BaseLink();
  sc.seed = 801;
  sc.config = config;
  sc.down_at = down;
  sc.up_at = up;
  const Outcome o = RunTransfer(sc);
  Summarize("returning link", o);
  ExpectIntactAndClosedCleanly(o);
  EXPECT_GT(o.path.forward_data_cut, 0u);
  EXPECT_GT(o.sender_info.retransmissions, 0u);
  EXPECT_GT(o.eof_at, up);

  // While the link was down the timer backed off; the first expiry after
  // it returned got through and the transfer resumed from there.
  // Expiries 1 and 2 (at +1 s, +3 s) fell in the outage, 3 (+7 s) after it.
  const Instant start = o.path.last_ack_advance;
  ASSERT_LE(start, down);
  EXPECT_GT(start, down - absl::Milliseconds(100));
  const std::vector<absl::Duration> expiries = ExpiryOffsets(config);
  ASSERT_GE(o.timeouts.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(o.timeouts[i].attempt, i + 1);
    EXPECT_LE(absl::AbsDuration(o.timeouts[i].at - (start + expiries[i])), config.rto_granularity)
        << "retransmission " << i + 1 << " at " << o.timeouts[i].at.ToString();
  }
  EXPECT_LT(o.timeouts[1].at, up);
  EXPECT_GT(o.timeouts[2].at, up);
  // The transfer resumed with that third retransmission.
  EXPECT_GT(o.eof_at, o.timeouts[2].at);
}

// --- determinism -------------------------------------------------------------------

TEST(EngineImpairmentTest, SameSeedSameBytesOtherSeedOtherBytes) {
  Scenario sc = RandomLoss(0.01, 101);
  sc.capture = true;
  const Outcome a = RunTransfer(sc);
  const Outcome b = RunTransfer(sc);
  sc.seed = 102;
  const Outcome c = RunTransfer(sc);
  ExpectIntactAndClosedCleanly(a);
  ExpectIntactAndClosedCleanly(c);
  ASSERT_GT(a.pcap.size(), kTenMegabytes);  // every data segment the client sent
  ASSERT_FALSE(a.trace.empty());
  EXPECT_TRUE(a.pcap == b.pcap);
  EXPECT_TRUE(a.trace == b.trace);
  EXPECT_FALSE(a.pcap == c.pcap);
  EXPECT_FALSE(a.trace == c.trace);
  EXPECT_NE(a.forward.dropped_total(), 0u);
}

}  // namespace
}  // namespace tcplab::netsim
