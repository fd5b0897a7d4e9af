#ifndef TCPLAB_TOOLS_CLI_RUN_COMMAND_H_
#define TCPLAB_TOOLS_CLI_RUN_COMMAND_H_

// `tcplab run` and `tcplab sweep`. Each returns the process exit code:
// 0 all expectations hold, 1 some failed, 2 bad usage or an unreadable or
// invalid file (the message goes to stderr). Output goes to stdout (or
// the given stream).

#include <cstdio>
#include <string>

namespace tcplab::cli {

struct RunFlags {
  std::string file;
  std::string seed;   // "" = the file's
  std::string pcap;   // "" = none
  bool trace = false;
  std::string seeds;  // sweep: "FIRST..LAST"
  // run --live HOST: that scenario host is the real machine behind the wire
  // given by --iface or --tun (netsim/live); prefix and gateway of the wire.
  std::string live_host;
  std::string iface;
  std::string tun;
  std::string tun_kernel_ip;
  int prefix_length = 24;
  std::string gateway;
  // .pkt only: what to leave out of the comparison (scenario::PktRunOptions);
  // tolerance "" keeps the script's, else a duration like 10ms.
  bool ignore_window = false;
  bool ignore_timestamp_values = false;
  std::string tolerance;
};

// .scn: the scenario runner; .pkt: the packet-script executor.
int RunCommand(const RunFlags& flags, std::FILE* out = stdout, std::FILE* err = stderr);

// Runs the file for every seed of the slice this shard owns: with
// TEST_TOTAL_SHARDS=n and TEST_SHARD_INDEX=i, the seeds s with
// (s - FIRST) % n == i. Touches TEST_SHARD_STATUS_FILE when set (telling
// Bazel the binary shards). Prints one line per failing seed with its
// replay command and what failed, and a total.
int SweepCommand(const RunFlags& flags, std::FILE* out = stdout, std::FILE* err = stderr);

}  // namespace tcplab::cli

#endif  // TCPLAB_TOOLS_CLI_RUN_COMMAND_H_
