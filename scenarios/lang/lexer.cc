#include "scenarios/lang/lexer.h"

#include <string>
#include <vector>

#include "scenarios/lang/units.h"

namespace tcplab::scenario {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }
bool IsSpecial(char c) {
  return c == '{' || c == '}' || c == ';' || c == '#' || c == '\n' || IsSpace(c);
}

}  // namespace

std::vector<Token> Tokenize(absl::string_view text) {
  std::vector<Token> out;
  int line = 1;
  size_t line_start = 0;
  size_t i = 0;
  auto pos_at = [&](size_t at) {
    return SourcePos{line, static_cast<int>(at - line_start) + 1};
  };
  while (i < text.size()) {
    char c = text[i];
    if (IsSpace(c)) {
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '\n' || c == ';') {
      out.push_back({Token::Kind::kEnd,
                     c == ';' ? text.substr(i, 1) : absl::string_view(), pos_at(i)});
      ++i;
      if (c == '\n') {
        ++line;
        line_start = i;
      }
    } else if (c == '{' || c == '}') {
      out.push_back({c == '{' ? Token::Kind::kLBrace : Token::Kind::kRBrace,
                     text.substr(i, 1), pos_at(i)});
      ++i;
    } else {
      size_t start = i;
      while (i < text.size() && !IsSpecial(text[i])) ++i;
      size_t end = i;
      if (text[end - 1] == ':') {
        if (end - 1 > start) {
          out.push_back({Token::Kind::kWord, text.substr(start, end - 1 - start),
                         pos_at(start)});
        }
        out.push_back({Token::Kind::kColon, text.substr(end - 1, 1), pos_at(end - 1)});
      } else {
        out.push_back({Token::Kind::kWord, text.substr(start, end - start), pos_at(start)});
      }
    }
  }
  out.push_back({Token::Kind::kEof, absl::string_view(), pos_at(i)});
  return out;
}

std::string Describe(const Token& token) {
  switch (token.kind) {
    case Token::Kind::kEnd:
      return token.text.empty() ? "end of line" : "\";\"";
    case Token::Kind::kEof:
      return "end of file";
    default:
      return Quote(token.text);
  }
}

}  // namespace tcplab::scenario
