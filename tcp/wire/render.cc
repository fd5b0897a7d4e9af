#include "tcp/wire/render.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tcp/wire/options_codec.h"

namespace tcplab::wire {

namespace {

uint32_t Relative(Seq s, bool relative, Seq isn) {
  return relative ? s.raw() - isn.raw() : s.raw();
}

}  // namespace

std::string RenderFlags(uint8_t flag_bits) {
  // tcpdump's order; "." is ACK.
  static constexpr struct {
    uint8_t bit;
    char letter;
  } kLetters[] = {{flags::kFin, 'F'}, {flags::kSyn, 'S'}, {flags::kRst, 'R'}, {flags::kPsh, 'P'},
                  {flags::kAck, '.'}, {flags::kUrg, 'U'}, {flags::kEce, 'E'}, {flags::kCwr, 'W'}};
  std::string s;
  for (const auto& l : kLetters) {
    if (flag_bits & l.bit) s.push_back(l.letter);
  }
  return s.empty() ? "none" : s;
}

std::string RenderOptionsList(const TcpOptions& options, const RenderOptions& render) {
  std::array<uint8_t, kMaxOptionBytes> kinds;
  const int n = internal::EffectiveLayout(options, &kinds);
  std::string s;
  auto item = [&s](absl::string_view text) { absl::StrAppend(&s, s.empty() ? "<" : ",", text); };
  for (int i = 0; i < n; ++i) {
    switch (static_cast<OptionKind>(kinds[i])) {
      case OptionKind::kEol:
        item("eol");
        break;
      case OptionKind::kNop:
        item("nop");
        break;
      case OptionKind::kMss:
        if (options.mss) item(absl::StrCat("mss ", *options.mss));
        break;
      case OptionKind::kWindowScale:
        if (options.window_scale) item(absl::StrCat("wscale ", *options.window_scale));
        break;
      case OptionKind::kSackPermitted:
        if (options.sack_permitted) item("sackOK");
        break;
      case OptionKind::kTimestamps:
        if (options.timestamps) {
          item(absl::StrFormat("TS val %u ecr %u", options.timestamps->val,
                               options.timestamps->ecr));
        }
        break;
      case OptionKind::kSack:
        if (options.sack_count > 0) {
          std::string sack = "sack";
          for (int b = 0; b < options.sack_count && b < kMaxSackBlocks; ++b) {
            absl::StrAppendFormat(
                &sack, " %u:%u",
                Relative(options.sack_blocks[b].left, render.relative, render.receiver_isn),
                Relative(options.sack_blocks[b].right, render.relative, render.receiver_isn));
          }
          item(sack);
        }
        break;
      default:
        item(absl::StrCat("opt-", kinds[i]));
        break;
    }
  }
  if (!s.empty()) s.push_back('>');
  return s;
}

std::string RenderPacket(const Packet& packet, const RenderOptions& options) {
  const TcpHeader& h = packet.tcp;
  std::string s;
  if (options.with_addresses) {
    absl::StrAppend(&s, packet.ip.src.ToString(), ":", h.src_port, " > ", packet.ip.dst.ToString(),
                    ":", h.dst_port, " ");
  }
  const uint32_t start = Relative(h.seq, options.relative, options.sender_isn);
  const uint32_t len = static_cast<uint32_t>(packet.payload.size());
  absl::StrAppendFormat(&s, "%s %u:%u(%u)", RenderFlags(h.flags), start, start + len, len);
  if (h.has(flags::kAck)) {
    absl::StrAppendFormat(&s, " ack %u", Relative(h.ack, options.relative, options.receiver_isn));
  }
  absl::StrAppend(&s, " win ", h.window);
  if (h.has(flags::kUrg)) absl::StrAppend(&s, " urg ", h.urgent);
  const std::string opts = RenderOptionsList(h.options, options);
  if (!opts.empty()) absl::StrAppend(&s, " ", opts);
  return s;
}

}  // namespace tcplab::wire
