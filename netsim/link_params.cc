#include "netsim/link_params.h"

#include "absl/strings/str_cat.h"

namespace tcplab::netsim {
namespace {

absl::Status CheckProbability(absl::string_view name, double v) {
  if (!(v >= 0.0 && v <= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " must be in [0, 1], got ", v));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status LinkParams::Validate() const {
  if (delay < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("delay must not be negative");
  }
  if (jitter < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("jitter must not be negative");
  }
  if (!(jitter_correlation >= 0.0 && jitter_correlation < 1.0)) {
    return absl::InvalidArgumentError("jitter_correlation must be in [0, 1)");
  }
  struct Named {
    absl::string_view name;
    double value;
  };
  const Named probabilities[] = {
      {"loss", loss},
      {"loss_correlation", loss_correlation},
      {"duplicate", duplicate},
      {"duplicate_correlation", duplicate_correlation},
      {"reorder", reorder},
      {"reorder_correlation", reorder_correlation},
      {"corrupt", corrupt},
      {"corrupt_correlation", corrupt_correlation},
  };
  for (const Named& p : probabilities) {
    if (absl::Status s = CheckProbability(p.name, p.value); !s.ok()) return s;
  }
  if (gemodel.has_value()) {
    const Named ge[] = {{"gemodel.p", gemodel->p},
                        {"gemodel.r", gemodel->r},
                        {"gemodel.one_minus_h", gemodel->one_minus_h},
                        {"gemodel.one_minus_k", gemodel->one_minus_k}};
    for (const Named& p : ge) {
      if (absl::Status s = CheckProbability(p.name, p.value); !s.ok()) return s;
    }
  }
  if (reorder_gap < 1) return absl::InvalidArgumentError("reorder_gap must be >= 1");
  if (rate_bps < 0) return absl::InvalidArgumentError("rate_bps must not be negative");
  if (limit_packets < 0) {
    return absl::InvalidArgumentError("limit_packets must not be negative");
  }
  if (limit_bytes < 0) return absl::InvalidArgumentError("limit_bytes must not be negative");
  if (mtu < 0) return absl::InvalidArgumentError("mtu must not be negative");
  return absl::OkStatus();
}

std::string LinkParams::ToString() const {
  std::string out = absl::StrCat("delay ", absl::FormatDuration(delay));
  if (jitter > absl::ZeroDuration()) {
    absl::StrAppend(&out, " jitter ", absl::FormatDuration(jitter), " ",
                    DistributionName(jitter_distribution));
    if (jitter_correlation > 0) absl::StrAppend(&out, " corr ", jitter_correlation);
  }
  if (gemodel.has_value()) {
    absl::StrAppend(&out, " loss gemodel ", gemodel->p, " ", gemodel->r, " ",
                    gemodel->one_minus_h, " ", gemodel->one_minus_k);
  } else if (loss > 0) {
    absl::StrAppend(&out, " loss ", loss);
  }
  if (duplicate > 0) absl::StrAppend(&out, " duplicate ", duplicate);
  if (reorder > 0) absl::StrAppend(&out, " reorder ", reorder, " gap ", reorder_gap);
  if (corrupt > 0) absl::StrAppend(&out, " corrupt ", corrupt);
  if (rate_bps > 0) absl::StrAppend(&out, " rate ", rate_bps, "bit");
  absl::StrAppend(&out, " limit ", limit_packets);
  if (limit_bytes > 0) absl::StrAppend(&out, " limit_bytes ", limit_bytes);
  if (mtu > 0) absl::StrAppend(&out, " mtu ", mtu);
  return out;
}

}  // namespace tcplab::netsim
