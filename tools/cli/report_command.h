#ifndef TCPLAB_TOOLS_CLI_REPORT_COMMAND_H_
#define TCPLAB_TOOLS_CLI_REPORT_COMMAND_H_

// `tcplab run FILE.scn --report DIR [--seed N]`: the run's usual report on
// `out`, and DIR/index.html with DIR/run.pcap (tools/report).

#include <cstdio>
#include <string>

namespace tcplab::cli {

// Exit code as `tcplab run`: 0 all expectations hold, 1 some failed or the
// report could not be written, 2 bad usage or an invalid file.
int ReportCommand(const std::string& file, const std::string& seed, const std::string& dir,
                  std::FILE* out = stdout, std::FILE* err = stderr);

}  // namespace tcplab::cli

#endif  // TCPLAB_TOOLS_CLI_REPORT_COMMAND_H_
