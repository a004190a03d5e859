// Iterative magnitude pruning with weight rewinding: the lottery ticket procedure (Frankle &
// Carbin 2019; rewinding to an early step k rather than to the initialisation: Frankle et al.
// 2020, "Linear mode connectivity and the lottery ticket hypothesis").
//
//   prune::LotteryTicket ticket;
//   train k steps; ticket.snapshot(model);              // k = 0: the initial weights
//   for (round = 0; round < R; ++round) {
//     train to the end;
//     ticket.prune_and_rewind(model, names, 0.2, &opt);  // 20% of what remains, back to step k
//   }
//   train to the end once more: the winning ticket.
#pragma once

#include <string>
#include <vector>

#include "joule/optim/optimizer.h"
#include "joule/prune/mask.h"

namespace joule::prune {

struct LotteryOptions {
  // true: one magnitude threshold across the pruned parameters (Frankle et al.'s global pruning);
  // false: the same fraction of each (the original paper's per-layer pruning).
  bool global = true;
};

class LotteryTicket {
 public:
  explicit LotteryTicket(const LotteryOptions& options = {}) : options_(options) {}

  // Copies every parameter of `model`, by name: the weights to rewind to.
  void snapshot(const nn::Module& model);
  bool has_snapshot() const { return !weights_.empty(); }
  const nn::NamedTensors& snapshot_weights() const { return weights_; }

  // One round: prunes `amount` of the remaining entries of `names` by magnitude (of the trained
  // weights), rewinds, and resets `optimizer`'s state and attaches it to the masks (may be
  // null). Throws without a snapshot.
  void prune_and_rewind(nn::Module& model, const std::vector<std::string>& names, Amount amount,
                        optim::Optimizer* optimizer);
  // Sets every parameter back to the snapshot, its pruned entries to 0, and, when `optimizer` is
  // given, forgets its state (momentum, moments, step counts) and attaches it to the masks.
  // Throws naming a parameter the snapshot lacks or holds with another shape.
  void rewind(nn::Module& model, optim::Optimizer* optimizer) const;
  // Completed prune_and_rewind rounds.
  int64_t rounds() const { return rounds_; }

 private:
  LotteryOptions options_;
  nn::NamedTensors weights_;
  int64_t rounds_ = 0;
};

}  // namespace joule::prune
