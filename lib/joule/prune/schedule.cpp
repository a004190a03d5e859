#include "joule/prune/schedule.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "joule/core/check.h"

namespace joule::prune {

namespace {
// tfmot's checks: sparsities in [0, 1), begin_step >= 0, end_step >= begin_step (or -1 where
// allowed), frequency > 0.
void check_sparsity(double s, const char* schedule, const char* what) {
  JOULE_CHECK(std::isfinite(s) && s >= 0 && s < 1, schedule, ": ", what, " ", s,
              " is not in [0, 1)");
}
void check_steps(int64_t begin, int64_t end, int64_t frequency, bool end_may_be_open,
                 const char* schedule) {
  JOULE_CHECK(begin >= 0, schedule, ": begin_step ", begin, " is negative");
  JOULE_CHECK((end_may_be_open && end == -1) || end >= begin, schedule, ": end_step ", end,
              " is before begin_step ", begin, end_may_be_open ? " (-1: no end)" : "");
  JOULE_CHECK(frequency > 0, schedule, ": frequency ", frequency, " must be > 0");
}
bool in_turn(int64_t step, int64_t begin, int64_t end, int64_t frequency) {
  return step >= begin && (end == -1 || step <= end) && (step - begin) % frequency == 0;
}
}  // namespace

OneShot::OneShot(int64_t step, double sparsity) : step_(step), sparsity_(sparsity) {
  JOULE_CHECK(step >= 0, "OneShot: step ", step, " is negative");
  check_sparsity(sparsity, "OneShot", "sparsity");
}

std::string OneShot::str() const {
  std::ostringstream os;
  os << "OneShot(step=" << step_ << ", sparsity=" << sparsity_ << ")";
  return os.str();
}

Constant::Constant(const ConstantOptions& o) : o_(o) {
  check_sparsity(o.sparsity, "Constant", "sparsity");
  check_steps(o.begin_step, o.end_step, o.frequency, true, "Constant");
}

bool Constant::should_prune(int64_t step) const {
  return in_turn(step, o_.begin_step, o_.end_step, o_.frequency);
}

std::string Constant::str() const {
  std::ostringstream os;
  os << "Constant(sparsity=" << o_.sparsity << ", begin=" << o_.begin_step
     << ", end=" << o_.end_step << ", frequency=" << o_.frequency << ")";
  return os.str();
}

PolynomialDecay::PolynomialDecay(const PolynomialDecayOptions& o) : o_(o) {
  check_sparsity(o.initial_sparsity, "PolynomialDecay", "initial_sparsity");
  check_sparsity(o.final_sparsity, "PolynomialDecay", "final_sparsity");
  check_steps(o.begin_step, o.end_step, o.frequency, false, "PolynomialDecay");
  JOULE_CHECK(o.end_step > o.begin_step, "PolynomialDecay: end_step ", o.end_step,
              " must come after begin_step ", o.begin_step);
  JOULE_CHECK(std::isfinite(o.power) && o.power > 0, "PolynomialDecay: power ", o.power,
              " must be > 0");
}

PolynomialDecay PolynomialDecay::zhu_gupta(double s_i, double s_f, int64_t t0, int64_t n,
                                           int64_t dt) {
  JOULE_CHECK(n >= 1 && dt >= 1, "PolynomialDecay::zhu_gupta: n = ", n, " and dt = ", dt,
              " must both be >= 1");
  return PolynomialDecay({.initial_sparsity = s_i, .final_sparsity = s_f, .begin_step = t0,
                          .end_step = t0 + n * dt, .power = 3, .frequency = dt});
}

bool PolynomialDecay::should_prune(int64_t step) const {
  return in_turn(step, o_.begin_step, o_.end_step, o_.frequency);
}

double PolynomialDecay::sparsity(int64_t step) const {
  const double p = std::clamp(static_cast<double>(step - o_.begin_step) /
                                  static_cast<double>(o_.end_step - o_.begin_step),
                              0.0, 1.0);
  return o_.final_sparsity +
         (o_.initial_sparsity - o_.final_sparsity) * std::pow(1.0 - p, o_.power);
}

std::string PolynomialDecay::str() const {
  std::ostringstream os;
  os << "PolynomialDecay(initial=" << o_.initial_sparsity << ", final=" << o_.final_sparsity
     << ", begin=" << o_.begin_step << ", end=" << o_.end_step << ", power=" << o_.power
     << ", frequency=" << o_.frequency << ")";
  return os.str();
}

}  // namespace joule::prune
