// EpochRecord: what one epoch of training produced, the one record every layer shares. The
// Trainer fills the training figures, a metering callback (train/metering.h) the energy figures,
// other callbacks add key=value fields; checkpoints (io/) keep the history and report/ writes it
// out. It lives here, below io/ and train/ in the layer order (docs/layout.md), because both of
// them and report/ use it and it needs nothing above energy/.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "joule/energy/meter.h"

namespace joule::energy {

struct EpochRecord {
  // ---- training (the Trainer) ------------------------------------------------------------
  int64_t epoch = 0;      // 1-based; the MLflow step
  double loss = 0;        // mean training loss over the epoch's samples
  double train_acc = 0;   // percent, over the epoch's training batches
  double val_acc = -1;    // percent, on the validation split; < 0 when there is none
  double test_loss = -1;  // < 0 when there is no evaluation set
  double test_acc = -1;   // percent; < 0 when there is no evaluation set
  double lr = 0;          // learning rate used during the epoch (first group)
  double train_s = 0;     // wall time of the training loop
  double eval_s = 0;      // wall time of the evaluation

  // ---- energy (a metering callback; untouched when the run is not metered) ---------------
  Measurement train;             // energy of the training loop
  Measurement eval;              // energy of the evaluations (zero when there are none)
  double cumulative_joules = -1; // train + eval joules of this epoch and all before it; < 0
                                 // when not metered
  double emissions_g = 0;        // this epoch's grams of CO2e (train + eval)

  // Further fields added by callbacks (energy, sparsity, ...), printed after the standard ones.
  std::vector<std::pair<std::string, std::string>> extra;

  // True once a meter has filled the energy figures.
  bool metered() const { return !train.source.empty() || !eval.source.empty(); }
  // Energy of the epoch (training + evaluation); 0 when not metered.
  double joules() const { return train.total_j() + eval.total_j(); }
  double metered_s() const { return train.seconds + eval.seconds; }
  // Mean power over the epoch's two windows; 0 when they last no time.
  double watts() const { return metered_s() > 0 ? joules() / metered_s() : 0; }

  void set(const std::string& key, const std::string& value);
  void set(const std::string& key, double value, int precision = 4);
  // "epoch=1 loss=0.5123 train_acc=81.20 test_acc=84.31 ... train_s=0.512 ..."
  std::string line() const;
};

}  // namespace joule::energy
