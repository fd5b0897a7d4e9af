#ifndef TCPLAB_NETSIM_LINK_PARAMS_H_
#define TCPLAB_NETSIM_LINK_PARAMS_H_

// The impairments of one direction of a link, in Linux netem's vocabulary.
//
// Probabilities are fractions in [0, 1] (netem's "loss 1%" is loss = 0.01).
// The order in which a packet meets them is documented on LinkDirection
// (netsim/link.h).

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "netsim/distributions.h"

namespace tcplab::netsim {

// Gilbert-Elliott loss (netem "loss gemodel p r 1-h 1-k"): a two-state
// Markov chain, evaluated once per packet. In the Good state a packet is
// lost with probability 1-k, in the Bad state with probability 1-h. After
// the loss decision the chain moves Good->Bad with probability p and
// Bad->Good with probability r, so with 1-h = 1 and 1-k = 0 loss bursts
// are geometric with mean length 1/r. The chain starts in Good.
struct GilbertElliott {
  double p = 0;
  double r = 1;  // netem's default when r is omitted is 1 - p: set it
                 // explicitly when translating netem syntax
  double one_minus_h = 1;  // loss probability in Bad
  double one_minus_k = 0;  // loss probability in Good
};

struct LinkParams {
  // Propagation delay, added to every packet after serialization.
  absl::Duration delay = absl::ZeroDuration();
  // Delay variation: delay + jitter * sample, where the sample comes from
  // `jitter_distribution` (see SampleStandard: for kUniform jitter is the
  // half-width, for the others the standard deviation). Negative totals are
  // clamped to 0. Jitter may reorder packets, as with netem.
  absl::Duration jitter = absl::ZeroDuration();
  Distribution jitter_distribution = Distribution::kUniform;
  // Lag-1 correlation of successive jitter samples in [0, 1):
  // z_n = c z_{n-1} + sqrt(1 - c^2) x_n, which (unlike netem's formula)
  // keeps the mean and standard deviation of the distribution.
  double jitter_correlation = 0;

  // Random loss probability, used when `gemodel` is not set.
  double loss = 0;
  // netem's correlation for loss, duplicate, reorder and corrupt: the
  // uniform number compared against the probability is
  // u_n = (1 - c) x_n + c u_{n-1}. As in netem this changes the effective
  // rate as well as the burstiness; use gemodel for controlled bursts.
  double loss_correlation = 0;
  std::optional<GilbertElliott> gemodel;

  double duplicate = 0;
  double duplicate_correlation = 0;

  // netem's reorder: once at least `reorder_gap` - 1 packets have been
  // delayed normally since the last reordered one, a packet is sent with
  // probability `reorder` without the propagation delay and jitter
  // (so it overtakes the packets in flight). Needs delay to have effect.
  double reorder = 0;
  double reorder_correlation = 0;
  int reorder_gap = 1;

  // Probability that one random bit of the packet is flipped.
  double corrupt = 0;
  double corrupt_correlation = 0;

  // Serialization rate in bits per second; 0 means infinitely fast (no
  // queue). A packet of n bytes occupies the link for
  // ceil(n * 8e9 / rate_bps) nanoseconds.
  int64_t rate_bps = 0;
  // Drop-tail bound on the packets waiting for the link (not counting the
  // one being serialized). Only meaningful with a rate. Unlike netem's
  // limit, which counts every packet in the qdisc including those being
  // delayed, this bounds only the transmit queue: the propagation delay
  // holds any number of packets, as a long fat pipe does.
  int limit_packets = 1000;
  // Optional bound in bytes on the same queue; 0 means none.
  int64_t limit_bytes = 0;

  // Packets longer than this (IP total length, bytes) are dropped; 0 means
  // no limit.
  int mtu = 1500;

  // OK, or InvalidArgument naming the first field out of range.
  absl::Status Validate() const;
  // netem-like one-line summary, e.g.
  // "delay 10ms jitter 1ms normal loss 0.01 rate 10000000bit limit 1000 mtu 1500".
  std::string ToString() const;
};

}  // namespace tcplab::netsim

#endif  // TCPLAB_NETSIM_LINK_PARAMS_H_
