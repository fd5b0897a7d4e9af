#include "scenarios/lang/packet_script_parser.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "scenarios/lang/diagnostics.h"
#include "scenarios/lang/scenario_parser.h"
#include "scenarios/lang/units.h"
#include "tcp/wire/packet.h"

namespace tcplab::scenario {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdent(char c) { return IsIdentStart(c) || IsDigit(c); }
bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

struct SyscallShape {
  absl::string_view name;
  int min_args;
  int max_args;
};
constexpr SyscallShape kSyscalls[] = {
    {"socket", 3, 3},     {"bind", 3, 3},       {"listen", 2, 2},     {"accept", 3, 3},
    {"connect", 3, 3},    {"write", 3, 3},      {"read", 3, 3},       {"send", 4, 4},
    {"recv", 4, 4},       {"shutdown", 2, 2},   {"close", 1, 1},      {"setsockopt", 5, 5},
    {"getsockopt", 5, 5}, {"fcntl", 2, 3},
};

constexpr absl::string_view kHeaderOptions[] = {
    "tolerance_usecs", "local_ip", "local_port", "remote_ip", "remote_port", "remote_isn",
    // Stack keys, as in a host block of a scenario file.
    "mss", "send_buffer", "recv_buffer", "rto_initial", "rto_min", "rto_max", "msl",
    "persist_min", "persist_max", "syn_retries", "data_retries", "fin_retries",
    "isn_secret", "congestion", "sack", "timestamps", "window_scale", "delayed_ack",
    "ack_bursts", "nagle", "keepalive"};
constexpr int kFirstStackOption = 6;

constexpr absl::string_view kTcpOptionNames[] = {"nop", "eol", "mss", "wscale", "sackOK",
                                                 "sack", "TS"};

// Blanks out comments (keeping newlines and every other byte in place, so
// positions do not move). Strings are left alone. Returns false and the
// position of an unterminated "/*".
bool StripComments(std::string* text, SourcePos* open) {
  std::string& t = *text;
  int line = 1;
  size_t line_start = 0;
  bool in_string = false;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (c == '\n') {
      ++line;
      line_start = i + 1;
      in_string = false;  // strings do not span lines; the parser reports it
      continue;
    }
    if (in_string) {
      if (c == '\\' && i + 1 < t.size() && t[i + 1] != '\n') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '#' || (c == '/' && i + 1 < t.size() && t[i + 1] == '/')) {
      while (i < t.size() && t[i] != '\n') t[i++] = ' ';
      --i;
    } else if (c == '/' && i + 1 < t.size() && t[i + 1] == '*') {
      SourcePos start{line, static_cast<int>(i - line_start) + 1};
      t[i] = t[i + 1] = ' ';
      i += 2;
      bool closed = false;
      while (i < t.size()) {
        if (t[i] == '*' && i + 1 < t.size() && t[i + 1] == '/') {
          t[i] = t[i + 1] = ' ';
          ++i;
          closed = true;
          break;
        }
        if (t[i] == '\n') {
          ++line;
          line_start = i + 1;
        } else {
          t[i] = ' ';
        }
        ++i;
      }
      if (!closed) {
        *open = start;
        return false;
      }
    }
  }
  return true;
}

class LineParser {
 public:
  LineParser(absl::string_view line, int lineno, absl::string_view file, absl::Status* error)
      : s_(line), lineno_(lineno), file_(file), error_(error) {}

  // Each parses the line from byte `first` (its first non-blank).
  bool HeaderAt(size_t first, PacketScript* script, std::vector<std::string>* seen) {
    i_ = first;
    return Header(script, seen);
  }
  bool StepAt(size_t first, PacketStep* step) {
    i_ = first;
    return Step(step);
  }

 private:
  SourcePos Pos() const { return Pos(i_); }
  SourcePos Pos(size_t at) const { return SourcePos{lineno_, static_cast<int>(at) + 1}; }
  char Peek(size_t ahead = 0) const { return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0'; }
  bool AtEnd() const { return i_ >= s_.size(); }
  void SkipBlanks() {
    while (!AtEnd() && IsBlank(s_[i_])) ++i_;
  }
  bool LookingAt(absl::string_view w) const { return s_.substr(i_, w.size()) == w; }

  // What stands at the cursor, for messages: the run of bytes up to the next
  // blank or delimiter, or "end of line".
  std::string Here() const {
    if (AtEnd()) return "end of line";
    size_t j = i_;
    while (j < s_.size() && !IsBlank(s_[j]) && (j == i_ || (s_[j] != ',' && s_[j] != '>' &&
                                                            s_[j] != ')' && s_[j] != '('))) {
      ++j;
    }
    return Quote(s_.substr(i_, j - i_));
  }
  bool Fail(SourcePos pos, absl::string_view message) {
    if (error_->ok()) *error_ = ErrorAt(file_, pos, message);
    return false;
  }
  bool Expected(absl::string_view what) {
    SkipBlanks();
    return Fail(Pos(), absl::StrCat("expected ", what, ", got ", Here()));
  }
  bool Char(char c) {
    SkipBlanks();
    if (Peek() != c) return Expected(absl::StrCat("\"", std::string(1, c), "\""));
    ++i_;
    return true;
  }
  absl::string_view Ident() {
    size_t start = i_;
    if (!AtEnd() && IsIdentStart(s_[i_])) {
      while (!AtEnd() && IsIdent(s_[i_])) ++i_;
    }
    return s_.substr(start, i_ - start);
  }
  bool Unsigned(absl::string_view what, uint64_t max, uint64_t* out) {
    SkipBlanks();
    size_t start = i_;
    if (Peek() == '0' && (Peek(1) == 'x' || Peek(1) == 'X')) i_ += 2;
    while (!AtEnd() && (IsIdent(s_[i_]))) ++i_;
    absl::string_view text = s_.substr(start, i_ - start);
    if (text.empty()) {
      i_ = start;
      return Expected(what);
    }
    auto v = ParseUnsigned(text, max, what, /*allow_hex=*/true);
    if (!v.ok()) return Fail(Pos(start), v.status().message());
    *out = *v;
    return true;
  }
  bool U32(absl::string_view what, uint32_t* out, uint64_t max = UINT32_MAX) {
    uint64_t v = 0;
    if (!Unsigned(what, max, &v)) return false;
    *out = static_cast<uint32_t>(v);
    return true;
  }
  bool Signed(absl::string_view what, int64_t* out) {
    SkipBlanks();
    bool negative = Peek() == '-';
    size_t start = i_;
    if (negative) ++i_;
    uint64_t v = 0;
    if (!IsDigit(Peek())) {
      i_ = start;
      return Expected(what);
    }
    if (!Unsigned(what, negative ? uint64_t{INT64_MAX} + 1 : INT64_MAX, &v)) return false;
    *out = negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
    return true;
  }
  bool Header(PacketScript* script, std::vector<std::string>* seen);
  bool Step(PacketStep* step);
  bool Time(TimePoint* t);
  bool Packet(PacketSpec* p);
  bool Options(PacketSpec* p);
  bool Call(Syscall* c);
  bool Arg(SyscallArg* a, bool scalar_only);

  absl::string_view s_;
  size_t i_ = 0;
  int lineno_;
  absl::string_view file_;
  absl::Status* error_;
};

bool LineParser::Header(PacketScript* script, std::vector<std::string>* seen) {
  i_ += 2;  // "--"
  size_t name_at = i_;
  absl::string_view name = Ident();
  if (name.empty()) return Expected("an option name after \"--\"");
  int index = -1;
  for (size_t k = 0; k < std::size(kHeaderOptions); ++k) {
    if (kHeaderOptions[k] == name) index = static_cast<int>(k);
  }
  if (index < 0) {
    return Fail(Pos(name_at), UnknownWord("header option", name, kHeaderOptions));
  }
  for (const std::string& s : *seen) {
    if (s == name) return Fail(Pos(name_at), absl::StrCat("--", name, " given twice"));
  }
  seen->push_back(std::string(name));
  if (Peek() != '=') return Expected(absl::StrCat("\"=\" after --", name));
  ++i_;
  size_t value_at = i_;
  absl::string_view rest = s_.substr(i_);
  while (!rest.empty() && IsBlank(rest.back())) rest.remove_suffix(1);
  if (index >= kFirstStackOption) {
    // "--key=value words": the value is read as in a scenario host block.
    std::vector<Token> toks;
    toks.push_back({Token::Kind::kWord, name, Pos(name_at)});
    for (const Token& t : Tokenize(rest)) {
      if (t.kind == Token::Kind::kEof) break;
      Token moved = t;
      moved.pos = Pos(value_at + t.pos.column - 1);
      if (t.kind != Token::Kind::kWord) {
        return Fail(moved.pos, absl::StrCat("expected a value for --", name, ", got ",
                                            Describe(t)));
      }
      toks.push_back(moved);
    }
    absl::Status st = ParseStackKey(toks, file_, &script->stack);
    if (!st.ok()) {
      if (error_->ok()) *error_ = st;
      return false;
    }
    return true;
  }
  auto whole = [&](const absl::Status& st) {
    return Fail(Pos(value_at), st.message());
  };
  if (name == "local_ip" || name == "remote_ip") {
    auto a = wire::Ipv4Address::Parse(rest);
    if (!a.ok()) {
      return Fail(Pos(value_at), absl::StrCat("expected an IPv4 address like 192.0.2.1, got ",
                                              Quote(rest)));
    }
    (name == "local_ip" ? script->local_ip : script->remote_ip) = *a;
    return true;
  }
  if (name == "tolerance_usecs") {
    auto v = ParseUnsigned(rest, 3'600'000'000, "a tolerance in microseconds");
    if (!v.ok()) return whole(v.status());
    script->tolerance = absl::Microseconds(static_cast<int64_t>(*v));
    return true;
  }
  if (name == "remote_isn") {
    auto v = ParseUnsigned(rest, UINT32_MAX, "a sequence number", true);
    if (!v.ok()) return whole(v.status());
    script->remote_isn = static_cast<uint32_t>(*v);
    return true;
  }
  auto port = ParseUnsigned(rest, 65535, "a port number");
  if (!port.ok()) return whole(port.status());
  if (name == "local_port") {
    script->local_port = static_cast<uint16_t>(*port);
  } else {
    script->remote_port = static_cast<uint16_t>(*port);
  }
  return true;
}

bool LineParser::Time(TimePoint* t) {
  size_t start = i_;
  t->relative = Peek() == '+';
  if (t->relative) ++i_;
  size_t num = i_;
  while (IsDigit(Peek())) ++i_;
  if (Peek() == '.' && IsDigit(Peek(1))) {
    ++i_;
    while (IsDigit(Peek())) ++i_;
  }
  absl::string_view digits = s_.substr(num, i_ - num);
  if (digits.empty()) {
    i_ = start;
    return Expected("a time like +0.1, 0.100 or *");
  }
  std::string text = absl::StrCat(digits[0] == '.' ? "0" : "", digits, "s");
  auto d = ParseDuration(text);
  if (!d.ok()) {
    return Fail(Pos(start), absl::StrCat("expected a time in seconds with at most 9 decimals, "
                                         "got ", Quote(s_.substr(start, i_ - start))));
  }
  t->value = *d;
  return true;
}

bool LineParser::Step(PacketStep* step) {
  step->pos = Pos();
  if (Peek() == '*') {
    ++i_;
    step->time.any = true;
  } else {
    if (!Time(&step->time.start)) return false;
    if (LookingAt("...")) {
      i_ += 3;
      TimePoint end;
      if (!Time(&end)) return false;
      step->time.end = end;
    }
  }
  if (!AtEnd() && !IsBlank(Peek())) {
    return Expected("a space after the time");
  }
  SkipBlanks();
  if (Peek() == '<' || Peek() == '>') {
    PacketSpec p;
    p.direction = Peek() == '<' ? PacketDirection::kInbound : PacketDirection::kOutbound;
    ++i_;
    if (!Packet(&p)) return false;
    if (step->time.end) {
      return Fail(step->pos, "only a system call can have a return time (\"...\")");
    }
    step->event = std::move(p);
    return true;
  }
  if (IsIdentStart(Peek())) {
    Syscall c;
    if (!Call(&c)) return false;
    step->event = std::move(c);
    return true;
  }
  return Expected("\"<\" (inject a segment), \">\" (expect one) or a system call");
}

bool LineParser::Packet(PacketSpec* p) {
  bool inbound = p->direction == PacketDirection::kInbound;
  SkipBlanks();
  size_t flags_at = i_;
  while (!AtEnd() && !IsBlank(Peek())) {
    uint8_t bit;
    switch (Peek()) {
      case 'F': bit = wire::flags::kFin; break;
      case 'S': bit = wire::flags::kSyn; break;
      case 'R': bit = wire::flags::kRst; break;
      case 'P': bit = wire::flags::kPsh; break;
      case '.': bit = wire::flags::kAck; break;
      case 'U': bit = wire::flags::kUrg; break;
      case 'E': bit = wire::flags::kEce; break;
      case 'W': bit = wire::flags::kCwr; break;
      default:
        return Expected("TCP flags (letters S . F R P E W U)");
    }
    if (p->flags & bit) {
      return Fail(Pos(), absl::StrCat("flag '", std::string(1, Peek()), "' given twice"));
    }
    p->flags |= bit;
    ++i_;
  }
  if (i_ == flags_at) return Expected("TCP flags (letters S . F R P E W U)");
  SkipBlanks();
  if (IsDigit(Peek())) {
    SeqRange r;
    size_t at = i_;
    if (!U32("a sequence number", &r.start) || !Char(':') || !U32("a sequence number", &r.end) ||
        !Char('(') || !U32("a payload length", &r.length, 65535) || !Char(')')) {
      return false;
    }
    if (r.end - r.start != r.length) {
      return Fail(Pos(at), absl::StrCat("sequence range ", r.start, ":", r.end, " spans ",
                                        r.end - r.start, " bytes but the length says ",
                                        r.length));
    }
    p->seq = r;
  } else if (inbound) {
    return Expected("a sequence range like 0:0(0) or 1:1001(1000)");
  }
  while (true) {
    SkipBlanks();
    if (AtEnd()) break;
    size_t at = i_;
    if (Peek() == '<') {
      if (!Options(p)) return false;
      SkipBlanks();
      if (!AtEnd()) return Expected("end of line after the options");
      break;
    }
    absl::string_view word = Ident();
    if (word == "ack") {
      if (p->ack) return Fail(Pos(at), "ack given twice");
      if (!(p->flags & wire::flags::kAck)) {
        return Fail(Pos(at), "\"ack\" needs the ACK flag ('.')");
      }
      uint32_t v;
      if (!U32("an acknowledgment number", &v)) return false;
      p->ack = v;
    } else if (word == "win") {
      if (p->window) return Fail(Pos(at), "win given twice");
      uint32_t v;
      if (!U32("a window", &v, 65535)) return false;
      p->window = v;
    } else {
      i_ = at;
      return Expected("ack, win, <options> or end of line");
    }
  }
  if (inbound && (p->flags & wire::flags::kAck) && !p->ack) {
    return Fail(Pos(), "expected \"ack N\" for a segment with the ACK flag ('.'), got end of line");
  }
  return true;
}

bool LineParser::Options(PacketSpec* p) {
  size_t open = i_;
  ++i_;  // '<'
  SkipBlanks();
  if (LookingAt("...")) {
    i_ += 3;
    if (!Char('>')) return false;
    if (p->direction == PacketDirection::kInbound) {
      return Fail(Pos(open), "\"<...>\" (any options) is only for expected segments ('>')");
    }
    p->any_options = true;
    return true;
  }
  wire::TcpOptions o;
  int bytes = 0;
  while (true) {
    SkipBlanks();
    size_t at = i_;
    absl::string_view kind = Ident();
    if (kind.empty()) return Expected("a TCP option (nop, eol, mss, wscale, sackOK, sack, TS)");
    auto twice = [&]() { return Fail(Pos(at), absl::StrCat("option ", kind, " given twice")); };
    if (kind == "nop") {
      o.AppendLayout(wire::OptionKind::kNop);
      bytes += 1;
    } else if (kind == "eol") {
      o.AppendLayout(wire::OptionKind::kEol);
      bytes += 1;
    } else if (kind == "mss") {
      if (o.mss) return twice();
      uint32_t v;
      if (!U32("an MSS", &v, 65535)) return false;
      o.mss = static_cast<uint16_t>(v);
      o.AppendLayout(wire::OptionKind::kMss);
      bytes += 4;
    } else if (kind == "wscale") {
      if (o.window_scale) return twice();
      uint32_t v;
      if (!U32("a window scale shift", &v, 255)) return false;
      o.window_scale = static_cast<uint8_t>(v);
      o.AppendLayout(wire::OptionKind::kWindowScale);
      bytes += 3;
    } else if (kind == "sackOK") {
      if (o.sack_permitted) return twice();
      o.sack_permitted = true;
      o.AppendLayout(wire::OptionKind::kSackPermitted);
      bytes += 2;
    } else if (kind == "sack") {
      if (o.sack_count > 0) return twice();
      do {
        if (o.sack_count == wire::kMaxSackBlocks) {
          return Fail(Pos(), absl::StrCat("at most ", wire::kMaxSackBlocks, " SACK blocks"));
        }
        uint32_t l, r;
        if (!U32("a SACK block like 1001:2001", &l) || !Char(':') ||
            !U32("a sequence number", &r)) {
          return false;
        }
        o.AddSackBlock({wire::Seq(l), wire::Seq(r)});
        SkipBlanks();
      } while (IsDigit(Peek()));
      o.AppendLayout(wire::OptionKind::kSack);
      bytes += 2 + 8 * o.sack_count;
    } else if (kind == "TS") {
      if (o.timestamps) return twice();
      wire::Timestamps ts;
      SkipBlanks();
      if (Ident() != "val") return Fail(Pos(at), "expected \"TS val N ecr N\"");
      if (!U32("a timestamp value", &ts.val)) return false;
      SkipBlanks();
      size_t ecr_at = i_;
      if (Ident() != "ecr") {
        i_ = ecr_at;
        return Expected("\"ecr\"");
      }
      if (!U32("a timestamp echo reply", &ts.ecr)) return false;
      o.timestamps = ts;
      o.AppendLayout(wire::OptionKind::kTimestamps);
      bytes += 10;
    } else {
      return Fail(Pos(at), UnknownWord("TCP option", kind, kTcpOptionNames));
    }
    if (bytes > wire::kMaxOptionBytes) {
      return Fail(Pos(at), absl::StrCat("options take more than ", wire::kMaxOptionBytes,
                                        " bytes"));
    }
    SkipBlanks();
    if (Peek() == ',') {
      ++i_;
      continue;
    }
    if (Peek() == '>') {
      ++i_;
      break;
    }
    return Expected("\",\" or \">\"");
  }
  p->options = o;
  return true;
}

bool LineParser::Arg(SyscallArg* a, bool scalar_only) {
  SkipBlanks();
  char c = Peek();
  if (LookingAt("...")) {
    i_ += 3;
    a->kind = SyscallArg::Kind::kEllipsis;
    return true;
  }
  if (c == '-' || IsDigit(c)) {
    a->kind = SyscallArg::Kind::kInt;
    return Signed("an integer", &a->value);
  }
  if (c == '"') {
    size_t start = ++i_;
    while (!AtEnd() && Peek() != '"') {
      if (Peek() == '\\' && i_ + 1 < s_.size()) ++i_;
      ++i_;
    }
    if (AtEnd()) return Fail(Pos(start - 1), "string not closed on this line");
    a->kind = SyscallArg::Kind::kString;
    a->text = std::string(s_.substr(start, i_ - start));
    ++i_;
    return true;
  }
  if (IsIdentStart(c)) {
    a->kind = SyscallArg::Kind::kName;
    a->text = std::string(Ident());
    while (true) {
      SkipBlanks();
      if (Peek() != '|') break;
      ++i_;
      SkipBlanks();
      absl::string_view more = Ident();
      if (more.empty()) return Expected("a name after \"|\"");
      absl::StrAppend(&a->text, "|", more);
    }
    return true;
  }
  if (!scalar_only && (c == '[' || c == '{')) {
    bool list = c == '[';
    char close = list ? ']' : '}';
    a->kind = list ? SyscallArg::Kind::kList : SyscallArg::Kind::kStruct;
    ++i_;
    SkipBlanks();
    if (Peek() == close) {
      ++i_;
      return true;
    }
    while (true) {
      SyscallArg e;
      if (!list) {
        SkipBlanks();
        e.field = std::string(Ident());
        if (e.field.empty()) return Expected("a field name");
        if (!Char('=')) return false;
      }
      if (!Arg(&e, /*scalar_only=*/true)) return false;
      a->elements.push_back(std::move(e));
      SkipBlanks();
      if (Peek() == ',') {
        ++i_;
        continue;
      }
      if (Peek() == close) {
        ++i_;
        return true;
      }
      return Expected(absl::StrCat("\",\" or \"", std::string(1, close), "\""));
    }
  }
  return Expected(scalar_only ? "a number, name, string or ..."
                              : "an argument (number, name, string, ..., [list] or {struct})");
}

bool LineParser::Call(Syscall* c) {
  size_t at = i_;
  c->name = std::string(Ident());
  const SyscallShape* shape = nullptr;
  for (const SyscallShape& s : kSyscalls) {
    if (s.name == c->name) shape = &s;
  }
  if (shape == nullptr) {
    std::vector<absl::string_view> names;
    for (const SyscallShape& s : kSyscalls) names.push_back(s.name);
    return Fail(Pos(at), UnknownWord("system call", c->name, names));
  }
  if (!Char('(')) return false;
  SkipBlanks();
  if (Peek() != ')') {
    while (true) {
      SyscallArg a;
      if (!Arg(&a, /*scalar_only=*/false)) return false;
      c->args.push_back(std::move(a));
      SkipBlanks();
      if (Peek() == ',') {
        ++i_;
        continue;
      }
      if (Peek() == ')') break;
      return Expected("\",\" or \")\"");
    }
  }
  size_t close = i_;
  ++i_;  // ')'
  int n = static_cast<int>(c->args.size());
  if (n < shape->min_args || n > shape->max_args) {
    std::string want = shape->min_args == shape->max_args
                           ? absl::StrCat(shape->min_args)
                           : absl::StrCat(shape->min_args, " or ", shape->max_args);
    return Fail(Pos(close), absl::StrCat(c->name, "() takes ", want, " argument",
                                         want == "1" ? "" : "s", ", got ", n));
  }
  if (!Char('=')) return false;
  if (!Signed("a return value like 0 or -1", &c->result)) return false;
  SkipBlanks();
  if (IsIdentStart(Peek())) {
    size_t err_at = i_;
    absl::string_view err = Ident();
    if (err.size() < 2 || err[0] != 'E') {
      i_ = err_at;
      return Expected("an errno name like EINPROGRESS or end of line");
    }
    if (c->result != -1) return Fail(Pos(err_at), "an errno goes with a return value of -1");
    c->error = std::string(err);
    SkipBlanks();
    if (Peek() == '(') {
      size_t open = i_;
      ++i_;
      size_t start = i_;
      while (!AtEnd() && Peek() != ')') ++i_;
      if (AtEnd()) return Fail(Pos(open), "\"(\" not closed on this line");
      c->error_text = std::string(s_.substr(start, i_ - start));
      ++i_;
    }
  }
  SkipBlanks();
  if (!AtEnd()) return Expected("end of line");
  return true;
}

}  // namespace

absl::StatusOr<PacketScript> ParsePacketScript(absl::string_view text, absl::string_view file) {
  PacketScript script;
  script.file = std::string(file);
  std::string clean(text);
  SourcePos open;
  if (!StripComments(&clean, &open)) return ErrorAt(file, open, "comment \"/*\" is not closed");
  absl::Status error;
  std::vector<std::string> seen;
  size_t start = 0;
  int lineno = 0;
  while (start <= clean.size()) {
    size_t end = clean.find('\n', start);
    if (end == std::string::npos) end = clean.size();
    absl::string_view line = absl::string_view(clean).substr(start, end - start);
    ++lineno;
    start = end + 1;
    size_t first = 0;
    while (first < line.size() && IsBlank(line[first])) ++first;
    if (first == line.size()) continue;
    LineParser lp(line, lineno, file, &error);
    if (line.substr(first, 2) == "--") {
      if (!script.steps.empty()) {
        return ErrorAt(file, SourcePos{lineno, static_cast<int>(first) + 1},
                       "header options (--name=value) must come before the first step");
      }
      if (!lp.HeaderAt(first, &script, &seen)) return error;
      continue;
    }
    PacketStep step;
    if (!lp.StepAt(first, &step)) return error;
    script.steps.push_back(std::move(step));
  }
  return script;
}

}  // namespace tcplab::scenario
