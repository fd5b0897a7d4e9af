#include "netsim/live/testing/sha256.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tcplab::live::testing {
namespace {

std::string Digest(const std::string& s) {
  Sha256 h;
  h.Update(absl::MakeConstSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  return h.HexDigest();
}

// FIPS 180-4 examples (NIST CSRC "SHA256.pdf").
TEST(Sha256, KnownAnswers) {
  EXPECT_EQ(Digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, MillionAsInUnevenPieces) {
  Sha256 h;
  std::vector<uint8_t> a(1000000, 'a');
  size_t at = 0;
  for (size_t piece = 1; at < a.size(); piece = piece * 7 % 1000 + 1) {
    const size_t n = std::min(piece, a.size() - at);
    h.Update(absl::MakeConstSpan(a.data() + at, n));
    at += n;
  }
  EXPECT_EQ(h.HexDigest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

}  // namespace
}  // namespace tcplab::live::testing
