#include "netsim/network.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "netsim/pcap/pcap_reader.h"
#include "netsim/pcap_tap.h"
#include "netsim/router.h"
#include "netsim/sim_host.h"
#include "netsim/test_util.h"

namespace tcplab::netsim {
namespace {

using testing::RecordingClient;
using testing::SeqOf;
using testing::TcpPacket;

const wire::Ipv4Address kA(10, 0, 0, 1);
const wire::Ipv4Address kB(10, 0, 0, 2);

Instant Ms(int64_t ms) { return Instant::FromNanos(ms * 1000000); }

TEST(NetworkTest, NamesAreUniqueAndFindable) {
  Simulator sim;
  Network net(&sim, 1);
  SimHost* a = net.AddHost("a", kA).value();
  EXPECT_EQ(net.AddHost("a", kB).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_FALSE(net.AddHost("", kB).ok());
  EXPECT_EQ(net.AddHost("a2", kA).status().code(), absl::StatusCode::kAlreadyExists);
  SimHost* b = net.AddHost("b", kB).value();
  ASSERT_TRUE(net.Connect(a, b, LinkParams()).ok());
  EXPECT_EQ(net.Connect(a, b, LinkParams()).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(net.FindLink("a-b"), nullptr);
  EXPECT_EQ(net.FindNode("b"), b);
  EXPECT_EQ(net.FindNode("c"), nullptr);
  LinkParams bad;
  bad.mtu = -1;
  EXPECT_EQ(net.Connect(a, b, bad, "x").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(net.Connect(a, a, LinkParams(), "loop").ok());
}

// Hosts a (10.0.0.1) and b (10.0.0.2) joined by one link without delay.
struct TwoHosts {
  Simulator sim;
  Network net{&sim, 1};
  SimHost* a = net.AddHost("a", kA).value();
  SimHost* b = net.AddHost("b", kB).value();
  bool linked = net.Connect(a, b, LinkParams()).ok();
};

TEST(SimHostTest, SendNeverCallsBackSynchronously) {
  TwoHosts t;
  ASSERT_TRUE(t.linked);
  RecordingClient ca, cb;
  t.a->SetClient(&ca);
  t.b->SetClient(&cb);
  t.a->Send(TcpPacket(kA, kB, 1));
  EXPECT_TRUE(cb.arrivals.empty());  // not yet: delivery is an event
  t.sim.RunUntilIdle();
  ASSERT_EQ(cb.arrivals.size(), 1u);
  EXPECT_EQ(cb.arrivals[0].at, Instant::Zero());
  EXPECT_EQ(cb.arrivals[0].bytes, TcpPacket(kA, kB, 1));
}

TEST(SimHostTest, WakeAtReplacesCancelsAndNeverReenters) {
  Simulator sim;
  Network net(&sim, 1);
  SimHost* a = net.AddHost("a", kA).value();
  RecordingClient ca;
  a->SetClient(&ca);
  a->WakeAt(Ms(5));
  a->WakeAt(Ms(3));  // replaces
  EXPECT_EQ(a->wake_time(), Ms(3));
  sim.RunUntilIdle();
  EXPECT_EQ(ca.wakes, (std::vector<Instant>{Ms(3)}));
  a->WakeAt(Ms(10));
  a->WakeAt(Instant::Infinite());  // cancels
  sim.RunUntilIdle();
  EXPECT_EQ(ca.wakes.size(), 1u);
  // A time in the past wakes "now", but only once control returns.
  sim.RunUntil(Ms(20));
  a->WakeAt(Ms(1));
  EXPECT_EQ(ca.wakes.size(), 1u);
  sim.RunUntilIdle();
  EXPECT_EQ(ca.wakes, (std::vector<Instant>{Ms(3), Ms(20)}));
  EXPECT_EQ(a->Now(), Ms(20));
}

// A client that re-arms its wake from inside OnWake, as a stack does.
class Ticker : public BackendClient {
 public:
  explicit Ticker(SimHost* host) : host_(host) {}
  void OnPacket(Instant, absl::Span<const uint8_t>) override {}
  void OnWake(Instant now) override {
    ticks.push_back(now);
    if (ticks.size() < 5) host_->WakeAt(now + absl::Milliseconds(2));
  }
  std::vector<Instant> ticks;

 private:
  SimHost* host_;
};

TEST(SimHostTest, RearmingFromOnWake) {
  Simulator sim;
  Network net(&sim, 1);
  SimHost* a = net.AddHost("a", kA).value();
  Ticker t(a);
  a->SetClient(&t);
  a->WakeAt(Ms(1));
  sim.RunUntilIdle();
  EXPECT_EQ(t.ticks, (std::vector<Instant>{Ms(1), Ms(3), Ms(5), Ms(7), Ms(9)}));
}

TEST(SimHostTest, ReceiverChecksDropWithReasons) {
  TwoHosts t;
  ASSERT_TRUE(t.linked);
  SimHost* a = t.a;
  SimHost* b = t.b;
  Simulator& sim = t.sim;
  RecordingClient cb;
  a->Send(TcpPacket(kA, kB, 1));  // b has no client yet
  sim.RunUntilIdle();
  b->SetClient(&cb);
  a->Send(TcpPacket(kA, wire::Ipv4Address(10, 0, 0, 9), 2));  // not for b
  std::vector<uint8_t> bad_tcp = TcpPacket(kA, kB, 3, 10);
  bad_tcp.back() ^= 0x40;  // payload bit: TCP checksum wrong
  a->Send(bad_tcp);
  a->Send(std::vector<uint8_t>{0x45, 0x00});  // truncated
  std::vector<uint8_t> padded = TcpPacket(kA, kB, 4);
  padded.push_back(0xee);  // link padding past the IP total length
  a->Send(padded);
  sim.RunUntilIdle();
  const NodeCounters& c = b->counters();
  EXPECT_EQ(c.dropped_for(DropReason::kNoClient), 1u);
  EXPECT_EQ(c.dropped_for(DropReason::kWrongDestination), 1u);
  EXPECT_EQ(c.dropped_for(DropReason::kBadChecksum), 1u);
  EXPECT_EQ(c.dropped_for(DropReason::kMalformed), 1u);
  ASSERT_EQ(cb.arrivals.size(), 1u);
  EXPECT_EQ(cb.arrivals[0].bytes, TcpPacket(kA, kB, 4));  // padding cut off
  EXPECT_EQ(c.received, 1u);
}

// SendBuffer lends a pool packet to build in place; a Send of that memory
// takes it as it is, a Send of other memory copies and returns the loan.
TEST(SimHostTest, APacketBuiltInTheLentBufferIsSentWithoutACopy) {
  TwoHosts t;
  ASSERT_TRUE(t.linked);
  SimHost* a = t.a;
  SimHost* b = t.b;
  Simulator& sim = t.sim;
  Network& net = t.net;
  RecordingClient cb;
  b->SetClient(&cb);
  const std::vector<uint8_t> first = TcpPacket(kA, kB, 1, 10);
  absl::Span<uint8_t> buf = a->SendBuffer(first.size() + 100);  // more than it needs
  ASSERT_EQ(buf.size(), first.size() + 100);
  std::copy(first.begin(), first.end(), buf.begin());
  a->Send(buf.first(first.size()));
  EXPECT_EQ(net.pool().in_use(), 1u);  // the lent packet itself, in flight
  const std::vector<uint8_t> second = TcpPacket(kA, kB, 2, 20);
  (void)a->SendBuffer(second.size());
  a->Send(second);  // not the lent memory: copied, the loan returned
  EXPECT_EQ(net.pool().in_use(), 2u);
  sim.RunUntilIdle();
  ASSERT_EQ(cb.arrivals.size(), 2u);
  EXPECT_EQ(cb.arrivals[0].bytes, first);
  EXPECT_EQ(cb.arrivals[1].bytes, second);
  EXPECT_EQ(net.pool().in_use(), 0u);
}

TEST(SimHostTest, UnattachedHostDropsWithNoRoute) {
  Simulator sim;
  Network net(&sim, 1);
  SimHost* a = net.AddHost("a", kA).value();
  a->Send(TcpPacket(kA, kB, 1));
  EXPECT_EQ(a->counters().dropped_for(DropReason::kNoRoute), 1u);
  EXPECT_EQ(net.pool().in_use(), 0u);
}

TEST(RouterTest, ManyClientsOneServerThroughARouter) {
  Simulator sim;
  Network net(&sim, 3);
  Router* r = net.AddRouter("r").value();
  SimHost* server = net.AddHost("server", wire::Ipv4Address(10, 0, 1, 1)).value();
  LinkParams access;
  access.delay = absl::Milliseconds(1);
  LinkParams bottleneck;
  bottleneck.delay = absl::Milliseconds(5);
  bottleneck.rate_bps = 8000000;  // 1000 B per ms
  ASSERT_TRUE(net.Connect(r, server, bottleneck, access, "r-server").ok());
  std::vector<SimHost*> clients;
  std::vector<RecordingClient> client_recorders(3);
  for (int i = 0; i < 3; ++i) {
    SimHost* c = net.AddHost(absl::StrCat("c", i),
                             wire::Ipv4Address(10, 0, 2, static_cast<uint8_t>(i + 1)))
                     .value();
    c->SetClient(&client_recorders[i]);
    ASSERT_TRUE(net.Connect(c, r, access).ok());
    clients.push_back(c);
  }
  RecordingClient srv;
  server->SetClient(&srv);
  for (int i = 0; i < 3; ++i) {
    clients[i]->Send(TcpPacket(clients[i]->address(), server->address(), i, 960));
  }
  server->Send(TcpPacket(server->address(), clients[2]->address(), 7));
  server->Send(TcpPacket(server->address(), wire::Ipv4Address(192, 168, 0, 1), 8));
  sim.RunUntilIdle();
  // All three reach the router at 1 ms and queue on the bottleneck: 1 ms of
  // serialization each, then 5 ms of delay.
  ASSERT_EQ(srv.arrivals.size(), 3u);
  EXPECT_EQ(srv.arrivals[0].at, Ms(7));
  EXPECT_EQ(srv.arrivals[1].at, Ms(8));
  EXPECT_EQ(srv.arrivals[2].at, Ms(9));
  EXPECT_EQ(SeqOf(srv.arrivals[1].bytes), 1u);  // ties in connection order
  ASSERT_EQ(client_recorders[2].arrivals.size(), 1u);
  EXPECT_EQ(client_recorders[2].arrivals[0].at, Ms(2));
  EXPECT_TRUE(client_recorders[0].arrivals.empty());
  EXPECT_EQ(r->counters().dropped_for(DropReason::kNoRoute), 1u);
  EXPECT_EQ(r->Lookup(wire::Ipv4Address(10, 0, 2, 2)), 2);
  // A default route catches the rest.
  ASSERT_TRUE(r->AddRoute(wire::Ipv4Address(0, 0, 0, 0), 0, 0).ok());
  EXPECT_EQ(r->Lookup(wire::Ipv4Address(192, 168, 0, 1)), 0);
  EXPECT_EQ(r->Lookup(wire::Ipv4Address(10, 0, 2, 3)), 3);  // longest prefix wins
  EXPECT_FALSE(r->AddRoute(kA, 33, 0).ok());
  EXPECT_FALSE(r->AddRoute(kA, 32, 9).ok());
}

TEST(RouterTest, RoutesAcrossChainedRouters) {
  // c0, c1 -- r1 -- r2 -- server.
  Simulator sim;
  Network net(&sim, 1);
  Router* r1 = net.AddRouter("r1").value();
  Router* r2 = net.AddRouter("r2").value();
  SimHost* server = net.AddHost("server", wire::Ipv4Address(10, 0, 1, 1)).value();
  SimHost* c0 = net.AddHost("c0", wire::Ipv4Address(10, 0, 2, 1)).value();
  SimHost* c1 = net.AddHost("c1", wire::Ipv4Address(10, 0, 2, 2)).value();
  LinkParams p;
  p.delay = absl::Milliseconds(1);
  ASSERT_TRUE(net.Connect(c0, r1, p).ok());
  ASSERT_TRUE(net.Connect(c1, r1, p).ok());
  ASSERT_TRUE(net.Connect(r1, r2, p).ok());
  ASSERT_TRUE(net.Connect(r2, server, p).ok());
  net.AddRoutesToAllHosts();
  EXPECT_EQ(r1->Lookup(server->address()), 2);
  EXPECT_EQ(r2->Lookup(c1->address()), 0);
  RecordingClient srv, rc0, rc1;
  server->SetClient(&srv);
  c0->SetClient(&rc0);
  c1->SetClient(&rc1);
  c0->Send(TcpPacket(c0->address(), server->address(), 1));
  c1->Send(TcpPacket(c1->address(), server->address(), 2));
  server->Send(TcpPacket(server->address(), c1->address(), 3));
  sim.RunUntilIdle();
  ASSERT_EQ(srv.arrivals.size(), 2u);
  EXPECT_EQ(srv.arrivals[0].at, Ms(3));  // three links of 1 ms
  ASSERT_EQ(rc1.arrivals.size(), 1u);
  EXPECT_EQ(SeqOf(rc1.arrivals[0].bytes), 3u);
  EXPECT_TRUE(rc0.arrivals.empty());
}

// A lossy, jittery, duplicating, reordering, corrupting, rate-limited run in
// both directions; returns its trace and pcaps.
struct RunOutput {
  std::string trace;
  std::vector<uint8_t> host_pcap;
  std::vector<uint8_t> link_pcap;
  uint64_t received = 0;
};
RunOutput LossyRun(uint64_t seed) {
  Simulator sim;
  Network net(&sim, seed);
  SimHost* a = net.AddHost("a", kA).value();
  SimHost* b = net.AddHost("b", kB).value();
  LinkParams p;
  p.delay = absl::Milliseconds(20);
  p.jitter = absl::Milliseconds(5);
  p.jitter_distribution = Distribution::kParetoNormal;
  p.loss = 0.05;
  p.duplicate = 0.02;
  p.reorder = 0.05;
  p.corrupt = 0.02;
  p.rate_bps = 10000000;
  p.limit_packets = 20;
  LinkParams q = p;
  q.gemodel = GilbertElliott{.p = 0.02, .r = 0.3};
  Link* link = net.Connect(a, b, p, q).value();
  RecordingClient ca, cb;
  a->SetClient(&ca);
  b->SetClient(&cb);
  RunOutput out;
  net.SetTraceHook([&](const PacketEvent& e) {
    out.trace += FormatPacketEvent(e);
    out.trace += '\n';
  });
  auto host_tap = PcapTap::ForHost(&net, b, PcapWriter::InMemory(LinkType::kRaw));
  auto link_tap = PcapTap::ForLink(&net, link, PcapWriter::InMemory(LinkType::kRaw));
  for (int i = 0; i < 2000; ++i) {
    sim.ScheduleFn(Instant::FromNanos(int64_t{i} * 300000), [a, b, i] {
      a->Send(TcpPacket(kA, kB, i, 1000));
      if (i % 2 == 0) b->Send(TcpPacket(kB, kA, i, 0));
    });
  }
  link->SetUpAt(Ms(300), false);
  link->SetUpAt(Ms(310), true);
  sim.RunUntilIdle();
  EXPECT_TRUE(host_tap->status().ok());
  out.host_pcap = host_tap->writer().bytes();
  out.link_pcap = link_tap->writer().bytes();
  out.received = b->counters().received + a->counters().received;
  EXPECT_EQ(net.pool().in_use(), 0u);
  return out;
}

TEST(DeterminismTest, SameSeedSameBytesDifferentSeedDifferentTrace) {
  const RunOutput first = LossyRun(42);
  const RunOutput second = LossyRun(42);
  const RunOutput other = LossyRun(43);
  EXPECT_GT(first.trace.size(), 100000u);
  EXPECT_EQ(first.trace, second.trace);
  EXPECT_EQ(first.host_pcap, second.host_pcap);
  EXPECT_EQ(first.link_pcap, second.link_pcap);
  EXPECT_NE(first.trace, other.trace);
  EXPECT_NE(first.link_pcap, other.link_pcap);
  // Every impairment showed up.
  for (const char* word : {"dropped(loss)", "duplicated", "reordered", "corrupted",
                                 "queued", "dropped(link_down)", "dropped(bad_checksum)"}) {
    EXPECT_NE(first.trace.find(word), std::string::npos) << word;
  }
}

TEST(TraceTest, FormatsWithTheSegment) {
  Simulator sim;
  Network net(&sim, 1);
  SimHost* a = net.AddHost("a", kA).value();
  SimHost* b = net.AddHost("b", kB).value();
  LinkParams p;
  p.delay = absl::Milliseconds(2);
  ASSERT_TRUE(net.Connect(a, b, p).ok());
  RecordingClient cb;
  b->SetClient(&cb);
  std::vector<std::string> lines;
  net.SetTraceHook([&](const PacketEvent& e) { lines.push_back(FormatPacketEventWithSegment(e)); });
  a->Send(TcpPacket(kA, kB, 100, 20));
  a->Send(std::vector<uint8_t>{1, 2, 3});
  sim.RunUntilIdle();
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0],
            "0.000000000s host a sent #1 60B 10.0.0.1:40000 > 10.0.0.2:80 . 100:120(20) ack 0 win 65535");
  EXPECT_EQ(lines[1], "0.000000000s host a sent #2 3B [unparsed: truncated_ip_header]");
  EXPECT_EQ(lines[2], "0.002000000s link a-b:a>b delivered #1 60B 10.0.0.1:40000 > 10.0.0.2:80 . 100:120(20) ack 0 win 65535");
  EXPECT_EQ(lines[3], "0.002000000s host b received #1 60B 10.0.0.1:40000 > 10.0.0.2:80 . 100:120(20) ack 0 win 65535");
  EXPECT_EQ(lines[5], "0.002000000s host b dropped(malformed) #2 3B [unparsed: truncated_ip_header]");
}

uint64_t Fnv1a(absl::Span<const uint8_t> bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (uint8_t b : bytes) {
    h ^= b;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// Golden digests of the lossy run: the same on every machine, compiler and
// optimization level. A deliberate change to the link pipeline, the random
// streams or the trace format changes them; update them then, and say so.
TEST(DeterminismTest, GoldenDigests) {
  const RunOutput run = LossyRun(42);
  const uint64_t trace_digest = Fnv1a(absl::MakeConstSpan(
      reinterpret_cast<const uint8_t*>(run.trace.data()), run.trace.size()));
  EXPECT_EQ(trace_digest, 0x08278a8d48fefca6ULL) << std::hex << trace_digest;
  EXPECT_EQ(Fnv1a(run.link_pcap), 0xbb63c7b59b104190ULL) << std::hex << Fnv1a(run.link_pcap);
}

TEST(PcapTapTest, CapturesWhatTheHostSeesWithVirtualTimestamps) {
  Simulator sim;
  Network net(&sim, 1);
  SimHost* a = net.AddHost("a", kA).value();
  SimHost* b = net.AddHost("b", kB).value();
  LinkParams p;
  p.delay = absl::Microseconds(1500);
  Link* link = net.Connect(a, b, p).value();
  RecordingClient cb;
  b->SetClient(&cb);
  auto tap_a = PcapTap::ForHost(&net, a, PcapWriter::InMemory(LinkType::kRaw));
  auto tap_link = PcapTap::ForLink(&net, link, PcapWriter::InMemory(LinkType::kRaw));
  sim.RunUntil(Instant::FromNanos(123));
  a->Send(TcpPacket(kA, kB, 5, 3));
  b->Send(TcpPacket(kB, kA, 6));
  sim.RunUntilIdle();
  const auto file_a = ReadPcapBytes(tap_a->writer().bytes());
  ASSERT_TRUE(file_a.ok()) << file_a.status();
  EXPECT_EQ(file_a->link_type, static_cast<uint32_t>(LinkType::kRaw));
  ASSERT_EQ(file_a->records.size(), 2u);  // sent, then received
  EXPECT_EQ(file_a->records[0].timestamp_ns, 123);
  EXPECT_EQ(file_a->records[0].data, TcpPacket(kA, kB, 5, 3));
  EXPECT_EQ(file_a->records[1].timestamp_ns, 1500123);
  EXPECT_EQ(file_a->records[1].data, TcpPacket(kB, kA, 6));
  const auto file_link = ReadPcapBytes(tap_link->writer().bytes());
  ASSERT_TRUE(file_link.ok());
  ASSERT_EQ(file_link->records.size(), 2u);
  EXPECT_EQ(file_link->records[0].timestamp_ns, 1500123);
}

TEST(NetworkTest, DestroyingTheNetworkCancelsItsPendingEvents) {
  Simulator sim;
  {
    Network net(&sim, 1);
    SimHost* a = net.AddHost("a", kA).value();
    SimHost* b = net.AddHost("b", kB).value();
    LinkParams p;
    p.delay = absl::Milliseconds(5);
    Link* link = net.Connect(a, b, p).value();
    link->SetUpAt(Ms(10), false);
    ASSERT_TRUE(link->a_to_b().SetParamsAt(Ms(11), p).ok());
    a->WakeAt(Ms(3));
    a->Send(TcpPacket(kA, kB, 1));
    EXPECT_EQ(sim.pending_events(), 5u);
  }
  EXPECT_EQ(sim.pending_events(), 0u);
  EXPECT_EQ(sim.RunUntilIdle(), 0u);
}

TEST(SimHostTest, GarbageNeverCrashesAndIsAlwaysCounted) {
  Simulator sim;
  Network net(&sim, 1);
  SimHost* a = net.AddHost("a", kA).value();
  SimHost* b = net.AddHost("b", kB).value();
  LinkParams p;
  p.mtu = 0;
  ASSERT_TRUE(net.Connect(a, b, p).ok());
  RecordingClient cb;
  b->SetClient(&cb);
  Rng rng(5);
  const int n = 3000;
  for (int i = 0; i < n; ++i) {
    std::vector<uint8_t> junk(rng.Below(80));
    for (uint8_t& byte : junk) byte = static_cast<uint8_t>(rng.Next());
    if (i % 2 == 0 && junk.size() >= 20) {
      junk[0] = 0x45;  // plausible header start: exercise deeper checks
      junk[2] = 0;
      junk[3] = static_cast<uint8_t>(junk.size());
    }
    a->Send(junk);
  }
  sim.RunUntilIdle();
  EXPECT_EQ(b->counters().dropped_total() + b->counters().received, static_cast<uint64_t>(n));
  EXPECT_EQ(net.pool().in_use(), 0u);
}

}  // namespace
}  // namespace tcplab::netsim
