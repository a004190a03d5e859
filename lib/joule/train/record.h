// EpochRecord: what one epoch produced, printed as one line of key=value fields.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace joule::train {

struct EpochRecord {
  int64_t epoch = 0;        // 1-based
  double loss = 0;          // mean training loss over the epoch's samples
  double train_acc = 0;     // percent, over the epoch's training batches
  double val_acc = -1;      // percent, on the validation split; < 0 when there is none
  double test_loss = -1;    // < 0 when there is no evaluation set
  double test_acc = -1;     // percent; < 0 when there is no evaluation set
  double lr = 0;            // learning rate used during the epoch (first group)
  double train_s = 0;       // wall time of the training loop
  double eval_s = 0;        // wall time of the evaluation
  double joules = -1;       // energy of the epoch (training + evaluation); < 0 when not metered
  double cumulative_joules = -1;  // energy of all epochs so far; < 0 when not metered
  // Further fields added by callbacks (energy, sparsity, ...), printed after the standard ones.
  std::vector<std::pair<std::string, std::string>> extra;

  void set(const std::string& key, const std::string& value);
  void set(const std::string& key, double value, int precision = 4);
  // "epoch=1 loss=0.5123 train_acc=81.20 test_acc=84.31 ... train_s=0.512 ..."
  std::string line() const;
};

}  // namespace joule::train
