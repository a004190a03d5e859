// Dynamic sparse training on true sparse storage: SET (Mocanu et al. 2018) and RigL (Evci et al.
// 2020) as Trainer callbacks that rewire every SparseLinear of a model in place, keeping each
// layer's nonzero count constant. Initial densities come from prune/erk.h.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "joule/core/generator.h"
#include "joule/sparse/sparse_linear.h"
#include "joule/train/trainer.h"

namespace joule::prune {

// The SparseLinear layers of `model` with their dotted names, in registration order.
std::vector<std::pair<std::string, nn::SparseLinear*>> sparse_layers(nn::Module& model);
// The stored weights of every SparseLinear in `model` (their nnz, biases not counted).
int64_t sparse_nnz(nn::Module& model);

// What a regrown SET connection starts from.
enum class SetRegrowth {
  Zero,    // 0: the network's function does not jump; the gradient grows the weight
  Random,  // uniform ±1/sqrt(mean fan-in), as the layer was initialised (Mocanu et al.)
};

struct SETOptions {
  double zeta = 0.3;   // fraction of each sign's weights replaced per epoch
  uint64_t seed = 0;   // where regrown connections go and their initial values
  SetRegrowth regrowth = SetRegrowth::Zero;
  // false: ζ every epoch (Mocanu et al.). true: ζ decays by a cosine over the epochs and
  // evolution stops at end_fraction of training, the schedule RigL's paper gives SET too.
  bool anneal = false;
  double end_fraction = 0.75;
};

// SET: before every epoch after the first, per layer, drop the ζ fraction of the smallest
// positive weights and of the largest negative weights (those closest to zero on each side) and
// regrow as many connections at uniformly random free positions (starting at zero, or random as
// the layer was initialised: SETOptions::regrowth); the optimizer state of survivors is kept,
// regrown entries start with zero state. Adds `rewired=` to the epoch line.
class SET : public train::Callback {
 public:
  SET(nn::Module& model, const SETOptions& options);
  void on_epoch_begin(train::Trainer& trainer, int64_t epoch) override;
  void on_epoch_end(train::Trainer& trainer, train::EpochRecord& record) override;
  // One SET step on every layer with drop fraction `zeta`; returns how many entries were replaced.
  int64_t evolve(optim::Optimizer* optimizer, double zeta);
  int64_t evolve(optim::Optimizer* optimizer) { return evolve(optimizer, options_.zeta); }
  // ζ before `epoch` (1-based) of `epochs`: 0 before epoch 2.
  double zeta_at(int64_t epoch, int64_t epochs) const;

 private:
  std::vector<std::pair<std::string, nn::SparseLinear*>> layers_;
  SETOptions options_;
  Generator gen_;
  int64_t last_rewired_ = 0;
};

struct RigLOptions {
  int64_t delta_t = 100;       // steps between connectivity updates
  double alpha = 0.3;          // initial drop fraction
  double end_fraction = 0.75;  // updates stop at this fraction of training
  int64_t total_steps = 0;     // 0: epochs × steps per epoch, known at the first step
};

// RigL: every ΔT optimizer steps until T_end = end_fraction·total steps, per layer, drop the
// k = ⌊f(t)·nnz⌋ stored weights of smallest magnitude and grow the k free positions (dropped ones
// included) of largest dense-gradient magnitude on that step's batch; f(t) = α/2·(1 + cos(πt/T_end)).
// Grown weights start at zero with zeroed optimizer state; the update step replaces that step's
// optimizer update for the rewired layers (as the reference does). The dense gradient exists only
// on update steps. Adds `rewired=` to the epoch line.
class RigL : public train::Callback {
 public:
  RigL(nn::Module& model, const RigLOptions& options);
  void on_batch_end(train::Trainer& trainer, const train::StepInfo& info) override;
  void on_after_backward(train::Trainer& trainer, const train::StepInfo& info) override;
  void on_epoch_end(train::Trainer& trainer, train::EpochRecord& record) override;
  // The drop fraction at global step t (0 from T_end on).
  double drop_fraction(int64_t step) const;
  // One RigL update with the dense gradients captured on every layer; returns entries replaced.
  int64_t update(double fraction, optim::Optimizer* optimizer);
  int64_t step() const { return step_; }
  // Turns dense-gradient capture on for the next backward (what on_batch_end does before an
  // update step); for custom training loops.
  void capture_next();

 private:
  std::vector<std::pair<std::string, nn::SparseLinear*>> layers_;
  RigLOptions options_;
  int64_t step_ = 0, total_ = 0;
  bool capturing_ = false;
  int64_t rewired_in_epoch_ = 0;
};

}  // namespace joule::prune
