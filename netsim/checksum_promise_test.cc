// Backend::PromiseValidChecksums: a host whose client promised correct
// checksums has its packets' TCP checksums trusted on arrival, unless a
// link changed a bit on the way; then the receiver verifies and drops.
// Backend::OffloadChecksums: the network computes a sender's checksums,
// and only where something reads them.

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "netsim/link_params.h"
#include "netsim/network.h"
#include "netsim/sim_host.h"
#include "netsim/simulator.h"
#include "netsim/test_util.h"
#include "netsim/trace.h"
#include "tcp/wire/checksum.h"
#include "tcp/wire/ipv4_address.h"

namespace tcplab::netsim {
namespace {

constexpr wire::Ipv4Address kA(10, 0, 0, 1);
constexpr wire::Ipv4Address kB(10, 0, 0, 2);

// Sends one packet whose TCP checksum is wrong from a to b (a promising
// valid checksums or not) over a link with the given corruption rate, and
// returns how many packets b's client got and b's bad-checksum drops.
struct Result {
  size_t delivered = 0;
  uint64_t bad_checksum = 0;
  uint64_t corrupted_on_link = 0;
};

Result SendOne(bool promise, double corrupt, bool break_checksum) {
  Simulator sim;
  Network net(&sim, 7);
  SimHost* a = net.AddHost("a", kA).value();
  SimHost* b = net.AddHost("b", kB).value();
  LinkParams p;
  p.corrupt = corrupt;
  auto link = net.Connect(a, b, p);
  EXPECT_TRUE(link.ok());
  testing::RecordingClient cb;
  b->SetClient(&cb);
  if (promise) a->PromiseValidChecksums();
  std::vector<uint8_t> packet = testing::TcpPacket(kA, kB, 1, 100);
  if (break_checksum) packet.back() ^= 0x01;
  a->Send(packet);
  sim.RunUntilIdle();
  return {cb.arrivals.size(), b->counters().dropped_for(DropReason::kBadChecksum) +
                                  b->counters().dropped_for(DropReason::kMalformed),
          (*link)->a_to_b().counters().corrupted};
}

TEST(ChecksumPromiseTest, WithoutAPromiseEveryChecksumIsVerified) {
  const Result r = SendOne(/*promise=*/false, /*corrupt=*/0, /*break_checksum=*/true);
  EXPECT_EQ(r.delivered, 0u);
  EXPECT_EQ(r.bad_checksum, 1u);
}

// The promise is what a NIC or veth does for local packets: a sender that
// breaks it is not caught. tcplab's stacks make it (their serializer is
// cross-checked against scapy and tshark in tests/interop).
TEST(ChecksumPromiseTest, APromisedUntouchedPacketIsNotSummedAgain) {
  const Result r = SendOne(/*promise=*/true, /*corrupt=*/0, /*break_checksum=*/true);
  EXPECT_EQ(r.delivered, 1u);
  EXPECT_EQ(r.bad_checksum, 0u);
}

TEST(ChecksumPromiseTest, CorruptionOnTheWayIsStillCaught) {
  const Result r = SendOne(/*promise=*/true, /*corrupt=*/1.0, /*break_checksum=*/false);
  EXPECT_EQ(r.corrupted_on_link, 1u);
  EXPECT_EQ(r.delivered, 0u);
  EXPECT_EQ(r.bad_checksum, 1u);
}

TEST(ChecksumPromiseTest, AGoodPromisedPacketArrives) {
  const Result r = SendOne(/*promise=*/true, /*corrupt=*/0, /*break_checksum=*/false);
  EXPECT_EQ(r.delivered, 1u);
  EXPECT_EQ(r.bad_checksum, 0u);
}

// --- transmit checksum offload

bool TcpChecksumGood(absl::Span<const uint8_t> p) {
  return wire::TcpChecksum(kA, kB, p.subspan(20)) == 0;
}

// TcpPacket's bytes with the TCP checksum field 0, as a stack with
// checksum_offload sends them.
std::vector<uint8_t> Offloaded(const std::vector<uint8_t>& whole) {
  std::vector<uint8_t> p = whole;
  p[36] = p[37] = 0;
  return p;
}

class Watcher : public PacketObserver {
 public:
  void OnPacketEvent(const PacketEvent& e) override {
    seen.emplace_back(e.bytes.begin(), e.bytes.end());
  }
  std::vector<std::vector<uint8_t>> seen;
};

struct OffloadRun {
  Simulator sim;
  Network net{&sim, 7};
  SimHost* a = net.AddHost("a", kA).value();
  SimHost* b = net.AddHost("b", kB).value();
  testing::RecordingClient cb;
  Link* link = nullptr;
  explicit OffloadRun(double corrupt = 0) {
    LinkParams p;
    p.corrupt = corrupt;
    p.delay = absl::Milliseconds(1);
    link = net.Connect(a, b, p).value();
    b->SetClient(&cb);
    a->PromiseValidChecksums();
    EXPECT_TRUE(a->OffloadChecksums());
  }
};

TEST(ChecksumOffloadTest, AClientThatReadsChecksumsGetsThemComplete) {
  OffloadRun r;
  const std::vector<uint8_t> whole = testing::TcpPacket(kA, kB, 1, 100);
  r.a->Send(Offloaded(whole));
  r.sim.RunUntilIdle();
  ASSERT_EQ(r.cb.arrivals.size(), 1u);
  EXPECT_EQ(r.cb.arrivals[0].bytes, whole);
}

TEST(ChecksumOffloadTest, AnOffloadingReceiverGetsThemAsSentNeverSummed) {
  OffloadRun r;
  EXPECT_TRUE(r.b->OffloadChecksums());
  const std::vector<uint8_t> whole = testing::TcpPacket(kA, kB, 1, 100);
  r.a->Send(Offloaded(whole));
  r.sim.RunUntilIdle();
  ASSERT_EQ(r.cb.arrivals.size(), 1u);
  EXPECT_EQ(r.cb.arrivals[0].bytes, Offloaded(whole));
}

TEST(ChecksumOffloadTest, ObserversSeeEveryPacketComplete) {
  OffloadRun r;
  Watcher w;
  r.net.AddObserver(&w);
  r.a->Send(Offloaded(testing::TcpPacket(kA, kB, 1, 100)));
  r.sim.RunUntilIdle();
  ASSERT_GE(w.seen.size(), 3u);  // sent, the link's events, received
  for (const std::vector<uint8_t>& p : w.seen) EXPECT_TRUE(TcpChecksumGood(p));
}

TEST(ChecksumOffloadTest, AnObserverAddedInFlightSeesThePacketComplete) {
  OffloadRun r;
  EXPECT_TRUE(r.b->OffloadChecksums());
  r.a->Send(Offloaded(testing::TcpPacket(kA, kB, 1, 100)));
  Watcher w;
  r.net.AddObserver(&w);
  r.sim.RunUntilIdle();
  ASSERT_GE(w.seen.size(), 1u);
  for (const std::vector<uint8_t>& p : w.seen) EXPECT_TRUE(TcpChecksumGood(p));
}

// The checksum is computed before the bit flips, so the receiver still
// finds the corruption (computed after, it would match the damage).
TEST(ChecksumOffloadTest, CorruptionOfAnOffloadedPacketIsCaught) {
  OffloadRun r(/*corrupt=*/1.0);
  EXPECT_TRUE(r.b->OffloadChecksums());
  r.a->Send(Offloaded(testing::TcpPacket(kA, kB, 1, 100)));
  r.sim.RunUntilIdle();
  EXPECT_EQ(r.link->a_to_b().counters().corrupted, 1u);
  EXPECT_EQ(r.cb.arrivals.size(), 0u);
  EXPECT_EQ(r.b->counters().dropped_for(DropReason::kBadChecksum) +
                r.b->counters().dropped_for(DropReason::kMalformed),
            1u);
}

}  // namespace
}  // namespace tcplab::netsim
