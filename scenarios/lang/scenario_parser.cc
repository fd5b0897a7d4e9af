#include "scenarios/lang/scenario_parser.h"

#include <algorithm>
#include <iterator>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "scenarios/lang/diagnostics.h"
#include "scenarios/lang/units.h"

namespace tcplab::scenario {
namespace {

using Kind = Token::Kind;

constexpr absl::string_view kStatements[] = {
    "seed", "time_limit", "host", "switch", "link", "app", "at", "when", "expect"};
constexpr absl::string_view kStackKeys[] = {
    "mss", "send_buffer", "recv_buffer", "rto_initial", "rto_min", "rto_max", "msl",
    "persist_min", "persist_max", "syn_retries", "data_retries", "fin_retries",
    "isn_secret", "congestion", "sack", "timestamps", "window_scale", "delayed_ack",
    "ack_bursts", "nagle", "keepalive"};
constexpr absl::string_view kHostOnlyKeys[] = {"address", "count"};
constexpr absl::string_view kImpairments[] = {
    "delay", "loss", "duplicate", "reorder", "corrupt", "rate", "limit", "mtu"};
constexpr absl::string_view kAppKeys[] = {
    "listen", "connect", "backlog", "bytes", "requests", "count", "start", "read_rate",
    "read_pause", "never_read", "close_after", "abort_after", "write_size", "read_size",
    "local_port"};
constexpr absl::string_view kAppKinds[] = {"bulk", "sink", "echo", "http_server", "http_get"};
constexpr absl::string_view kAppActions[] = {
    "shutdown", "close", "abort", "stop_reading", "resume_reading"};
constexpr absl::string_view kCongestion[] = {"none", "reno", "newreno", "cubic"};
constexpr absl::string_view kDistributions[] = {"uniform", "normal", "pareto", "paretonormal"};
constexpr absl::string_view kOps[] = {"==", "!=", "<", "<=", ">", ">="};
constexpr absl::string_view kMetrics[] = {
    "state", "error", "sent", "received", "intact", "completed", "retransmits",
    "timeouts", "fast_retransmits", "zero_window_probes", "connections",
    "sack_retransmits", "fast_recoveries", "dup_acks", "sack_blocks", "keepalive_probes",
    "cwnd", "ssthresh", "srtt"};
static_assert(std::size(kMetrics) == static_cast<size_t>(Metric::kSrtt) + 1,
              "kMetrics lists every Metric in enum order");
constexpr absl::string_view kStates[] = {
    "CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
    "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT"};
constexpr absl::string_view kErrors[] = {"none", "timed_out", "reset", "refused"};

constexpr uint32_t kMaxHostCount = 65536;
constexpr uint32_t kMaxAppCount = 100000;

// Index of `word` in `list`, or -1.
template <size_t N>
int IndexOf(absl::string_view word, const absl::string_view (&list)[N]) {
  for (size_t i = 0; i < N; ++i) {
    if (list[i] == word) return static_cast<int>(i);
  }
  return -1;
}

template <size_t N>
bool Contains(const absl::string_view (&list)[N], absl::string_view word) {
  return IndexOf(word, list) >= 0;
}

bool IsName(absl::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  char c0 = s[0];
  if (!((c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z') || c0 == '_')) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_')) {
      return false;
    }
  }
  return true;
}

std::string PosString(SourcePos p) { return absl::StrCat(p.line, ":", p.column); }

SourcePos Offset(SourcePos p, size_t by) {
  return SourcePos{p.line, p.column + static_cast<int>(by)};
}

// A use of a name, checked once the whole file is read.
struct Reference {
  enum class What { kNode, kHost, kConnectTarget, kApp, kLink };
  What what;
  std::string name;
  std::string other;  // kLink: the other end
  SourcePos pos;
};

class Parser {
 public:
  Parser(std::vector<Token> tokens, absl::string_view file)
      : toks_(std::move(tokens)), file_(file) {}

  absl::StatusOr<Scenario> ParseFile();
  absl::Status ParseOneStackKey(StackConfig* config) {
    if (StackKey(config)) EndOfStatement();
    return error_;
  }

 private:
  // ---- token access ----
  const Token& Peek() const { return toks_[i_]; }
  const Token& Next() {
    const Token& t = toks_[i_];
    if (t.kind != Kind::kEof) ++i_;
    return t;
  }
  bool PeekWord(absl::string_view w) const {
    return Peek().kind == Kind::kWord && Peek().text == w;
  }
  bool AtStatementEnd() const {
    Kind k = Peek().kind;
    return k == Kind::kEnd || k == Kind::kEof || k == Kind::kRBrace;
  }

  // ---- errors: the first one wins; every parse function returns false
  // once error_ is set ----
  bool Fail(SourcePos pos, absl::string_view message) {
    if (error_.ok()) error_ = ErrorAt(file_, pos, message);
    return false;
  }
  bool Expected(const Token& t, absl::string_view what) {
    return Fail(t.pos, absl::StrCat("expected ", what, ", got ", Describe(t)));
  }
  template <typename T>
  bool Check(const Token& t, absl::StatusOr<T> value, T* out) {
    if (!value.ok()) return Fail(t.pos, value.status().message());
    *out = *std::move(value);
    return true;
  }
  template <typename T>
  bool Check(const Token& t, absl::StatusOr<T> value, std::optional<T>* out) {
    if (!value.ok()) return Fail(t.pos, value.status().message());
    *out = *std::move(value);
    return true;
  }

  bool Word(absl::string_view what, const Token** out) {
    if (Peek().kind != Kind::kWord) return Expected(Peek(), what);
    *out = &Next();
    return true;
  }
  bool Keyword(absl::string_view kw) {
    if (!PeekWord(kw)) return Expected(Peek(), absl::StrCat("\"", kw, "\""));
    Next();
    return true;
  }
  bool Colon() {
    if (Peek().kind != Kind::kColon) return Expected(Peek(), "\":\"");
    Next();
    return true;
  }
  bool EndOfStatement() {
    if (!AtStatementEnd()) return Expected(Peek(), "end of line");
    if (Peek().kind == Kind::kEnd) Next();
    return true;
  }
  void SkipEnds() {
    while (Peek().kind == Kind::kEnd) Next();
  }
  // A "{ ... }" block: calls item() for each statement inside. The opening
  // brace is the next token.
  template <typename F>
  bool Block(F item) {
    const Token& open = Next();
    while (true) {
      SkipEnds();
      if (Peek().kind == Kind::kRBrace) {
        Next();
        return true;
      }
      if (Peek().kind == Kind::kEof) {
        return Fail(Peek().pos, absl::StrCat("expected \"}\" to close the block opened at ",
                                             PosString(open.pos), ", got end of file"));
      }
      if (Peek().kind != Kind::kWord) return Expected(Peek(), "a key or \"}\"");
      if (!item() || !EndOfStatement()) return false;
    }
  }
  // Rejects a key that appears twice in one block.
  bool FirstTime(std::vector<absl::string_view>* seen, const Token& key) {
    for (absl::string_view s : *seen) {
      if (s == key.text) return Fail(key.pos, absl::StrCat(Quote(key.text), " given twice"));
    }
    seen->push_back(key.text);
    return true;
  }

  // ---- values ----
  bool NameTok(absl::string_view what, const Token** out) {
    if (!Word(what, out)) return false;
    if (!IsName((*out)->text)) {
      return Expected(**out, absl::StrCat(what, " (letters, digits and _, not starting with a digit)"));
    }
    return true;
  }
  bool Duration(absl::Duration* out) {
    const Token* t = nullptr;
    return Word("a duration like 10ms", &t) && Check(*t, ParseDuration(t->text), out);
  }
  bool Size(uint64_t* out) {
    const Token* t = nullptr;
    return Word("a size like 1500B, 64KiB or 10MB", &t) && Check(*t, ParseSize(t->text), out);
  }
  bool Rate(uint64_t* out) {
    const Token* t = nullptr;
    return Word("a rate like 10Mbit/s or 100KB/s", &t) && Check(*t, ParseRate(t->text), out);
  }
  bool Pct(Percent* out) {
    const Token* t = nullptr;
    return Word("a percentage like 1.5%", &t) && Check(*t, ParsePercent(t->text), out);
  }
  bool Unsigned(absl::string_view what, uint64_t max, uint64_t* out, bool hex = false) {
    const Token* t = nullptr;
    return Word(what, &t) && Check(*t, ParseUnsigned(t->text, max, what, hex), out);
  }
  bool U32(absl::string_view what, uint32_t max, uint32_t* out) {
    uint64_t v{};
    if (!Unsigned(what, max, &v)) return false;
    *out = static_cast<uint32_t>(v);
    return true;
  }
  bool OptU32(absl::string_view what, uint32_t max, std::optional<uint32_t>* out) {
    uint32_t v{};
    if (!U32(what, max, &v)) return false;
    *out = v;
    return true;
  }
  bool Port(uint16_t* out) {
    uint32_t v{};
    if (!U32("a port number", 65535, &v)) return false;
    *out = static_cast<uint16_t>(v);
    return true;
  }
  bool OnOff(bool* out) {
    if (PeekWord("on") || PeekWord("off")) {
      *out = Next().text == "on";
      return true;
    }
    return Expected(Peek(), "\"on\" or \"off\"");
  }
  template <size_t N>
  bool OneOf(absl::string_view what, const absl::string_view (&list)[N], int* out) {
    const Token* t = nullptr;
    if (!Word(what, &t)) return false;
    *out = IndexOf(t->text, list);
    if (*out < 0) return Fail(t->pos, UnknownWord(what, t->text, list));
    return true;
  }
  bool Op(CompareOp* out) {
    int i{};
    if (Peek().kind != Kind::kWord || !Contains(kOps, Peek().text)) {
      return Expected(Peek(), "a comparison (==, !=, <, <=, >, >=)");
    }
    i = IndexOf(Next().text, kOps);
    *out = static_cast<CompareOp>(i);
    return true;
  }
  // "NAME.FIELD" as one word.
  bool Dotted(absl::string_view what, const Token** name_tok, std::string* name,
              absl::string_view* field, SourcePos* field_pos) {
    if (!Word(what, name_tok)) return false;
    absl::string_view text = (*name_tok)->text;
    size_t dot = text.rfind('.');
    if (dot == absl::string_view::npos || !IsName(text.substr(0, dot))) {
      return Expected(**name_tok, what);
    }
    *name = std::string(text.substr(0, dot));
    *field = text.substr(dot + 1);
    *field_pos = Offset((*name_tok)->pos, dot + 1);
    return true;
  }

  // ---- statements ----
  bool Statement();
  bool HostStatement();
  bool LinkStatement();
  bool AppStatement();
  bool AppKey(App* app, std::vector<absl::string_view>* seen);
  bool EventStatement(bool when);
  bool ExpectStatement();
  bool StackKey(StackConfig* c);
  bool Impairment(LinkParams* p);
  bool OptionalCorrelation(std::optional<Percent>* corr);
  bool LinkRefAt(LinkRef* ref);
  bool Validate();
  bool Declare(const std::string& name, SourcePos pos, bool is_app);

  std::vector<Token> toks_;
  size_t i_ = 0;
  std::string file_;
  absl::Status error_;
  Scenario s_;
  std::vector<Reference> refs_;
  // Not iterated: lookups only.
  absl::flat_hash_map<std::string, SourcePos> nodes_;
  absl::flat_hash_map<std::string, SourcePos> apps_;
  absl::flat_hash_map<std::string, bool> host_names_;  // name -> is a host (not a switch)
  SourcePos seed_pos_, time_limit_pos_;
  std::optional<SourcePos> count_pos_, backlog_pos_, local_port_pos_;  // of the app being parsed
};

absl::StatusOr<Scenario> Parser::ParseFile() {
  s_.file = file_;
  while (true) {
    SkipEnds();
    if (Peek().kind == Kind::kEof) break;
    if (!Statement()) return error_;
  }
  if (!Validate()) return error_;
  return std::move(s_);
}

bool Parser::Statement() {
  const Token& t = Peek();
  if (t.kind != Kind::kWord) return Expected(t, "a statement (host, link, app, at, expect, ...)");
  absl::string_view kw = t.text;
  if (kw == "seed") {
    Next();
    if (s_.seed) {
      return Fail(t.pos, absl::StrCat("seed given twice (first at ", PosString(seed_pos_), ")"));
    }
    seed_pos_ = t.pos;
    uint64_t v{};
    if (!Unsigned("a seed (an integer)", UINT64_MAX, &v, /*hex=*/true)) return false;
    s_.seed = v;
    return EndOfStatement();
  }
  if (kw == "time_limit") {
    Next();
    if (s_.time_limit) {
      return Fail(t.pos, absl::StrCat("time_limit given twice (first at ",
                                      PosString(time_limit_pos_), ")"));
    }
    time_limit_pos_ = t.pos;
    absl::Duration d;
    if (!Duration(&d)) return false;
    s_.time_limit = d;
    return EndOfStatement();
  }
  if (kw == "host") return HostStatement();
  if (kw == "switch") {
    Next();
    const Token* name = nullptr;
    if (!NameTok("a switch name", &name)) return false;
    std::string n(name->text);
    if (!Declare(n, name->pos, false)) return false;
    host_names_[n] = false;
    s_.switches.push_back(Switch{n, t.pos});
    return EndOfStatement();
  }
  if (kw == "link") return LinkStatement();
  if (kw == "app") return AppStatement();
  if (kw == "at") return EventStatement(false);
  if (kw == "when") return EventStatement(true);
  if (kw == "expect") return ExpectStatement();
  return Fail(t.pos, UnknownWord("statement", kw, kStatements));
}

bool Parser::Declare(const std::string& name, SourcePos pos, bool is_app) {
  auto& map = is_app ? apps_ : nodes_;
  auto [it, inserted] = map.emplace(name, pos);
  if (!inserted) {
    return Fail(pos, absl::StrCat("duplicate name ", Quote(name), " (first declared at ",
                                  PosString(it->second), ")"));
  }
  return true;
}

bool Parser::HostStatement() {
  const Token& kw = Next();
  const Token* name = nullptr;
  if (!NameTok("a host name", &name)) return false;
  Host h;
  h.name = std::string(name->text);
  h.pos = kw.pos;
  if (!Declare(h.name, name->pos, false)) return false;
  host_names_[h.name] = true;
  if (Peek().kind == Kind::kLBrace) {
    std::vector<absl::string_view> seen;
    bool ok = Block([&]() {
      const Token& key = Peek();
      if (!FirstTime(&seen, key)) return false;
      if (key.text == "address") {
        Next();
        const Token* t = nullptr;
        if (!Word("an IPv4 address like 10.0.0.1", &t)) return false;
        auto a = wire::Ipv4Address::Parse(t->text);
        if (!a.ok()) return Expected(*t, "an IPv4 address like 10.0.0.1");
        h.address = *a;
        return true;
      }
      if (key.text == "count") {
        Next();
        const Token* t = nullptr;
        if (!Word("a host count", &t)) return false;
        auto v = ParseUnsigned(t->text, kMaxHostCount, "a host count");
        if (!v.ok()) return Fail(t->pos, v.status().message());
        if (*v == 0) return Fail(t->pos, "expected a host count of at least 1, got \"0\"");
        h.count = static_cast<uint32_t>(*v);
        return true;
      }
      if (!Contains(kStackKeys, key.text)) {
        std::vector<absl::string_view> known(std::begin(kHostOnlyKeys), std::end(kHostOnlyKeys));
        known.insert(known.end(), std::begin(kStackKeys), std::end(kStackKeys));
        return Fail(key.pos, UnknownWord("host key", key.text, known));
      }
      return StackKey(&h.stack);
    });
    if (!ok) return false;
  }
  auto ordered = [&](const std::optional<absl::Duration>& lo, const std::optional<absl::Duration>& hi,
                     absl::string_view lo_name, absl::string_view hi_name) {
    if (lo && hi && *lo > *hi) {
      return Fail(kw.pos, absl::StrCat("host ", Quote(h.name), ": ", lo_name, " ",
                                       DurationToString(*lo), " is above ", hi_name, " ",
                                       DurationToString(*hi)));
    }
    return true;
  };
  if (!ordered(h.stack.rto_min, h.stack.rto_max, "rto_min", "rto_max") ||
      !ordered(h.stack.persist_min, h.stack.persist_max, "persist_min", "persist_max")) {
    return false;
  }
  s_.hosts.push_back(std::move(h));
  return EndOfStatement();
}

bool Parser::StackKey(StackConfig* c) {
  const Token* key = nullptr;
  if (!Word("a stack key", &key)) return false;
  absl::string_view k = key->text;
  auto dur = [&](std::optional<absl::Duration>* out) {
    absl::Duration d;
    if (!Duration(&d)) return false;
    *out = d;
    return true;
  };
  auto size = [&](std::optional<uint64_t>* out) {
    uint64_t v{};
    if (!Size(&v)) return false;
    *out = v;
    return true;
  };
  auto onoff = [&](std::optional<bool>* out) {
    bool b{};
    if (!OnOff(&b)) return false;
    *out = b;
    return true;
  };
  if (k == "mss") return OptU32("an MSS in bytes (an integer)", 65535, &c->mss);
  if (k == "send_buffer") return size(&c->send_buffer);
  if (k == "recv_buffer") return size(&c->recv_buffer);
  if (k == "rto_initial") return dur(&c->rto_initial);
  if (k == "rto_min") return dur(&c->rto_min);
  if (k == "rto_max") return dur(&c->rto_max);
  if (k == "msl") return dur(&c->msl);
  if (k == "persist_min") return dur(&c->persist_min);
  if (k == "persist_max") return dur(&c->persist_max);
  if (k == "syn_retries") return OptU32("a retry count", 1000, &c->syn_retries);
  if (k == "data_retries") return OptU32("a retry count", 1000, &c->data_retries);
  if (k == "fin_retries") return OptU32("a retry count", 1000, &c->fin_retries);
  if (k == "isn_secret") {
    uint64_t v{};
    if (!Unsigned("an ISN secret (an integer, 0x for hex)", UINT64_MAX, &v, true)) return false;
    c->isn_secret = v;
    return true;
  }
  if (k == "congestion") {
    int i{};
    if (!OneOf("congestion control", kCongestion, &i)) return false;
    c->congestion = static_cast<CongestionControl>(i);
    return true;
  }
  if (k == "sack") return onoff(&c->sack);
  if (k == "timestamps") return onoff(&c->timestamps);
  if (k == "nagle") return onoff(&c->nagle);
  if (k == "ack_bursts") return onoff(&c->ack_bursts);
  if (k == "window_scale") {
    if (PeekWord("on") || PeekWord("off")) return onoff(&c->window_scale);
    const Token& t = Peek();
    if (t.kind != Kind::kWord) return Expected(t, "\"on\", \"off\" or a shift count 0..14");
    auto v = ParseUnsigned(t.text, 14, "\"on\", \"off\" or a shift count");
    if (!v.ok()) return Fail(t.pos, v.status().message());
    Next();
    c->window_scale = true;
    c->window_scale_shift = static_cast<uint32_t>(*v);
    return true;
  }
  if (k == "delayed_ack") {
    if (PeekWord("on") || PeekWord("off")) return onoff(&c->delayed_ack);
    const Token& t = Peek();
    if (t.kind != Kind::kWord) return Expected(t, "\"on\", \"off\" or a timeout like 40ms");
    auto d = ParseDuration(t.text);
    if (!d.ok()) return Expected(t, "\"on\", \"off\" or a timeout like 40ms");
    Next();
    c->delayed_ack = true;
    c->delayed_ack_timeout = *d;
    return true;
  }
  if (k == "keepalive") {
    if (PeekWord("on") || PeekWord("off")) return onoff(&c->keepalive);
    if (AtStatementEnd()) return Expected(Peek(), "\"on\", \"off\", idle, interval or count");
    std::vector<absl::string_view> seen;
    while (!AtStatementEnd()) {
      const Token& sub = Peek();
      if (sub.kind != Kind::kWord) return Expected(sub, "idle, interval or count");
      if (!FirstTime(&seen, sub)) return false;
      if (sub.text == "idle") {
        Next();
        if (!dur(&c->keepalive_idle)) return false;
      } else if (sub.text == "interval") {
        Next();
        if (!dur(&c->keepalive_interval)) return false;
      } else if (sub.text == "count") {
        Next();
        if (!OptU32("a probe count", 1000, &c->keepalive_count)) return false;
      } else {
        static constexpr absl::string_view kSub[] = {"idle", "interval", "count"};
        return Fail(sub.pos, UnknownWord("keepalive setting", sub.text, kSub));
      }
    }
    c->keepalive = true;
    return true;
  }
  return Fail(key->pos, UnknownWord("stack key", k, kStackKeys));
}

bool Parser::OptionalCorrelation(std::optional<Percent>* corr) {
  if (PeekWord("correlation")) Next();
  else if (Peek().kind != Kind::kWord || !absl::EndsWith(Peek().text, "%")) return true;
  Percent p;
  if (!Pct(&p)) return false;
  *corr = p;
  return true;
}

bool Parser::Impairment(LinkParams* p) {
  const Token& key = Next();
  absl::string_view k = key.text;
  if (k == "delay") {
    absl::Duration d;
    if (!Duration(&d)) return false;
    p->delay = d;
    bool named = false;  // after a keyword, positional values are not accepted
    while (!AtStatementEnd()) {
      const Token& t = Peek();
      if (t.kind != Kind::kWord) return Expected(t, "jitter, correlation or distribution");
      auto twice = [&](absl::string_view what) {
        return Fail(t.pos, absl::StrCat(what, " given twice"));
      };
      if (t.text == "jitter" || (!named && !p->jitter && !t.text.empty() &&
                                 t.text[0] >= '0' && t.text[0] <= '9' &&
                                 !absl::EndsWith(t.text, "%"))) {
        if (p->jitter) return twice("jitter");
        if (t.text == "jitter") {
          Next();
          named = true;
        }
        if (!Duration(&d)) return false;
        p->jitter = d;
      } else if (t.text == "correlation" || (!named && absl::EndsWith(t.text, "%"))) {
        if (p->delay_correlation) return twice("correlation");
        if (t.text == "correlation") {
          Next();
          named = true;
        }
        Percent c;
        if (!Pct(&c)) return false;
        p->delay_correlation = c;
      } else if (t.text == "distribution") {
        Next();
        named = true;
        if (p->distribution) return twice("distribution");
        int i{};
        if (!OneOf("distribution", kDistributions, &i)) return false;
        p->distribution = static_cast<Distribution>(i);
      } else {
        static constexpr absl::string_view kSub[] = {"jitter", "correlation", "distribution"};
        return Fail(t.pos, UnknownWord("delay setting", t.text, kSub));
      }
    }
    return true;
  }
  if (k == "loss") {
    if (PeekWord("gemodel")) {
      Next();
      GilbertElliottLoss g;
      if (PeekWord("p")) Next();
      if (!Pct(&g.p)) return false;
      std::optional<Percent>* slots[] = {&g.r, &g.one_minus_h, &g.one_minus_k};
      static constexpr absl::string_view kNames[] = {"r", "1-h", "1-k"};
      int next_slot = 0;
      while (!AtStatementEnd()) {
        const Token& t = Peek();
        int slot = t.kind == Kind::kWord ? IndexOf(t.text, kNames) : -1;
        if (slot >= 0) {
          Next();
        } else if (t.kind == Kind::kWord && absl::EndsWith(t.text, "%") && next_slot < 3) {
          slot = next_slot;  // netem's positional form
        } else {
          return Fail(t.pos, UnknownWord("gemodel parameter", t.text, kNames));
        }
        if (slots[slot]->has_value()) {
          return Fail(t.pos, absl::StrCat(kNames[slot], " given twice"));
        }
        Percent v;
        if (!Pct(&v)) return false;
        *slots[slot] = v;
        next_slot = slot + 1;
      }
      p->loss = g;
      return true;
    }
    if (PeekWord("random")) Next();
    RandomLoss r;
    if (!Pct(&r.percent) || !OptionalCorrelation(&r.correlation)) return false;
    p->loss = r;
    return true;
  }
  auto pct_corr = [&](std::optional<Percent>* value, std::optional<Percent>* corr) {
    Percent v;
    if (!Pct(&v)) return false;
    *value = v;
    return OptionalCorrelation(corr);
  };
  if (k == "duplicate") return pct_corr(&p->duplicate, &p->duplicate_correlation);
  if (k == "corrupt") return pct_corr(&p->corrupt, &p->corrupt_correlation);
  if (k == "reorder") {
    if (!pct_corr(&p->reorder, &p->reorder_correlation)) return false;
    if (PeekWord("gap")) {
      Next();
      return OptU32("a reorder gap (packets)", 1000000, &p->reorder_gap);
    }
    return true;
  }
  if (k == "rate") {
    uint64_t r{};
    if (!Rate(&r)) return false;
    if (r == 0) return Fail(key.pos, "rate must be above 0 (leave it out for no limit)");
    p->rate_bps = r;
    return true;
  }
  if (k == "limit") {
    const Token* t = nullptr;
    if (!Word("a queue limit: packets like 100, or bytes like 64KB", &t)) return false;
    if (!t->text.empty() && (t->text.back() >= '0' && t->text.back() <= '9')) {
      uint64_t v{};
      if (!Check(*t, ParseUnsigned(t->text, 100000000, "a queue limit in packets"), &v)) {
        return false;
      }
      p->limit_packets = v;
    } else {
      uint64_t v{};
      if (!Check(*t, ParseSize(t->text), &v)) return false;
      p->limit_bytes = v;
    }
    return true;
  }
  if (k == "mtu") {
    const Token* t = nullptr;
    if (!Word("an MTU in bytes", &t)) return false;
    auto v = ParseUnsigned(t->text, 65535, "an MTU in bytes");
    if (!v.ok()) return Fail(t->pos, v.status().message());
    if (*v < 68) return Fail(t->pos, absl::StrCat("expected an MTU of at least 68 bytes, got ", Quote(t->text)));
    p->mtu = static_cast<uint32_t>(*v);
    return true;
  }
  return Fail(key.pos, UnknownWord("impairment", k, kImpairments));
}

bool Parser::LinkStatement() {
  const Token& kw = Next();
  const Token *a, *b;
  if (!NameTok("a host or switch name", &a)) return false;
  if (!PeekWord("--")) {
    return Expected(Peek(), PeekWord("->") ? "\"--\" (a link joins both directions; use "
                                             "\"a -> b { ... }\" inside its block for one)"
                                           : "\"--\"");
  }
  Next();
  if (!NameTok("a host or switch name", &b)) return false;
  Link link;
  link.a = std::string(a->text);
  link.b = std::string(b->text);
  link.pos = kw.pos;
  if (link.a == link.b) return Fail(b->pos, "a link needs two different ends");
  refs_.push_back({Reference::What::kNode, link.a, "", a->pos});
  refs_.push_back({Reference::What::kNode, link.b, "", b->pos});
  if (Peek().kind == Kind::kLBrace) {
    // Statements apply in order; a later one overrides an earlier one.
    bool ok = Block([&]() {
      const Token& t = Peek();
      if (Contains(kImpairments, t.text)) {
        LinkParams one;
        if (!Impairment(&one)) return false;
        link.a_to_b.MergeFrom(one);
        link.b_to_a.MergeFrom(one);
        return true;
      }
      // A direction block: "x -> y {".
      if (i_ + 1 < toks_.size() && toks_[i_ + 1].kind == Kind::kWord &&
          toks_[i_ + 1].text == "->") {
        const Token& from = Next();
        Next();
        const Token* to = nullptr;
        if (!Word("a host or switch name", &to)) return false;
        LinkParams* dir = nullptr;
        if (from.text == link.a && to->text == link.b) {
          dir = &link.a_to_b;
        } else if (from.text == link.b && to->text == link.a) {
          dir = &link.b_to_a;
        } else {
          return Fail(from.pos, absl::StrCat("expected a direction of this link (", link.a,
                                             " -> ", link.b, " or ", link.b, " -> ", link.a,
                                             "), got ", Quote(absl::StrCat(from.text, " -> ", to->text))));
        }
        if (Peek().kind != Kind::kLBrace) return Expected(Peek(), "\"{\"");
        return Block([&]() {
          const Token& k = Peek();
          if (!Contains(kImpairments, k.text)) {
            return Fail(k.pos, UnknownWord("impairment", k.text, kImpairments));
          }
          LinkParams one;
          if (!Impairment(&one)) return false;
          dir->MergeFrom(one);
          return true;
        });
      }
      return Fail(t.pos, UnknownWord("impairment", t.text, kImpairments));
    });
    if (!ok) return false;
  }
  s_.links.push_back(std::move(link));
  return EndOfStatement();
}

bool Parser::AppStatement() {
  const Token& kw = Next();
  const Token *name, *host;
  if (!NameTok("an app name", &name)) return false;
  App app;
  app.name = std::string(name->text);
  app.pos = kw.pos;
  if (!Declare(app.name, name->pos, true)) return false;
  int kind{};
  if (!OneOf("app kind", kAppKinds, &kind)) return false;
  app.kind = static_cast<AppKind>(kind);
  if (!Keyword("on") || !NameTok("a host name", &host)) return false;
  app.host = std::string(host->text);
  refs_.push_back({Reference::What::kHost, app.host, "", host->pos});
  std::vector<absl::string_view> seen;
  count_pos_.reset();
  backlog_pos_.reset();
  local_port_pos_.reset();
  if (Peek().kind == Kind::kLBrace) {
    if (!Block([&]() { return AppKey(&app, &seen); })) return false;
  }
  // Checks that need the whole block.
  auto need = [&](absl::string_view what) {
    return Fail(kw.pos, absl::StrCat("app ", Quote(app.name), " (", Name(app.kind), ") needs ",
                                     what));
  };
  if (!app.listen && !app.connect) return need("\"listen PORT\" or \"connect HOST:PORT\"");
  bool server_only = app.kind == AppKind::kEcho || app.kind == AppKind::kHttpServer;
  if (server_only && !app.listen) return need("\"listen PORT\"");
  if (app.kind == AppKind::kHttpGet && !app.connect) return need("\"connect HOST:PORT\"");
  if ((app.kind == AppKind::kBulk || app.kind == AppKind::kHttpGet) && !app.bytes) {
    return need("\"bytes SIZE\"");
  }
  if (count_pos_ && !app.connect) {
    return Fail(*count_pos_, "\"count\" applies to connecting apps only");
  }
  if (backlog_pos_ && !app.listen) {
    return Fail(*backlog_pos_, "\"backlog\" applies to listening apps only");
  }
  if (local_port_pos_ && (!app.connect || app.count != 1)) {
    return Fail(*local_port_pos_,
                "\"local_port\" applies to connecting apps with a single instance only");
  }
  s_.apps.push_back(std::move(app));
  return EndOfStatement();
}

bool Parser::AppKey(App* app, std::vector<absl::string_view>* seen) {
  const Token& key = Peek();
  if (!Contains(kAppKeys, key.text)) {
    return Fail(key.pos, UnknownWord("app key", key.text, kAppKeys));
  }
  if (key.text != "read_pause" && !FirstTime(seen, key)) return false;
  Next();
  absl::string_view k = key.text;
  auto not_for = [&]() {
    return Fail(key.pos, absl::StrCat(Quote(k), " does not apply to a ", Name(app->kind),
                                      " app"));
  };
  auto size = [&](std::optional<uint64_t>* out) {
    uint64_t v{};
    if (!Size(&v)) return false;
    *out = v;
    return true;
  };
  if (k == "listen" || k == "connect") {
    if (app->listen || app->connect) {
      return Fail(key.pos, "an app either listens or connects, not both");
    }
  }
  if (k == "listen") {
    if (app->kind == AppKind::kHttpGet) return not_for();
    uint16_t port{};
    if (!Port(&port)) return false;
    app->listen = port;
    return true;
  }
  if (k == "connect") {
    if (app->kind == AppKind::kEcho || app->kind == AppKind::kHttpServer) return not_for();
    const Token* t = nullptr;
    if (!Word("HOST:PORT", &t)) return false;
    size_t colon = t->text.rfind(':');
    if (colon == absl::string_view::npos || !IsName(t->text.substr(0, colon))) {
      return Expected(*t, "HOST:PORT like server:80");
    }
    auto port = ParseUnsigned(t->text.substr(colon + 1), 65535, "a port number");
    if (!port.ok()) return Fail(Offset(t->pos, colon + 1), port.status().message());
    app->connect = Endpoint{std::string(t->text.substr(0, colon)),
                            static_cast<uint16_t>(*port)};
    refs_.push_back({Reference::What::kConnectTarget, app->connect->host, "", t->pos});
    return true;
  }
  if (k == "local_port") {
    local_port_pos_ = key.pos;
    uint16_t port{};
    if (!Port(&port)) return false;
    app->local_port = port;
    return true;
  }
  if (k == "backlog") {
    backlog_pos_ = key.pos;
    return OptU32("a backlog (an integer)", 65535, &app->backlog);
  }
  if (k == "bytes") {
    if (app->kind != AppKind::kBulk && app->kind != AppKind::kHttpGet) return not_for();
    return size(&app->bytes);
  }
  if (k == "requests") {
    if (app->kind != AppKind::kHttpGet) return not_for();
    return OptU32("a request count", 1000000, &app->requests);
  }
  if (k == "count") {
    count_pos_ = key.pos;
    const Token* t = nullptr;
    if (!Word("an instance count", &t)) return false;
    auto v = ParseUnsigned(t->text, kMaxAppCount, "an instance count");
    if (!v.ok()) return Fail(t->pos, v.status().message());
    if (*v == 0) return Fail(t->pos, "expected an instance count of at least 1, got \"0\"");
    app->count = static_cast<uint32_t>(*v);
    return true;
  }
  if (k == "start") {
    absl::Duration d;
    if (!Duration(&d)) return false;
    app->start = d;
    return true;
  }
  if (k == "read_rate") {
    uint64_t r{};
    if (!Rate(&r)) return false;
    if (r == 0) return Fail(key.pos, "read_rate must be above 0 (use never_read)");
    app->read_rate_bps = r;
    return true;
  }
  if (k == "read_pause") {
    ReadPause p;
    if (!Duration(&p.at) || !Keyword("for") || !Duration(&p.length)) return false;
    app->read_pauses.push_back(p);
    return true;
  }
  if (k == "never_read") {
    app->never_read = true;
    return true;
  }
  if (k == "close_after") return size(&app->close_after);
  if (k == "abort_after") return size(&app->abort_after);
  if (k == "write_size") return size(&app->write_size);
  return size(&app->read_size);  // "read_size", the last of kAppKeys
}

bool Parser::LinkRefAt(LinkRef* ref) {
  const Token *a, *b;
  if (!NameTok("a host or switch name", &a)) return false;
  if (!PeekWord("--") && !PeekWord("->")) {
    return Expected(Peek(), "\"--\" (both directions) or \"->\" (one direction)");
  }
  ref->both_directions = Next().text == "--";
  if (!NameTok("a host or switch name", &b)) return false;
  ref->from = std::string(a->text);
  ref->to = std::string(b->text);
  refs_.push_back({Reference::What::kLink, ref->from, ref->to, a->pos});
  return true;
}

bool Parser::EventStatement(bool when) {
  const Token& kw = Next();
  Event e;
  e.pos = kw.pos;
  if (!when) {
    absl::Duration d;
    if (!Duration(&d)) return false;
    e.trigger = d;
  } else {
    ProgressTrigger w;
    const Token* t = nullptr;
    absl::string_view field;
    SourcePos field_pos;
    if (!Dotted("APP.sent or APP.received", &t, &w.app, &field, &field_pos)) return false;
    static constexpr absl::string_view kProgress[] = {"sent", "received"};
    int m = IndexOf(field, kProgress);
    if (m < 0) return Fail(field_pos, UnknownWord("progress metric", field, kProgress));
    w.metric = static_cast<ProgressMetric>(m);
    refs_.push_back({Reference::What::kApp, w.app, "", t->pos});
    if (!Op(&w.op) || !Size(&w.bytes)) return false;
    e.trigger = w;
  }
  if (!Colon()) return false;
  const Token* what = nullptr;
  if (!Word("an action (link or app)", &what)) return false;
  if (what->text == "link") {
    LinkRef ref;
    if (!LinkRefAt(&ref)) return false;
    if (PeekWord("down") || PeekWord("up")) {
      e.action = LinkStateAction{ref, Next().text == "up"};
    } else if (Peek().kind == Kind::kLBrace) {
      LinkChangeAction change{ref, {}};
      bool ok = Block([&]() {
        const Token& k = Peek();
        if (!Contains(kImpairments, k.text)) {
          return Fail(k.pos, UnknownWord("impairment", k.text, kImpairments));
        }
        LinkParams one;
        if (!Impairment(&one)) return false;
        change.params.MergeFrom(one);
        return true;
      });
      if (!ok) return false;
      e.action = std::move(change);
    } else {
      return Expected(Peek(), "\"down\", \"up\" or \"{\" with impairments");
    }
  } else if (what->text == "app") {
    const Token* name = nullptr;
    if (!NameTok("an app name", &name)) return false;
    refs_.push_back({Reference::What::kApp, std::string(name->text), "", name->pos});
    int k{};
    if (!OneOf("app action", kAppActions, &k)) return false;
    e.action = AppAction{std::string(name->text), static_cast<AppActionKind>(k)};
  } else {
    static constexpr absl::string_view kActions[] = {"link", "app"};
    return Fail(what->pos, UnknownWord("action", what->text, kActions));
  }
  s_.events.push_back(std::move(e));
  return EndOfStatement();
}

bool Parser::ExpectStatement() {
  const Token& kw = Next();
  Expectation x;
  x.pos = kw.pos;
  const Token* t = nullptr;
  absl::string_view field;
  SourcePos field_pos;
  if (!Dotted("APP.METRIC like client.state", &t, &x.app, &field, &field_pos)) return false;
  refs_.push_back({Reference::What::kApp, x.app, "", t->pos});
  int m = IndexOf(field, kMetrics);
  if (m < 0) return Fail(field_pos, UnknownWord("metric", field, kMetrics));
  x.metric = static_cast<Metric>(m);
  bool bare_ok = x.metric == Metric::kIntact || x.metric == Metric::kCompleted;
  if (AtStatementEnd() || PeekWord("at")) {
    if (!bare_ok) {
      return Expected(Peek(), absl::StrCat("a comparison after ", Name(x.metric)));
    }
    x.value = true;
  } else {
    CompareOp op{};
    if (!Op(&op)) return false;
    x.op = op;
    bool equality_only = x.metric == Metric::kState || x.metric == Metric::kError ||
                         x.metric == Metric::kIntact;
    if (equality_only && op != CompareOp::kEq && op != CompareOp::kNe) {
      return Fail(toks_[i_ - 1].pos,
                  absl::StrCat(Name(x.metric), " can only be compared with == or !="));
    }
    switch (x.metric) {
      case Metric::kState: {
        int i{};
        if (!OneOf("TCP state", kStates, &i)) return false;
        x.value = static_cast<TcpState>(i);
        break;
      }
      case Metric::kError: {
        int i{};
        if (!OneOf("error kind", kErrors, &i)) return false;
        x.value = static_cast<ErrorKind>(i);
        break;
      }
      case Metric::kSent:
      case Metric::kReceived:
      case Metric::kCwnd:
      case Metric::kSsthresh: {
        uint64_t v{};
        if (!Size(&v)) return false;
        x.value = v;
        break;
      }
      case Metric::kIntact: {
        if (!PeekWord("true") && !PeekWord("false")) return Expected(Peek(), "true or false");
        x.value = Next().text == "true";
        break;
      }
      case Metric::kCompleted:
      case Metric::kSrtt: {
        absl::Duration d;
        if (!Duration(&d)) return false;
        x.value = d;
        break;
      }
      default: {
        uint64_t v{};
        if (!Unsigned("a count (an integer)", UINT64_MAX, &v)) return false;
        x.value = v;
        break;
      }
    }
  }
  if (PeekWord("at")) {
    Next();
    absl::Duration d;
    if (!Duration(&d)) return false;
    x.at = d;
  }
  s_.expectations.push_back(std::move(x));
  return EndOfStatement();
}

bool Parser::Validate() {
  // Links: at most one per pair of nodes (either orientation). Lookups only.
  absl::flat_hash_map<std::pair<std::string, std::string>, SourcePos> pairs;
  for (const Link& l : s_.links) {
    auto key = l.a < l.b ? std::make_pair(l.a, l.b) : std::make_pair(l.b, l.a);
    auto [it, inserted] = pairs.emplace(key, l.pos);
    if (!inserted) {
      return Fail(l.pos, absl::StrCat("duplicate link between ", l.a, " and ", l.b,
                                      " (first at ", PosString(it->second), ")"));
    }
  }
  absl::flat_hash_map<std::string, uint32_t> counts;  // lookups only
  for (const Host& h : s_.hosts) counts[h.name] = h.count;
  auto count_of = [&](const std::string& name) {
    auto it = counts.find(name);
    return it == counts.end() ? uint32_t{1} : it->second;
  };
  for (const Link& l : s_.links) {
    if (count_of(l.a) > 1 && count_of(l.b) > 1) {
      return Fail(l.pos, absl::StrCat("a link may join at most one counted host (", l.a,
                                      " and ", l.b, " both have a count)"));
    }
  }
  for (const Reference& r : refs_) {
    switch (r.what) {
      case Reference::What::kNode:
        if (!nodes_.contains(r.name)) {
          return Fail(r.pos, absl::StrCat("no host or switch named ", Quote(r.name)));
        }
        break;
      case Reference::What::kHost:
      case Reference::What::kConnectTarget: {
        auto it = host_names_.find(r.name);
        if (it == host_names_.end()) {
          return Fail(r.pos, absl::StrCat("no host named ", Quote(r.name)));
        }
        if (!it->second) {
          return Fail(r.pos, absl::StrCat(Quote(r.name), " is a switch, not a host"));
        }
        if (r.what == Reference::What::kConnectTarget && count_of(r.name) > 1) {
          return Fail(r.pos, absl::StrCat("cannot connect to ", Quote(r.name),
                                          ": it stands for ", count_of(r.name), " hosts"));
        }
        break;
      }
      case Reference::What::kApp:
        if (!apps_.contains(r.name)) {
          return Fail(r.pos, absl::StrCat("no app named ", Quote(r.name)));
        }
        break;
      case Reference::What::kLink: {
        auto key = r.name < r.other ? std::make_pair(r.name, r.other)
                                    : std::make_pair(r.other, r.name);
        if (!pairs.contains(key)) {
          return Fail(r.pos, absl::StrCat("no link between ", Quote(r.name), " and ",
                                          Quote(r.other)));
        }
        break;
      }
    }
  }
  // Host addresses (ranges, for counted hosts) must not overlap.
  struct Range {
    uint64_t first, last;
    const Host* host;
  };
  std::vector<Range> ranges;
  for (const Host& h : s_.hosts) {
    if (!h.address) continue;
    uint64_t first = h.address->value();
    uint64_t last = first + h.count - 1;
    if (last > UINT32_MAX) {
      return Fail(h.pos, absl::StrCat("host ", Quote(h.name), ": ", h.count,
                                      " addresses from ", h.address->ToString(),
                                      " run past 255.255.255.255"));
    }
    ranges.push_back({first, last, &h});
  }
  std::sort(ranges.begin(), ranges.end(), [](const Range& x, const Range& y) {
    return x.first != y.first ? x.first < y.first : x.host->pos.line < y.host->pos.line;
  });
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first <= ranges[i - 1].last) {
      const Host* a = ranges[i - 1].host;
      const Host* b = ranges[i].host;
      if (b->pos.line < a->pos.line) std::swap(a, b);
      return Fail(b->pos, absl::StrCat("host ", Quote(b->name), " has an address of host ",
                                       Quote(a->name), " (declared at ", PosString(a->pos),
                                       ")"));
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<Scenario> ParseScenario(absl::string_view text, absl::string_view file) {
  Parser p(Tokenize(text), file);
  return p.ParseFile();
}

absl::Status ParseStackKey(absl::Span<const Token> tokens, absl::string_view file,
                           StackConfig* config) {
  std::vector<Token> toks(tokens.begin(), tokens.end());
  SourcePos end{1, 1};
  if (!toks.empty()) {
    end = Offset(toks.back().pos, toks.back().text.size());
  }
  toks.push_back({Kind::kEof, absl::string_view(), end});
  Parser p(std::move(toks), file);
  return p.ParseOneStackKey(config);
}

}  // namespace tcplab::scenario
