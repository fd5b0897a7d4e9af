// Fuzzes the scenario and packet-script parsers: any text is parsed as both;
// what parses is printed with ToString, and the printed text must parse again
// and print the same (the printers' documented round trip).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "scenarios/lang/packet_script.h"
#include "scenarios/lang/packet_script_parser.h"
#include "scenarios/lang/scenario.h"
#include "scenarios/lang/scenario_parser.h"

namespace {

template <typename ParseFn>
void CheckRoundTrip(absl::string_view text, absl::string_view file, ParseFn parse) {
  auto first = parse(text, file);
  if (!first.ok()) return;
  const std::string printed = tcplab::scenario::ToString(*first);
  auto second = parse(printed, file);
  if (!second.ok()) {
    std::fprintf(stderr, "scenario_fuzz: %s: printed form does not parse: %s\n--- printed:\n%s\n",
                 std::string(file).c_str(), std::string(second.status().message()).c_str(),
                 printed.c_str());
    std::abort();
  }
  const std::string reprinted = tcplab::scenario::ToString(*second);
  if (reprinted != printed) {
    std::fprintf(stderr, "scenario_fuzz: %s: printing is not stable\n--- first:\n%s\n--- second:\n%s\n",
                 std::string(file).c_str(), printed.c_str(), reprinted.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  CheckRoundTrip(text, "fuzz.scn", [](absl::string_view t, absl::string_view f) {
    return tcplab::scenario::ParseScenario(t, f);
  });
  CheckRoundTrip(text, "fuzz.pkt", [](absl::string_view t, absl::string_view f) {
    return tcplab::scenario::ParsePacketScript(t, f);
  });
  return 0;
}
