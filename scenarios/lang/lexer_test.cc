#include "scenarios/lang/lexer.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tcplab::scenario {
namespace {

using Kind = Token::Kind;

std::string Dump(absl::string_view text) {
  std::string out;
  for (const Token& t : Tokenize(text)) {
    out += std::to_string(t.pos.line) + ":" + std::to_string(t.pos.column);
    switch (t.kind) {
      case Kind::kWord: out += "w(" + std::string(t.text) + ") "; break;
      case Kind::kLBrace: out += "{ "; break;
      case Kind::kRBrace: out += "} "; break;
      case Kind::kColon: out += ": "; break;
      case Kind::kEnd: out += t.text.empty() ? "nl " : "; "; break;
      case Kind::kEof: out += "eof"; break;
    }
  }
  return out;
}

TEST(LexerTest, WordsBracesColonsAndPositions) {
  EXPECT_EQ(Dump("host a {\n  address 10.0.0.1 # c\n}\n"),
            "1:1w(host) 1:6w(a) 1:8{ 1:9nl 2:3w(address) 2:11w(10.0.0.1) 2:23nl 3:1} 3:2nl 4:1eof");
  EXPECT_EQ(Dump("at 10s: link a -> b down"),
            "1:1w(at) 1:4w(10s) 1:7: 1:9w(link) 1:14w(a) 1:16w(->) 1:19w(b) 1:21w(down) 1:25eof");
  EXPECT_EQ(Dump("connect server:80;x"), "1:1w(connect) 1:9w(server:80) 1:18; 1:19w(x) 1:20eof");
  EXPECT_EQ(Dump(": a:"), "1:1: 1:3w(a) 1:4: 1:5eof");
  EXPECT_EQ(Dump("\ta\tb"), "1:2w(a) 1:4w(b) 1:5eof");
  EXPECT_EQ(Dump("a{b}c"), "1:1w(a) 1:2{ 1:3w(b) 1:4} 1:5w(c) 1:6eof");
  EXPECT_EQ(Dump(""), "1:1eof");
  EXPECT_EQ(Dump("# only a comment"), "1:17eof");
}

TEST(LexerTest, AnyBytesTokenize) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  std::vector<Token> toks = Tokenize(all + all);
  ASSERT_FALSE(toks.empty());
  EXPECT_EQ(toks.back().kind, Kind::kEof);
}

TEST(LexerTest, Describe) {
  std::vector<Token> toks = Tokenize("x;\n");
  EXPECT_EQ(Describe(toks[0]), "\"x\"");
  EXPECT_EQ(Describe(toks[1]), "\";\"");
  EXPECT_EQ(Describe(toks[2]), "end of line");
  EXPECT_EQ(Describe(toks[3]), "end of file");
}

}  // namespace
}  // namespace tcplab::scenario
