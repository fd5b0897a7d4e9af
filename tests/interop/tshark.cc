#include "tests/interop/tshark.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace tcplab::interop {

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

bool TsharkInstalled() {
  struct stat st;
  return stat(kTshark, &st) == 0;
}

CommandResult RunTshark(const std::string& args) {
  const std::string err_path = TempDir() + "/tshark.stderr";
  const std::string cmd =
      absl::StrCat("HOME='", TempDir(), "' ", kTshark, " ", args, " 2>'", err_path, "'");
  CommandResult r;
  std::FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_path);
  std::stringstream ss;
  ss << err.rdbuf();
  r.err = ss.str();
  return r;
}

}  // namespace tcplab::interop
