#include "netsim/test_apps.h"

#include <algorithm>
#include <cstring>

#include "gtest/gtest.h"

namespace tcplab::netsim::testing {
namespace {

// Twice the period, so that any span of up to one period is contiguous.
const std::vector<uint8_t>& Stream() {
  static const std::vector<uint8_t>* const s = [] {
    auto* v = new std::vector<uint8_t>(2 * kStreamPeriod);
    for (size_t i = 0; i < kStreamPeriod; ++i) {
      (*v)[i] = static_cast<uint8_t>((i * 131 + i / 251 + 7) & 0xff);
    }
    std::memcpy(v->data() + kStreamPeriod, v->data(), kStreamPeriod);
    return v;
  }();
  return *s;
}

}  // namespace

absl::Span<const uint8_t> StreamAt(uint64_t offset, size_t max_len) {
  return absl::MakeConstSpan(Stream()).subspan(offset % kStreamPeriod,
                                               std::min(max_len, kStreamPeriod));
}

void BulkSender::Start(Instant now, StackHost& host) {
  auto id = host.stack().Connect(now, server_, port_);
  ASSERT_TRUE(id.ok()) << id.status();
  socket = *id;
  host.Kick(now);
}

void BulkSender::OnEvent(Instant now, StackHost& host, const tcp::Event& e) {
  if (e.socket != socket) return;
  switch (e.kind) {
    case tcp::EventKind::kConnected:
    case tcp::EventKind::kWritable:
      Pump(now, host);
      break;
    case tcp::EventKind::kReset:
    case tcp::EventKind::kTimedOut:
      failed = true;
      failed_at = now;
      error = host.stack().Error(socket);
      break;
    case tcp::EventKind::kClosed:
      closed = true;
      closed_at = now;
      break;
    default:
      break;
  }
}

void BulkSender::Pump(Instant now, StackHost& host) {
  while (written < total_) {
    const size_t n = static_cast<size_t>(
        std::min<uint64_t>(std::min(chunk_, kStreamPeriod), total_ - written));
    auto took = host.stack().Send(now, socket, StreamAt(written, n));
    ASSERT_TRUE(took.ok()) << took.status();
    written += *took;
    if (*took < n) return;  // buffer full: wait for kWritable
  }
  if (!shut) {
    shut = true;
    ASSERT_TRUE(host.stack().Shutdown(now, socket).ok());
  }
}

void CheckingSink::Listen(Instant now, StackHost& host) {
  auto id = host.stack().Listen(now, port_, 4);
  ASSERT_TRUE(id.ok()) << id.status();
  listener_ = *id;
}

void CheckingSink::OnEvent(Instant now, StackHost& host, const tcp::Event& e) {
  tcp::Stack& s = host.stack();
  if (e.socket == listener_ && e.kind == tcp::EventKind::kAcceptable) {
    auto id = s.Accept(now, listener_);
    if (id.ok()) socket = *id;
  }
  if (socket == tcp::kInvalidSocket || eof) return;
  while (true) {
    auto n = s.Receive(now, socket, absl::MakeSpan(buf_));
    if (!n.ok() || *n == 0) break;
    for (size_t at = 0; at < *n;) {
      const absl::Span<const uint8_t> want = StreamAt(received + at, *n - at);
      if (std::memcmp(buf_.data() + at, want.data(), want.size()) != 0) {
        for (size_t i = 0; i < want.size(); ++i) {
          if (buf_[at + i] == want[i]) continue;
          if (mismatches == 0) first_mismatch = received + at + i;
          ++mismatches;
        }
      }
      at += want.size();
    }
    received += *n;
    last_data_at = now;
  }
  if (s.GetReadiness(socket).eof) {
    eof = true;
    eof_at = now;
    auto info = s.Info(socket);
    if (info.ok()) info_at_eof = *info;
    close_status = s.Close(now, socket);
  }
}

std::optional<tcp::ConnectionInfo> CheckingSink::LiveInfo(StackHost& host) const {
  if (socket == tcp::kInvalidSocket || eof) return std::nullopt;
  auto info = host.stack().Info(socket);
  if (!info.ok()) return std::nullopt;
  return *info;
}

}  // namespace tcplab::netsim::testing
