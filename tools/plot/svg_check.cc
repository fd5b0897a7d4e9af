#include "tools/plot/svg_check.h"

#include <cctype>
#include <vector>

#include "absl/strings/str_cat.h"

namespace tcplab::plot {

int CountClass(const std::string& svg, const std::string& cls) {
  const std::string needle = absl::StrCat(" class=\"", cls, "\"");
  int n = 0;
  for (size_t at = svg.find(needle); at != std::string::npos; at = svg.find(needle, at + 1)) ++n;
  return n;
}

std::string AttributeOf(const std::string& svg, const std::string& marker,
                        const std::string& attr) {
  const size_t at = svg.find(marker);
  if (at == std::string::npos) return "";
  const size_t start = svg.rfind('<', at);
  const size_t end = svg.find('>', at);
  const std::string tag = svg.substr(start, end - start);
  const std::string needle = absl::StrCat(" ", attr, "=\"");
  const size_t a = tag.find(needle);
  if (a == std::string::npos) return "";
  const size_t v = a + needle.size();
  return tag.substr(v, tag.find('"', v) - v);
}

namespace {

bool NameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' ||
         c == '.';
}

// An entity reference starting at s[i] == '&'.
bool EntityAt(const std::string& s, size_t i) {
  for (const char* e : {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"}) {
    if (s.compare(i, std::char_traits<char>::length(e), e) == 0) return true;
  }
  if (s.compare(i, 2, "&#") != 0) return false;
  size_t j = i + 2;
  while (j < s.size() && std::isalnum(static_cast<unsigned char>(s[j]))) ++j;
  return j > i + 2 && j < s.size() && s[j] == ';';
}

}  // namespace

std::string WellFormedError(const std::string& x) {
  std::vector<std::string> open;
  bool root_seen = false;
  size_t i = 0;
  if (x.compare(0, 5, "<?xml") == 0) {
    i = x.find("?>");
    if (i == std::string::npos) return "unterminated <?xml declaration";
    i += 2;
  }
  while (i < x.size()) {
    if (x[i] != '<') {
      if (x[i] == '&' && !EntityAt(x, i)) return absl::StrCat("bare & at byte ", i);
      if (x[i] == '>') return absl::StrCat("bare > at byte ", i);
      if (open.empty() && !std::isspace(static_cast<unsigned char>(x[i]))) {
        return absl::StrCat("text outside the root at byte ", i);
      }
      ++i;
      continue;
    }
    if (x.compare(i, 4, "<!--") == 0) {
      const size_t e = x.find("-->", i);
      if (e == std::string::npos) return absl::StrCat("unterminated comment at byte ", i);
      i = e + 3;
      continue;
    }
    const bool closing = i + 1 < x.size() && x[i + 1] == '/';
    size_t j = i + (closing ? 2 : 1);
    const size_t name_start = j;
    while (j < x.size() && NameChar(x[j])) ++j;
    const std::string name = x.substr(name_start, j - name_start);
    if (name.empty()) return absl::StrCat("tag without a name at byte ", i);
    if (closing) {
      while (j < x.size() && std::isspace(static_cast<unsigned char>(x[j]))) ++j;
      if (j >= x.size() || x[j] != '>') return absl::StrCat("bad end tag at byte ", i);
      if (open.empty() || open.back() != name) {
        return absl::StrCat("</", name, "> at byte ", i, " closes ",
                            open.empty() ? "nothing" : absl::StrCat("<", open.back(), ">"));
      }
      open.pop_back();
      i = j + 1;
      continue;
    }
    if (open.empty() && root_seen) return absl::StrCat("second root <", name, "> at byte ", i);
    // Attributes: name="value" pairs.
    bool self_closing = false;
    while (true) {
      while (j < x.size() && std::isspace(static_cast<unsigned char>(x[j]))) ++j;
      if (j >= x.size()) return absl::StrCat("unterminated <", name, "> at byte ", i);
      if (x[j] == '>') break;
      if (x[j] == '/' && j + 1 < x.size() && x[j + 1] == '>') {
        self_closing = true;
        ++j;
        break;
      }
      const size_t a = j;
      while (j < x.size() && NameChar(x[j])) ++j;
      if (j == a || j >= x.size() || x[j] != '=' || j + 1 >= x.size() ||
          (x[j + 1] != '"' && x[j + 1] != '\'')) {
        return absl::StrCat("bad attribute in <", name, "> at byte ", a);
      }
      const char q = x[j + 1];
      const size_t v = j + 2;
      const size_t e = x.find(q, v);
      if (e == std::string::npos) return absl::StrCat("unterminated value at byte ", v);
      for (size_t k = v; k < e; ++k) {
        if (x[k] == '<') return absl::StrCat("< in an attribute value at byte ", k);
        if (x[k] == '&' && !EntityAt(x, k)) return absl::StrCat("bare & at byte ", k);
      }
      j = e + 1;
      if (j < x.size() && !std::isspace(static_cast<unsigned char>(x[j])) && x[j] != '>' &&
          x[j] != '/') {
        return absl::StrCat("no space between attributes at byte ", j);
      }
    }
    root_seen = true;
    if (!self_closing) open.push_back(name);
    i = j + 1;
  }
  if (!open.empty()) return absl::StrCat("<", open.back(), "> is never closed");
  if (!root_seen) return "no root element";
  return "";
}

}  // namespace tcplab::plot
