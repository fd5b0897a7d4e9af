// pkt_run FILE.pkt...: runs packet scripts and prints each one's report.
// Exit status 0 when every script passes, 1 on a mismatch, 2 on an error.
// (A stand-in for `tcplab run FILE.pkt` while developing.)

#include <fstream>
#include <iostream>
#include <sstream>

#include "scenarios/lang/packet_script_parser.h"
#include "scenarios/pkt/pkt_runner.h"

int main(int argc, char** argv) {
  int status = 0;
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i]);
    if (!in) {
      std::cerr << argv[i] << ": cannot open\n";
      return 2;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto script = tcplab::scenario::ParsePacketScript(text.str(), argv[i]);
    if (!script.ok()) {
      std::cerr << script.status().message() << "\n";
      return 2;
    }
    auto result = tcplab::scenario::RunPacketScript(*script);
    if (!result.ok()) {
      std::cerr << argv[i] << ": " << result.status().message() << "\n";
      return 2;
    }
    std::cout << result->report << (result->passed ? "PASS " : "FAIL ") << argv[i] << "\n";
    if (!result->passed) status = 1;
  }
  return status;
}
