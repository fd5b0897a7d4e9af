// Backend::PromiseValidChecksums: a host whose client promised correct
// checksums has its packets' TCP checksums trusted on arrival, unless a
// link changed a bit on the way; then the receiver verifies and drops.

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "netsim/link_params.h"
#include "netsim/network.h"
#include "netsim/sim_host.h"
#include "netsim/simulator.h"
#include "netsim/test_util.h"
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

}  // namespace
}  // namespace tcplab::netsim
