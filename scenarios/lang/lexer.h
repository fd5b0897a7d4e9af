#ifndef TCPLAB_SCENARIOS_LANG_LEXER_H_
#define TCPLAB_SCENARIOS_LANG_LEXER_H_

// The tokenizer of scenario files (.scn).
//
// A word is a maximal run of bytes other than whitespace and the special
// characters { } ; # -- so "10.0.0.1", "10Mbit/s", "server:80", "->",
// "sender.sent" and "1-h" are single words. A ':' that ends a word is split
// off as its own token ("10s:" is the word "10s" then ':'). '#' starts a
// comment to the end of the line. A newline or ';' ends a statement.
//
// Positions are 1-based; columns count bytes (a tab is one column).
// Tokenizing is linear in the input and never fails: every byte is either
// part of a token, whitespace or a comment.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace tcplab::scenario {

struct SourcePos {
  int line = 0;
  int column = 0;
  friend bool operator==(const SourcePos&, const SourcePos&) = default;
};

struct Token {
  enum class Kind { kWord, kLBrace, kRBrace, kColon, kEnd, kEof };
  Kind kind = Kind::kEof;
  absl::string_view text;  // views the tokenized input; "" for kEnd, kEof
  SourcePos pos;
};

// The tokens of `text`, always ending with one kEof. Consecutive statement
// ends are kept (the parser skips empty statements). The returned tokens
// view `text`, which must outlive them.
std::vector<Token> Tokenize(absl::string_view text);

// For messages: the token as the reader sees it ("end of line", "end of
// file", "\"{\"" ...).
std::string Describe(const Token& token);

}  // namespace tcplab::scenario

#endif  // TCPLAB_SCENARIOS_LANG_LEXER_H_
