// Stand-in main for fuzz targets outside --config=fuzz: feeds each file named
// on the command line (or every regular file, recursively and in sorted
// order, under a named directory) to LLVMFuzzerTestOneInput once. A crash
// aborts as it would under libFuzzer; otherwise it prints how many inputs ran.
// Arguments starting with '-' are ignored. Exits 1 when given nothing to run, so an empty corpus does not pass
// silently.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool RunFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
    return false;
  }
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // A heap copy of the exact size, so ASan catches reads past the end.
  std::vector<uint8_t> data(bytes.begin(), bytes.end());
  uint8_t* ptr = data.empty() ? nullptr : data.data();
  LLVMFuzzerTestOneInput(ptr, data.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int ran = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    // libFuzzer flags (-runs=, -dict=...) are accepted and ignored, so the
    // same command line replays a reproducer in either build.
    if (argv[i][0] == '-') continue;
    std::filesystem::path arg(argv[i]);
    std::error_code ec;
    if (std::filesystem::is_directory(arg, ec)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::recursive_directory_iterator(arg, ec)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        if (RunFile(f)) ++ran; else ok = false;
      }
    } else if (RunFile(arg)) {
      ++ran;
    } else {
      ok = false;
    }
  }
  std::printf("replay: ran %d inputs\n", ran);
  if (ran == 0) {
    std::fprintf(stderr, "replay: no inputs (usage: %s FILE_OR_DIR...)\n", argv[0]);
    return 1;
  }
  return ok ? 0 : 1;
}
