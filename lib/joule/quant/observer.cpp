#include "joule/quant/observer.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "joule/core/check.h"
#include "kernels/cpu/quant.h"

namespace joule::quant {

namespace {

// The finite min and max of x; false when it holds no finite value.
bool batch_range(const Tensor& x, float& lo, float& hi) {
  JOULE_CHECK(x.dtype() == DType::Float32, "observer: expects float32, got ",
              dtype_name(x.dtype()));
  Tensor xc = x.to(Device::cpu()).contiguous();
  kernels::cpu::min_max_f32(&lo, &hi, xc.data<float>(), xc.numel());
  if (lo != 0.f || hi != 0.f) return true;
  const float* p = xc.data<float>();
  for (int64_t i = 0; i < xc.numel(); ++i)  // all zeros, or nothing finite?
    if (std::isfinite(p[i])) return true;
  return false;
}

void check_seen(bool seen, const std::string& name) {
  JOULE_CHECK(seen, name, ": no finite value observed yet: run calibration batches (or training ",
              "steps) through the model before converting it");
}

}  // namespace

// ---- MinMax ----------------------------------------------------------------------------------

void MinMaxObserver::observe(const Tensor& x) {
  float lo, hi;
  if (!batch_range(x, lo, hi)) return;
  lo_ = seen_ ? std::min(lo_, lo) : lo;
  hi_ = seen_ ? std::max(hi_, hi) : hi;
  seen_ = true;
}

QParams MinMaxObserver::qparams() const {
  check_seen(seen_, name());
  return choose_qparams(lo_, hi_);
}

// ---- MovingAverageMinMax ---------------------------------------------------------------------

MovingAverageMinMaxObserver::MovingAverageMinMaxObserver(float averaging_constant)
    : c_(averaging_constant) {
  JOULE_CHECK(c_ > 0 && c_ <= 1, "MovingAverageMinMaxObserver: the averaging constant lies in ",
              "(0, 1], got ", c_);
}

void MovingAverageMinMaxObserver::observe(const Tensor& x) {
  float lo, hi;
  if (!batch_range(x, lo, hi)) return;
  lo_ = seen_ ? lo_ + c_ * (lo - lo_) : lo;
  hi_ = seen_ ? hi_ + c_ * (hi - hi_) : hi;
  seen_ = true;
}

QParams MovingAverageMinMaxObserver::qparams() const {
  check_seen(seen_, name());
  return choose_qparams(lo_, hi_);
}

// ---- Histogram -------------------------------------------------------------------------------

HistogramObserver::HistogramObserver(int64_t bins) : bins_(bins) {
  JOULE_CHECK(bins >= 16, "HistogramObserver: needs at least 16 bins, got ", bins);
}

// Widens the histogram to [lo, hi]: the old bins' counts move to the new bins holding their
// centres.
void HistogramObserver::grow(float lo, float hi) {
  if (hi - lo <= 0.f) hi = lo + 1e-6f * std::max(1.f, std::abs(lo));
  std::vector<double> fresh(static_cast<size_t>(bins_), 0.0);
  if (!counts_.empty()) {
    const double old_w = (static_cast<double>(hi_) - lo_) / bins_;
    const double new_w = (static_cast<double>(hi) - lo) / bins_;
    for (int64_t i = 0; i < bins_; ++i) {
      const double centre = lo_ + (i + 0.5) * old_w;
      const int64_t j = std::clamp<int64_t>(static_cast<int64_t>((centre - lo) / new_w), 0,
                                            bins_ - 1);
      fresh[static_cast<size_t>(j)] += counts_[static_cast<size_t>(i)];
    }
  }
  counts_ = std::move(fresh);
  lo_ = lo;
  hi_ = hi;
}

void HistogramObserver::observe(const Tensor& x) {
  float lo, hi;
  if (!batch_range(x, lo, hi)) return;
  if (!seen_)
    grow(lo, hi);
  else if (lo < lo_ || hi > hi_)
    grow(std::min(lo, lo_), std::max(hi, hi_));
  seen_ = true;
  Tensor xc = x.to(Device::cpu()).contiguous();
  const float* p = xc.data<float>();
  const double scale = bins_ / (static_cast<double>(hi_) - lo_);
  for (int64_t i = 0; i < xc.numel(); ++i) {
    if (!std::isfinite(p[i])) continue;
    const int64_t b = std::clamp<int64_t>(static_cast<int64_t>((p[i] - lo_) * scale), 0,
                                          bins_ - 1);
    counts_[static_cast<size_t>(b)] += 1.0;
  }
}

double HistogramObserver::expected_error(float lo, float hi) const {
  const double w = (static_cast<double>(hi_) - lo_) / bins_;
  const double step = (std::max<double>(hi, 0.0) - std::min<double>(lo, 0.0)) / 255.0;
  double err = 0, total = 0;
  for (int64_t i = 0; i < bins_; ++i) {
    const double c = counts_[static_cast<size_t>(i)], x = lo_ + (i + 0.5) * w;
    total += c;
    if (x < lo)
      err += c * (lo - x) * (lo - x);
    else if (x > hi)
      err += c * (x - hi) * (x - hi);
    else
      err += c * step * step / 12.0;
  }
  return total > 0 ? err / total : 0.0;
}

std::pair<float, float> HistogramObserver::chosen_range() const {
  check_seen(seen_, name());
  // Prefix sums of c, c x and c x^2 over the bin centres x make each candidate's error O(1):
  // the clipped bins left of `a` cost sum c (e - x)^2 = e^2 C - 2 e S1 + S2 with e the edge.
  const int64_t B = bins_;
  const double w = (static_cast<double>(hi_) - lo_) / B;
  std::vector<double> c0(static_cast<size_t>(B + 1), 0), c1(c0), c2(c0);
  for (int64_t i = 0; i < B; ++i) {
    const double c = counts_[static_cast<size_t>(i)], x = lo_ + (i + 0.5) * w;
    const size_t k = static_cast<size_t>(i);
    c0[k + 1] = c0[k] + c;
    c1[k + 1] = c1[k] + c * x;
    c2[k + 1] = c2[k] + c * x * x;
  }
  const auto clipped = [&](int64_t from, int64_t to, double e) {  // bins [from, to) to edge e
    const size_t f = static_cast<size_t>(from), t = static_cast<size_t>(to);
    return e * e * (c0[t] - c0[f]) - 2 * e * (c1[t] - c1[f]) + (c2[t] - c2[f]);
  };
  double best = std::numeric_limits<double>::infinity();
  int64_t best_a = 0, best_b = B - 1;
  for (int64_t a = 0; a < B; ++a)
    for (int64_t b = a; b < B; ++b) {
      const double lo = lo_ + a * w, hi = lo_ + (b + 1) * w;
      const double step = (std::max(hi, 0.0) - std::min(lo, 0.0)) / 255.0;
      const double inside = c0[static_cast<size_t>(b + 1)] - c0[static_cast<size_t>(a)];
      const double err = clipped(0, a, lo) + clipped(b + 1, B, hi) + inside * step * step / 12.0;
      if (err < best) {
        best = err;
        best_a = a;
        best_b = b;
      }
    }
  float lo = static_cast<float>(lo_ + best_a * w), hi = static_cast<float>(lo_ + (best_b + 1) * w);
  if (best_a == 0) lo = lo_;  // the full range's own ends, not their float re-derivations
  if (best_b == B - 1) hi = hi_;
  return {lo, hi};
}

QParams HistogramObserver::qparams() const {
  const auto [lo, hi] = chosen_range();
  return choose_qparams(lo, hi);
}

// ---- factory ---------------------------------------------------------------------------------

std::unique_ptr<Observer> make_observer(ObserverKind kind) {
  switch (kind) {
    case ObserverKind::MinMax: return std::make_unique<MinMaxObserver>();
    case ObserverKind::MovingAverage: return std::make_unique<MovingAverageMinMaxObserver>();
    case ObserverKind::Histogram: return std::make_unique<HistogramObserver>();
  }
  return std::make_unique<MinMaxObserver>();
}

ObserverKind observer_kind(const std::string& name) {
  if (name == "minmax") return ObserverKind::MinMax;
  if (name == "moving_average") return ObserverKind::MovingAverage;
  if (name == "histogram") return ObserverKind::Histogram;
  JOULE_CHECK(false, "observer_kind: unknown observer '", name,
              "'; known: minmax, moving_average, histogram");
  return ObserverKind::MinMax;
}

}  // namespace joule::quant
