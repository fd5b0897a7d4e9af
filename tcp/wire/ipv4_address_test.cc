#include "tcp/wire/ipv4_address.h"

#include <sstream>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace tcplab::wire {
namespace {

TEST(Ipv4AddressTest, ValueIsHostOrder) {
  static_assert(Ipv4Address(10, 0, 0, 1).value() == 0x0a000001);
  EXPECT_EQ(Ipv4Address(0xc0a80001), Ipv4Address(192, 168, 0, 1));
  EXPECT_EQ(Ipv4Address().value(), 0u);
}

TEST(Ipv4AddressTest, ToString) {
  EXPECT_EQ(Ipv4Address(10, 0, 0, 1).ToString(), "10.0.0.1");
  EXPECT_EQ(Ipv4Address(255, 255, 255, 255).ToString(), "255.255.255.255");
  EXPECT_EQ(Ipv4Address().ToString(), "0.0.0.0");
  std::ostringstream os;
  os << Ipv4Address(1, 2, 3, 4);
  EXPECT_EQ(os.str(), "1.2.3.4");
}

TEST(Ipv4AddressTest, ParsesDottedQuads) {
  for (const char* text :
       {"0.0.0.0", "10.0.0.1", "255.255.255.255", "192.168.100.200", "1.22.133.4"}) {
    absl::StatusOr<Ipv4Address> a = Ipv4Address::Parse(text);
    ASSERT_TRUE(a.ok()) << text << ": " << a.status();
    EXPECT_EQ(a->ToString(), text);
  }
  EXPECT_EQ(*Ipv4Address::Parse("10.0.0.2"), Ipv4Address(10, 0, 0, 2));
}

void ExpectRejected(absl::string_view text, absl::string_view message) {
  absl::StatusOr<Ipv4Address> a = Ipv4Address::Parse(text);
  ASSERT_FALSE(a.ok()) << text;
  EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(a.status().message(), message);
}

TEST(Ipv4AddressTest, RejectsWithReasons) {
  ExpectRejected("", "invalid IPv4 address \"\": expected 4 dot-separated decimal parts, found 1");
  ExpectRejected("1.2.3",
                 "invalid IPv4 address \"1.2.3\": expected 4 dot-separated decimal parts, found 3");
  ExpectRejected("1.2.3.4.5",
                 "invalid IPv4 address \"1.2.3.4.5\": expected 4 dot-separated "
                 "decimal parts, found 5");
  ExpectRejected("1..3.4", "invalid IPv4 address \"1..3.4\": part 2 is empty");
  ExpectRejected("1.2.3.", "invalid IPv4 address \"1.2.3.\": part 4 is empty");
  ExpectRejected("256.0.0.1",
                 "invalid IPv4 address \"256.0.0.1\": part 1 \"256\" is out of "
                 "range 0..255");
  ExpectRejected("1.2.3.99999999999999999999",
                 "invalid IPv4 address \"1.2.3.99999999999999999999\": part 4 "
                 "\"99999999999999999999\" is out of range 0..255");
  ExpectRejected("1.2.3.+4",
                 "invalid IPv4 address \"1.2.3.+4\": part 4 \"+4\" is not a decimal "
                 "number");
  ExpectRejected("1.2.3.-4",
                 "invalid IPv4 address \"1.2.3.-4\": part 4 \"-4\" is not a decimal "
                 "number");
  ExpectRejected(" 1.2.3.4",
                 "invalid IPv4 address \" 1.2.3.4\": part 1 \" 1\" is not a decimal "
                 "number");
  ExpectRejected("1.2.3.4\n",
                 "invalid IPv4 address \"1.2.3.4\\n\": part 4 \"4\\n\" is not a decimal number");
  ExpectRejected("1.2.3.0x1",
                 "invalid IPv4 address \"1.2.3.0x1\": part 4 \"0x1\" is not a "
                 "decimal number");
  ExpectRejected("01.2.3.4", "invalid IPv4 address \"01.2.3.4\": part 1 \"01\" has a leading zero");
  ExpectRejected("a.b.c.d",
                 "invalid IPv4 address \"a.b.c.d\": part 1 \"a\" is not a decimal "
                 "number");
}

TEST(Ipv4AddressTest, OrderAndHash) {
  EXPECT_TRUE(Ipv4Address(10, 0, 0, 1) < Ipv4Address(10, 0, 0, 2));
  EXPECT_TRUE(Ipv4Address(9, 255, 255, 255) < Ipv4Address(10, 0, 0, 0));
  EXPECT_NE(Ipv4Address(1, 1, 1, 1), Ipv4Address(1, 1, 1, 2));
  absl::flat_hash_set<Ipv4Address> set = {Ipv4Address(1, 2, 3, 4), Ipv4Address(1, 2, 3, 4),
                                          Ipv4Address(4, 3, 2, 1)};
  EXPECT_EQ(set.size(), 2u);
  EXPECT_TRUE(set.contains(Ipv4Address(4, 3, 2, 1)));
}

}  // namespace
}  // namespace tcplab::wire
