#ifndef TCPLAB_TESTS_INTEROP_TSHARK_H_
#define TCPLAB_TESTS_INTEROP_TSHARK_H_

// Running tshark from a test: tcplab's packets decoded by Wireshark's
// dissectors, an implementation independent of tcplab's.

#include <string>

namespace tcplab::interop {

inline constexpr char kTshark[] = "/usr/bin/tshark";
inline constexpr char kTsharkMissing[] =
    "tshark not installed: run tools/setup (installs Debian package tshark)";

// $TEST_TMPDIR, or /tmp outside Bazel.
std::string TempDir();

bool TsharkInstalled();

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `tshark ARGS` with HOME in the test's temporary directory (tshark
// writes its profile there) and collects its output.
CommandResult RunTshark(const std::string& args);

}  // namespace tcplab::interop

#endif  // TCPLAB_TESTS_INTEROP_TSHARK_H_
