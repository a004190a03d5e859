// Learning-rate schedules as closed forms lr(base, t) (t = completed steps, in epochs or batches,
// the caller's choice), named after torch.optim.lr_scheduler, and a Scheduler that applies one to
// an optimizer's groups.
#pragma once

#include <memory>
#include <vector>

#include "joule/optim/optimizer.h"

namespace joule::optim {

class Schedule {
 public:
  virtual ~Schedule() = default;
  virtual double lr_at(double base_lr, int64_t t) const = 0;
};

// base * gamma^(t / step_size)
class StepLR : public Schedule {
 public:
  StepLR(int64_t step_size, double gamma = 0.1);
  double lr_at(double base_lr, int64_t t) const override;

 private:
  int64_t step_size_;
  double gamma_;
};

// eta_min + (base - eta_min) (1 + cos(pi t / T_max)) / 2, held at eta_min after T_max
class CosineAnnealingLR : public Schedule {
 public:
  explicit CosineAnnealingLR(int64_t t_max, double eta_min = 0);
  double lr_at(double base_lr, int64_t t) const override;

 private:
  int64_t t_max_;
  double eta_min_;
};

// Linear warm-up: factor from start_factor to end_factor over total_iters, then end_factor.
class LinearLR : public Schedule {
 public:
  explicit LinearLR(double start_factor = 1.0 / 3, double end_factor = 1.0, int64_t total_iters = 5);
  double lr_at(double base_lr, int64_t t) const override;

 private:
  double start_, end_;
  int64_t total_;
};

// schedules[i] runs from milestones[i-1] to milestones[i], each restarting at its own t = 0
// (e.g. LinearLR warm-up for 5 steps, then cosine).
class SequentialLR : public Schedule {
 public:
  SequentialLR(std::vector<std::shared_ptr<const Schedule>> schedules,
               std::vector<int64_t> milestones);
  double lr_at(double base_lr, int64_t t) const override;

 private:
  std::vector<std::shared_ptr<const Schedule>> schedules_;
  std::vector<int64_t> milestones_;
};

class Scheduler {
 public:
  Scheduler(Optimizer& optimizer, std::shared_ptr<const Schedule> schedule);
  // Advances one step and sets every group's lr to schedule(initial_lr, t).
  void step();
  // Jumps to step t (resuming a run).
  void set_step(int64_t t);
  int64_t steps() const { return t_; }

 private:
  Optimizer& opt_;
  std::shared_ptr<const Schedule> schedule_;
  int64_t t_ = 0;
};

}  // namespace joule::optim
