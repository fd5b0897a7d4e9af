#ifndef TCPLAB_TOOLS_PLOT_TIME_SEQUENCE_H_
#define TCPLAB_TOOLS_PLOT_TIME_SEQUENCE_H_

// The time-sequence graph of one connection as an SVG document, in the
// style of tcptrace and Wireshark's Stevens graph, and, when the input is a
// simulation, panels below it sharing its time axis: cwnd / ssthresh,
// RTT samples / SRTT / RTO, bytes in flight.
//
// The document is plain XML with one element per mark, each named by its
// class, so that tests (and people) can count them:
//   class="seg"     a data segment sent for the first time (a vertical bar
//                   over its sequence range, at its send time)
//   class="rexmit"  a data segment starting below the highest byte sent
//   class="probe"   one byte sent again into a zero window
//   class="drop"    a packet of the connection the network dropped (an x;
//                   data-dir="data" or "ack", data-reason= the reason)
//   class="sack"    one SACK block of an ACK
//   class="ack"     the ACK line (a step polyline), class="win" the
//                   receive-window line (ack + window, scaled)
//   class="axis"    an axis group, with data-min / data-max: its range
// Panels: class="panel" groups holding class="cwnd", "ssthresh", "srtt",
// "rto", "inflight" polylines and class="rtt" dots.
//
// Times are those of the input: a pcap's capture times; in a simulation,
// each packet when its host sent it (the ACK line is the receiver's, as a
// capture at the receiver would show it; drops when the network dropped).
// Zoom: a mark is drawn when its time is inside the time window and its
// sequence range overlaps the sequence window (a drop: its point inside).
//
// Deterministic: the same connection and options give the same bytes.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "tools/plot/connection.h"
#include "tools/plot/plot_input.h"

namespace tcplab::plot {

struct PlotOptions {
  // Zoom: only marks inside the window are drawn and the axes span exactly
  // it. Seconds on the graph's time axis; bytes relative to the ISN.
  std::optional<std::pair<double, double>> time;
  std::optional<std::pair<double, double>> seq;
  // Prefix of the document's element ids (clip paths), so that several
  // graphs inlined in one HTML page do not share ids.
  std::string id_prefix;
};

// "A..B" in seconds ("1.5..3"); errors say what was expected.
absl::StatusOr<std::pair<double, double>> ParseTimeRange(const std::string& text);
// "A..B" in bytes with optional K / M / KB / MB (decimal) or KiB / MiB.
absl::StatusOr<std::pair<double, double>> ParseSeqRange(const std::string& text);

std::string RenderTimeSequenceSvg(const PlotInput& input, const Connection& conn,
                                  const PlotOptions& options);

}  // namespace tcplab::plot

#endif  // TCPLAB_TOOLS_PLOT_TIME_SEQUENCE_H_
