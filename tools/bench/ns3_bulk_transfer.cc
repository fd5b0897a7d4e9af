// The bulk-transfer benchmark of issue 4, in ns-3.37: the reference that
// tools/bench/run measures in the same run as tcplab's bulk_transfer.
//
// Built outside Bazel (ns-3 is an optional, heavy dependency) by
// tools/bench/run with a plain g++ command against Debian's libns3-dev.
//
// Same transfer as bulk_transfer.cc: two nodes, one PointToPoint link at
// 100 Mbit/s with 10 ms delay; a RateErrorModel dropping --loss (1%) of the
// packets the receiver's device receives (the data direction only); the
// device's DropTail queue at --queue_packets (1000) packets, and the
// traffic-control layer's default root queue disc removed so that, as in
// netsim, the device queue is the only queue. BulkSendApplication sends
// --bytes to a PacketSink; TCP segment size 1448, SACK on, --cc newreno
// (ns3::TcpNewReno, default) or cubic (ns3::TcpCubic). The settings tcplab's
// bulk_transfer aligns with are set explicitly, to ns-3.37's own defaults:
// 131072-byte send and receive buffers (--snd_buf, --rcv_buf) and an
// initial window of 10 segments (--initial_cwnd). Everything else is
// ns-3's default (timestamps and window scaling on, delayed ACK count 2
// with a 200 ms timeout, MinRto 1 s, limited transmit, PRR recovery,
// TcpCubic with HyStart); --min_rto_ms, --delack_ms, --delack_count,
// --hystart and --recovery change some of them for experiments.
//
// ns-3 carries no real payload here (BulkSend sends zero-filled virtual
// bytes): only tcplab's side verifies bytes.
//
// Prints a summary and one "result " line of key=value pairs in the format
// of bulk_transfer.cc. The completion time is the simulated instant the
// sink received the last byte; the simulation stops there.

#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/traffic-control-module.h"

namespace {

uint64_t g_total = 0;
uint64_t g_received = 0;
bool g_done = false;
double g_done_at_s = 0;
uint64_t g_lost = 0;
uint64_t g_data_segments = 0;
uint64_t g_retransmissions = 0;
uint64_t g_timeouts = 0;    // entries into CA_LOSS: retransmission timeouts
uint64_t g_recoveries = 0;  // entries into CA_RECOVERY: fast recoveries
ns3::SequenceNumber32 g_highest_end;
bool g_have_highest = false;

void OnSinkRx(ns3::Ptr<const ns3::Packet> p, const ns3::Address&) {
  g_received += p->GetSize();
  if (!g_done && g_received >= g_total) {
    g_done = true;
    g_done_at_s = ns3::Simulator::Now().GetSeconds();
    ns3::Simulator::Stop();
  }
}

void OnPhyRxDrop(ns3::Ptr<const ns3::Packet>) { ++g_lost; }

// A data segment that ends at or below the highest end sent so far is a
// retransmission.
void OnTcpTx(ns3::Ptr<const ns3::Packet> p, const ns3::TcpHeader& h,
             ns3::Ptr<const ns3::TcpSocketBase>) {
  if (p->GetSize() == 0) return;
  ++g_data_segments;
  const ns3::SequenceNumber32 end = h.GetSequenceNumber() + p->GetSize();
  if (g_have_highest && end <= g_highest_end) {
    ++g_retransmissions;
  } else {
    g_highest_end = end;
    g_have_highest = true;
  }
}

void OnCongState(ns3::TcpSocketState::TcpCongState_t, ns3::TcpSocketState::TcpCongState_t to) {
  if (to == ns3::TcpSocketState::CA_LOSS) ++g_timeouts;
  if (to == ns3::TcpSocketState::CA_RECOVERY) ++g_recoveries;
}

void HookSenderSocket(ns3::Ptr<ns3::BulkSendApplication> app) {
  ns3::Ptr<ns3::Socket> s = app->GetSocket();
  if (!s) return;
  s->TraceConnectWithoutContext("Tx", ns3::MakeCallback(&OnTcpTx));
  s->TraceConnectWithoutContext("CongState", ns3::MakeCallback(&OnCongState));
}

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ns3;
  uint64_t bytes = 100000000;
  uint32_t seed = 1;
  double loss = 0.01;
  std::string rate = "100Mbps";
  std::string delay = "10ms";
  uint32_t queue_packets = 1000;
  uint32_t segment_size = 1448;
  std::string cc = "newreno";
  double max_sim_s = 36000;
  bool keep_qdisc = false;
  uint32_t snd_buf = 131072;
  uint32_t rcv_buf = 131072;
  uint32_t initial_cwnd = 10;
  int64_t min_rto_ms = 1000;
  int64_t delack_ms = 200;
  uint32_t delack_count = 2;
  bool hystart = true;
  std::string recovery = "prr";

  CommandLine cmd(__FILE__);
  cmd.AddValue("bytes", "bytes to transfer", bytes);
  cmd.AddValue("seed", "ns-3 RNG run number (RngSeedManager::SetRun)", seed);
  cmd.AddValue("loss", "packet loss probability on the data direction", loss);
  cmd.AddValue("rate", "link rate, both directions", rate);
  cmd.AddValue("delay", "one-way delay", delay);
  cmd.AddValue("queue_packets", "device DropTail queue limit, packets", queue_packets);
  cmd.AddValue("segment_size", "TCP segment size (payload bytes)", segment_size);
  cmd.AddValue("cc", "congestion control: newreno or cubic", cc);
  cmd.AddValue("keep_qdisc",
               "keep the root queue disc Ipv4AddressHelper installs (fq_codel) in front of "
               "the device queue",
               keep_qdisc);
  cmd.AddValue("max_sim_s", "give up when simulated time passes this", max_sim_s);
  cmd.AddValue("snd_buf", "TcpSocket::SndBufSize, bytes (ns-3 default 131072)", snd_buf);
  cmd.AddValue("rcv_buf", "TcpSocket::RcvBufSize, bytes (ns-3 default 131072)", rcv_buf);
  cmd.AddValue("initial_cwnd", "TcpSocket::InitialCwnd, segments (ns-3 default 10)", initial_cwnd);
  cmd.AddValue("min_rto_ms", "TcpSocketBase::MinRto, ms (ns-3 default 1000)", min_rto_ms);
  cmd.AddValue("delack_ms", "TcpSocket::DelAckTimeout, ms (ns-3 default 200)", delack_ms);
  cmd.AddValue("delack_count", "TcpSocket::DelAckCount, segments (ns-3 default 2)", delack_count);
  cmd.AddValue("hystart", "TcpCubic::HyStart (ns-3 default true)", hystart);
  cmd.AddValue("recovery",
               "TcpL4Protocol::RecoveryType: prr (ns3::TcpPrrRecovery, the default) or classic "
               "(ns3::TcpClassicRecovery: cwnd = ssthresh, RFC 6675-like)",
               recovery);
  cmd.Parse(argc, argv);

  TypeId cc_type;
  if (cc == "newreno") {
    cc_type = TcpNewReno::GetTypeId();
  } else if (cc == "cubic") {
    cc_type = TcpCubic::GetTypeId();
  } else {
    std::fprintf(stderr, "ns3_bulk_transfer: --cc must be newreno or cubic, not %s\n", cc.c_str());
    return 2;
  }
  TypeId recovery_type;
  if (recovery == "prr") {
    recovery_type = TcpPrrRecovery::GetTypeId();
  } else if (recovery == "classic") {
    recovery_type = TcpClassicRecovery::GetTypeId();
  } else {
    std::fprintf(stderr, "ns3_bulk_transfer: --recovery must be prr or classic, not %s\n",
                 recovery.c_str());
    return 2;
  }
  g_total = bytes;

  const auto wall_start = std::chrono::steady_clock::now();
  const double cpu_start = CpuSeconds();

  RngSeedManager::SetSeed(1);
  RngSeedManager::SetRun(seed);
  Config::SetDefault("ns3::TcpL4Protocol::SocketType", TypeIdValue(cc_type));
  Config::SetDefault("ns3::TcpL4Protocol::RecoveryType", TypeIdValue(recovery_type));
  Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(segment_size));
  Config::SetDefault("ns3::TcpSocketBase::Sack", BooleanValue(true));
  Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(snd_buf));
  Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(rcv_buf));
  Config::SetDefault("ns3::TcpSocket::InitialCwnd", UintegerValue(initial_cwnd));
  Config::SetDefault("ns3::TcpSocketBase::MinRto", TimeValue(MilliSeconds(min_rto_ms)));
  Config::SetDefault("ns3::TcpSocket::DelAckTimeout", TimeValue(MilliSeconds(delack_ms)));
  Config::SetDefault("ns3::TcpSocket::DelAckCount", UintegerValue(delack_count));
  Config::SetDefault("ns3::TcpCubic::HyStart", BooleanValue(hystart));

  NodeContainer nodes;
  nodes.Create(2);
  PointToPointHelper p2p;
  p2p.SetDeviceAttribute("DataRate", StringValue(rate));
  p2p.SetChannelAttribute("Delay", StringValue(delay));
  p2p.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize",
               QueueSizeValue(QueueSize(QueueSizeUnit::PACKETS, queue_packets)));
  NetDeviceContainer devices = p2p.Install(nodes);

  Ptr<RateErrorModel> em = CreateObject<RateErrorModel>();
  em->SetAttribute("ErrorUnit", EnumValue(RateErrorModel::ERROR_UNIT_PACKET));
  em->SetAttribute("ErrorRate", DoubleValue(loss));
  devices.Get(1)->SetAttribute("ReceiveErrorModel", PointerValue(em));
  devices.Get(1)->TraceConnectWithoutContext("PhyRxDrop", MakeCallback(&OnPhyRxDrop));

  InternetStackHelper stack;
  stack.Install(nodes);
  Ipv4AddressHelper address;
  address.SetBase("10.0.0.0", "255.255.255.0");
  Ipv4InterfaceContainer ifaces = address.Assign(devices);
  // Assign installed the default root queue disc; without it the device
  // queue is the only queue, as on netsim's link.
  if (!keep_qdisc) {
    TrafficControlHelper tch;
    tch.Uninstall(devices);
  }

  const uint16_t port = 5001;
  PacketSinkHelper sink_helper("ns3::TcpSocketFactory",
                               InetSocketAddress(Ipv4Address::GetAny(), port));
  ApplicationContainer sink_apps = sink_helper.Install(nodes.Get(1));
  sink_apps.Start(Seconds(0));
  sink_apps.Get(0)->TraceConnectWithoutContext("Rx", MakeCallback(&OnSinkRx));

  BulkSendHelper bulk("ns3::TcpSocketFactory", InetSocketAddress(ifaces.GetAddress(1), port));
  bulk.SetAttribute("MaxBytes", UintegerValue(bytes));
  ApplicationContainer bulk_apps = bulk.Install(nodes.Get(0));
  bulk_apps.Start(Seconds(0));
  Ptr<BulkSendApplication> bulk_app = DynamicCast<BulkSendApplication>(bulk_apps.Get(0));
  // The socket exists once the application has started (at 0).
  Simulator::Schedule(NanoSeconds(1), &HookSenderSocket, bulk_app);

  Simulator::Stop(Seconds(max_sim_s));
  Simulator::Run();
  const uint64_t events = Simulator::GetEventCount();
  const double sim_s = g_done ? g_done_at_s : Simulator::Now().GetSeconds();
  Simulator::Destroy();

  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const double cpu_s = CpuSeconds() - cpu_start;
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const long rss_kb = ru.ru_maxrss;
  const double goodput_mbps = sim_s > 0 ? g_received * 8.0 / sim_s / 1e6 : 0;

  std::printf("ns-3.37 bulk transfer: %llu bytes, %s %s, loss %g, queue %u packets, %s+SACK\n",
              static_cast<unsigned long long>(bytes), rate.c_str(), delay.c_str(), loss,
              queue_packets, cc.c_str());
  std::printf("  completed          %s\n", g_done ? "yes" : "NO (gave up)");
  std::printf("  simulated time     %.3f s\n", sim_s);
  std::printf("  goodput            %.3f Mbit/s (simulated)\n", goodput_mbps);
  std::printf("  wall time          %.3f s\n", wall_s);
  std::printf("  CPU time           %.3f s (user + system)\n", cpu_s);
  std::printf("  events             %llu (%.3g per wall second)\n",
              static_cast<unsigned long long>(events), events / wall_s);
  std::printf("  peak RSS           %ld kB\n", rss_kb);
  std::printf("  bytes received     %llu (not verified: ns-3 carries no real payload)\n",
              static_cast<unsigned long long>(g_received));
  std::printf("  retransmissions    %llu of %llu data segments\n",
              static_cast<unsigned long long>(g_retransmissions),
              static_cast<unsigned long long>(g_data_segments));
  std::printf("  lost packets       %llu\n", static_cast<unsigned long long>(g_lost));
  std::printf("  timeouts           %llu (fast recoveries %llu)\n",
              static_cast<unsigned long long>(g_timeouts),
              static_cast<unsigned long long>(g_recoveries));
  std::printf("  TCP                buffers %u/%u B, IW %u, MinRto %lld ms, DelAckCount %u, "
              "DelAckTimeout %lld ms, %s recovery%s\n",
              snd_buf, rcv_buf, initial_cwnd, static_cast<long long>(min_rto_ms), delack_count,
              static_cast<long long>(delack_ms), recovery.c_str(),
              cc == "cubic" ? (hystart ? ", HyStart on" : ", HyStart off") : "");
  std::printf(
      "result impl=ns3 cc=%s done=%d bytes=%llu sim_s=%.6f goodput_mbps=%.4f wall_s=%.6f "
      "cpu_s=%.6f events=%llu events_per_s=%.0f peak_rss_kb=%ld verified_bytes=none "
      "retransmissions=%llu lost_packets=%llu timeouts=%llu\n",
      cc.c_str(), g_done ? 1 : 0, static_cast<unsigned long long>(bytes), sim_s, goodput_mbps,
      wall_s, cpu_s, static_cast<unsigned long long>(events), events / wall_s, rss_kb,
      static_cast<unsigned long long>(g_retransmissions), static_cast<unsigned long long>(g_lost),
      static_cast<unsigned long long>(g_timeouts));
  return g_done ? 0 : 1;
}
