#include "scenarios/lang/packet_script.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tcp/wire/packet.h"

namespace tcplab::scenario {
namespace {

std::string TimePointString(const TimePoint& t) {
  return absl::StrCat(t.relative ? "+" : "", SecondsToString(t.value));
}

std::string ArgString(const SyscallArg& a) {
  switch (a.kind) {
    case SyscallArg::Kind::kInt: return absl::StrCat(a.value);
    case SyscallArg::Kind::kName: return a.text;
    case SyscallArg::Kind::kEllipsis: return "...";
    case SyscallArg::Kind::kString: return absl::StrCat("\"", a.text, "\"");
    case SyscallArg::Kind::kList:
    case SyscallArg::Kind::kStruct: {
      bool list = a.kind == SyscallArg::Kind::kList;
      std::string o = list ? "[" : "{";
      for (size_t i = 0; i < a.elements.size(); ++i) {
        if (i > 0) o += ", ";
        if (!list) absl::StrAppend(&o, a.elements[i].field, "=");
        o += ArgString(a.elements[i]);
      }
      o += list ? "]" : "}";
      return o;
    }
  }
  return "?";
}

}  // namespace

std::string SecondsToString(absl::Duration d) {
  int64_t ns = absl::ToInt64Nanoseconds(d);
  std::string o = absl::StrCat(ns / 1'000'000'000);
  int64_t frac = ns % 1'000'000'000;
  if (frac != 0) {
    std::string digits = absl::StrCat(frac + 1'000'000'000).substr(1);
    while (digits.back() == '0') digits.pop_back();
    absl::StrAppend(&o, ".", digits);
  }
  return o;
}

std::string FlagsToString(uint8_t f) {
  std::string o;
  if (f & wire::flags::kFin) o += 'F';
  if (f & wire::flags::kSyn) o += 'S';
  if (f & wire::flags::kRst) o += 'R';
  if (f & wire::flags::kPsh) o += 'P';
  if (f & wire::flags::kAck) o += '.';
  if (f & wire::flags::kUrg) o += 'U';
  if (f & wire::flags::kEce) o += 'E';
  if (f & wire::flags::kCwr) o += 'W';
  return o;
}

std::string OptionsToString(const wire::TcpOptions& opt) {
  std::string o = "<";
  for (int i = 0; i < opt.layout_size; ++i) {
    if (i > 0) o += ",";
    switch (static_cast<wire::OptionKind>(opt.layout[i])) {
      case wire::OptionKind::kEol: o += "eol"; break;
      case wire::OptionKind::kNop: o += "nop"; break;
      case wire::OptionKind::kMss: absl::StrAppend(&o, "mss ", opt.mss.value_or(0)); break;
      case wire::OptionKind::kWindowScale:
        absl::StrAppend(&o, "wscale ", opt.window_scale.value_or(0));
        break;
      case wire::OptionKind::kSackPermitted: o += "sackOK"; break;
      case wire::OptionKind::kSack:
        o += "sack";
        for (int b = 0; b < opt.sack_count; ++b) {
          absl::StrAppend(&o, " ", opt.sack_blocks[b].left.raw(), ":",
                          opt.sack_blocks[b].right.raw());
        }
        break;
      case wire::OptionKind::kTimestamps: {
        wire::Timestamps ts = opt.timestamps.value_or(wire::Timestamps{});
        absl::StrAppend(&o, "TS val ", ts.val, " ecr ", ts.ecr);
        break;
      }
      default:
        absl::StrAppend(&o, "kind", opt.layout[i]);  // never produced by the parser
    }
  }
  o += ">";
  return o;
}

std::string ToString(const PacketStep& step) {
  std::string o;
  if (step.time.any) {
    o.push_back('*');  // (o = "*" trips a GCC 12 -Wrestrict false positive at -O2)
  } else {
    o = TimePointString(step.time.start);
    if (step.time.end) absl::StrAppend(&o, "...", TimePointString(*step.time.end));
  }
  if (const auto* p = std::get_if<PacketSpec>(&step.event)) {
    absl::StrAppend(&o, p->direction == PacketDirection::kInbound ? " < " : " > ",
                    FlagsToString(p->flags));
    if (p->seq) absl::StrAppend(&o, " ", p->seq->start, ":", p->seq->end, "(", p->seq->length, ")");
    if (p->ack) absl::StrAppend(&o, " ack ", *p->ack);
    if (p->window) absl::StrAppend(&o, " win ", *p->window);
    if (p->any_options) {
      o += " <...>";
    } else if (p->options) {
      absl::StrAppend(&o, " ", OptionsToString(*p->options));
    }
    return o;
  }
  const auto& c = std::get<Syscall>(step.event);
  absl::StrAppend(&o, " ", c.name, "(");
  for (size_t i = 0; i < c.args.size(); ++i) {
    if (i > 0) o += ", ";
    o += ArgString(c.args[i]);
  }
  absl::StrAppend(&o, ") = ", c.result);
  if (c.error) {
    absl::StrAppend(&o, " ", *c.error);
    if (!c.error_text.empty()) absl::StrAppend(&o, " (", c.error_text, ")");
  }
  return o;
}

std::string ToString(const PacketScript& s) {
  std::string o;
  absl::StrAppend(&o, "--tolerance_usecs=", absl::ToInt64Microseconds(s.tolerance), "\n");
  absl::StrAppend(&o, "--local_ip=", s.local_ip.ToString(), "\n");
  absl::StrAppend(&o, "--local_port=", s.local_port, "\n");
  absl::StrAppend(&o, "--remote_ip=", s.remote_ip.ToString(), "\n");
  if (s.remote_port) absl::StrAppend(&o, "--remote_port=", *s.remote_port, "\n");
  absl::StrAppend(&o, "--remote_isn=", s.remote_isn, "\n");
  for (absl::string_view line :
       absl::StrSplit(StackConfigToString(s.stack, ""), '\n', absl::SkipEmpty())) {
    // "key value..." -> "--key=value..."
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits(' ', 1));
    absl::StrAppend(&o, "--", kv.first, "=", kv.second, "\n");
  }
  for (const PacketStep& step : s.steps) absl::StrAppend(&o, ToString(step), "\n");
  return o;
}

}  // namespace tcplab::scenario
