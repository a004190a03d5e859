#include "joule/optim/lr_scheduler.h"

#include <cmath>

namespace joule::optim {

StepLR::StepLR(int64_t step_size, double gamma) : step_size_(step_size), gamma_(gamma) {
  JOULE_CHECK(step_size > 0, "StepLR: step_size must be positive, got ", step_size);
}
double StepLR::lr_at(double base, int64_t t) const {
  return base * std::pow(gamma_, static_cast<double>(t / step_size_));
}

CosineAnnealingLR::CosineAnnealingLR(int64_t t_max, double eta_min) : t_max_(t_max), eta_min_(eta_min) {
  JOULE_CHECK(t_max > 0, "CosineAnnealingLR: T_max must be positive, got ", t_max);
}
double CosineAnnealingLR::lr_at(double base, int64_t t) const {
  if (t >= t_max_) return eta_min_;
  const double c = std::cos(M_PI * static_cast<double>(t) / static_cast<double>(t_max_));
  return eta_min_ + (base - eta_min_) * (1.0 + c) / 2.0;
}

LinearLR::LinearLR(double start_factor, double end_factor, int64_t total_iters)
    : start_(start_factor), end_(end_factor), total_(total_iters) {
  JOULE_CHECK(start_factor > 0 && start_factor <= 1, "LinearLR: start_factor must be in (0, 1], got ",
              start_factor);
  JOULE_CHECK(total_iters > 0, "LinearLR: total_iters must be positive, got ", total_iters);
}
double LinearLR::lr_at(double base, int64_t t) const {
  if (t >= total_) return base * end_;
  return base * (start_ + (end_ - start_) * static_cast<double>(t) / static_cast<double>(total_));
}

SequentialLR::SequentialLR(std::vector<std::shared_ptr<const Schedule>> schedules,
                           std::vector<int64_t> milestones)
    : schedules_(std::move(schedules)), milestones_(std::move(milestones)) {
  JOULE_CHECK(!schedules_.empty() && milestones_.size() + 1 == schedules_.size(),
              "SequentialLR: ", schedules_.size(), " schedules need ",
              schedules_.empty() ? 0 : schedules_.size() - 1, " milestones, got ",
              milestones_.size());
}
double SequentialLR::lr_at(double base, int64_t t) const {
  size_t i = 0;
  int64_t start = 0;
  while (i < milestones_.size() && t >= milestones_[i]) start = milestones_[i++];
  return schedules_[i]->lr_at(base, t - start);
}

Scheduler::Scheduler(Optimizer& optimizer, std::shared_ptr<const Schedule> schedule)
    : opt_(optimizer), schedule_(std::move(schedule)) {
  JOULE_CHECK(schedule_ != nullptr, "Scheduler: schedule is null");
  set_step(0);
}

void Scheduler::step() { set_step(t_ + 1); }

void Scheduler::set_step(int64_t t) {
  t_ = t;
  for (auto& g : opt_.param_groups()) g.lr = schedule_->lr_at(g.initial_lr, t);
}

}  // namespace joule::optim
