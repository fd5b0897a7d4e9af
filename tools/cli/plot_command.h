#ifndef TCPLAB_TOOLS_CLI_PLOT_COMMAND_H_
#define TCPLAB_TOOLS_CLI_PLOT_COMMAND_H_

// `tcplab plot INPUT -o out.svg [--conn SRC:PORT-DST:PORT] [--time A..B]
// [--seq A..B]`: the time-sequence graph of one connection (tools/plot).
// INPUT ending in .scn is run as a scenario (its graph adds the engine's
// panels and the drops); anything else is read as a pcap.

#include <cstdio>
#include <string>

namespace tcplab::cli {

struct PlotFlags {
  std::string input;
  std::string output;  // -o
  std::string conn;    // "" = the largest connection
  std::string time;    // "" = all
  std::string seq;     // "" = all
  std::string seed;    // .scn: overrides the scenario's ("" = the file's)
};

// Exit code: 0 written, 1 the input or output failed, 2 bad usage. Says
// what it wrote (and which connections there are) on `err`.
int PlotCommand(const PlotFlags& flags, std::FILE* err = stderr);

}  // namespace tcplab::cli

#endif  // TCPLAB_TOOLS_CLI_PLOT_COMMAND_H_
