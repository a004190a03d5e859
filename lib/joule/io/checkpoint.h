// HDF5 checkpoints: a model's named parameters and buffers (running statistics, pruning masks,
// sparse patterns: whatever the model registered), its optimizer's state, and what a resumed run
// needs besides (epochs and steps done, named RNG states, the energy history, free text), in one
// file that h5dump and h5py read without Joule.
//
// Layout, version 1 (lib/joule/io/LAYOUT.md has the full table and an h5py example):
//
//   /                          attrs format = "joule-checkpoint", version = 1,
//                              created = ISO 8601 UTC time ("2025-01-31T12:00:00Z")
//   /model/<name>              one dataset per parameter and buffer, named by its dotted name
//                              ("0.weight"), shaped as the tensor; float32, or int64 for int64
//                              buffers; attr kind = "parameter" | "buffer"
//   /optimizer                 (when an optimizer is saved) attrs type = "SGD" | "Adam" | "AdamW"
//                              | "unknown", num_groups, and the options (SGD: momentum,
//                              dampening, nesterov; Adam/AdamW: beta1, beta2, eps)
//   /optimizer/group<g>        attrs lr, initial_lr, weight_decay, num_params
//   /optimizer/group<g>/param<i>   attrs name (the parameter's dotted name in the model, "" when
//                              the model does not hold it), step; datasets buf1, buf2 (float32,
//                              the parameter's shape) when defined: SGD's momentum, Adam's m, v
//   /training                  attrs epoch, step, scheduler_step (int64), then the free text
//                              attributes (strings), in the order given
//   /training/rng/<name>       uint64 [6]: s0, s1, s2, s3, has_spare (0/1), spare's float32 bits
//   /energy                    (when the history is not empty) one 1-D dataset per column, one
//                              row per epoch: epoch (int64), loss, train_acc, val_acc, test_acc,
//                              lr, train_s, eval_s, train_seconds, train_cpu_j, train_dram_j,
//                              train_gpu_j, eval_seconds, eval_cpu_j, eval_dram_j, eval_gpu_j,
//                              cumulative_j, emissions_g, train_j, eval_j (float64); attrs
//                              train_source, eval_source, train_kind, eval_kind (one string per
//                              epoch; kind is "measured" or "estimated")
//
// Groups keep their members in creation order, so h5dump lists tensors in registration order.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "joule/core/generator.h"
#include "joule/nn/module.h"
#include "joule/optim/optimizer.h"
#include "joule/energy/epoch_record.h"

namespace joule::io {

// What a resumed run needs besides the tensors.
struct TrainingState {
  int64_t epoch = 0;           // epochs completed
  int64_t step = 0;            // optimizer steps completed
  int64_t scheduler_step = 0;  // the learning-rate schedule's step count
  std::vector<std::pair<std::string, Generator::State>> generators;  // named RNG states
  std::vector<energy::EpochRecord> energy_history;                   // may be empty
  std::vector<std::pair<std::string, std::string>> attributes;       // free text (recipe, flags)
};

struct LoadOptions {
  // true: every model tensor must be in the file with the same shape and dtype, and the file may
  // hold no others; otherwise one joule::Error names every problem, before anything is changed.
  // false (transfer learning): loads the tensors whose name, shape and dtype match and reports
  // the rest.
  bool strict = true;
  // false: the optimizer's state is left as it is even when the file holds one.
  bool load_optimizer = true;
};

// What load_checkpoint did. Names are the model's dotted names; optimizer entries read
// "optimizer:<name>" (or "optimizer:group<g>.param<i>" for a parameter the model does not hold),
// and "optimizer" alone when the optimizer as a whole was not loaded.
struct LoadReport {
  std::vector<std::string> loaded;      // copied from the file
  std::vector<std::string> missing;     // wanted, not in the file: left as they were
  std::vector<std::string> unexpected;  // in the file, not wanted: ignored
  std::vector<std::string> mismatched;  // in both, shape or dtype differ: left as they were
  std::vector<std::string> mismatch_details;  // one per mismatched: "model [4, 3] float32,
                                              // checkpoint [5, 3] float32"
  // "loaded 4; missing 1: 2.weight; unexpected 0; mismatched 1: 0.weight (model ..., checkpoint
  // ...)"
  std::string str() const;
};

// Writes `model` (every parameter and buffer), `optimizer` (may be null: no /optimizer group) and
// `state` to `path` atomically: the file is written as "<path>.tmp.<pid>", flushed, closed and
// fsynced, then renamed over `path`, and the folder fsynced; a crash at any point leaves the
// previous file at `path` intact. On an error the temp file is removed and joule::Error names the
// step and the file.
void save_checkpoint(const std::string& path, const nn::Module& model,
                     const optim::Optimizer* optimizer, const TrainingState& state);

// Loads `path` into `model` (copying into its existing tensors, so handles stay valid), into
// `optimizer` (may be null; its groups and parameters must line up with the saved ones, matched
// by name) and into `state` (may be null; otherwise every field is replaced). Throws joule::Error
// naming the path when the file is missing, is not HDF5 or is truncated, is not a Joule
// checkpoint or is of a newer version, and, when strict, naming each missing, unexpected or
// mis-shaped tensor with the expected and found shapes. Nothing is changed when it throws.
LoadReport load_checkpoint(const std::string& path, nn::Module& model, optim::Optimizer* optimizer,
                           TrainingState* state, const LoadOptions& options = {});

// The layout version this build writes and the newest it reads.
inline constexpr int64_t kCheckpointVersion = 1;
inline constexpr const char* kCheckpointFormat = "joule-checkpoint";

}  // namespace joule::io
