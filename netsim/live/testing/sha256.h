#ifndef TCPLAB_NETSIM_LIVE_TESTING_SHA256_H_
#define TCPLAB_NETSIM_LIVE_TESTING_SHA256_H_

// SHA-256 (FIPS 180-4), incremental: the live tests compare what the
// kernel received with what tcplab sent (and the reverse) by digest.

#include <array>
#include <cstdint>
#include <string>

#include "absl/types/span.h"

namespace tcplab::live::testing {

class Sha256 {
 public:
  Sha256();
  void Update(absl::Span<const uint8_t> data);
  // The digest as 64 lowercase hex digits. The object is spent afterwards.
  std::string HexDigest();

 private:
  void Block(const uint8_t* p);

  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buf_{};
  size_t buffered_ = 0;
  uint64_t length_ = 0;
};

}  // namespace tcplab::live::testing

#endif  // TCPLAB_NETSIM_LIVE_TESTING_SHA256_H_
