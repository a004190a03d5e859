// Structured thinning: a pruned model made physically smaller. Pruning with masks keeps every
// weight in place (zeros cost as much as any other value); thin() removes the pruned structure and
// returns a new dense nn::Sequential with fewer channels and neurons whose eval-mode outputs equal
// the masked model's to float rounding. prune_channels() prunes whole channels / neurons so that
// thin() has something to remove.
//
//   deploy::prune_channels(*model, 0.5);                 // masks: half of each conv's channels
//   deploy::ThinReport report;
//   auto small = deploy::thin(*model, {}, &report);      // 16 -> 8, 32 -> 16 channels
//
// What thin() removes (docs/deployment.md, "Thinning"):
//  - a Linear's output rows whose weights are all zero, with the next Linear's matching input
//    columns (through ReLU, Dropout, BatchNorm1d and other element-wise layers);
//  - a Conv2d's output channels whose weights are all zero, with their BatchNorm2d entries and the
//    next Conv2d's input channels, or, through MaxPool2d / ReLU / Flatten, the next Linear's
//    matching input columns (Flatten of C x H x W: channel j is the block of H*W columns j*H*W..);
//  - BatchNorm directly after a Conv2d (or a Linear) is folded into it when fold_batchnorm.
// Exactness: a removed unit's output is a constant (its bias, through the layers in between). A
// zero constant is dropped; a nonzero one is folded into the next layer's bias when that is exact
// (the next layer is a Linear, or a Conv2d with padding 0); otherwise the unit is kept. The last
// layer's outputs are never removed. Thinning never changes the outputs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "joule/nn/sequential.h"

namespace joule::deploy {

struct ThinReport {
  int64_t params_before = 0, params_after = 0;
  // One human-readable line per thinned or folded layer, e.g. "1 Conv2d: 16 -> 8 channels".
  std::vector<std::string> lines;
};

struct ThinOptions {
  // Folds a BatchNorm1d/2d that directly follows a Linear/Conv2d into that layer's weight and bias
  // (inference only: the thinned model then has no BatchNorm layer there).
  bool fold_batchnorm = true;
};

// A new, smaller dense nn::Sequential whose eval-mode outputs equal `model`'s (masked, in eval
// mode) to float rounding; it is returned in eval mode, on `model`'s device, with no masks.
// `model` is not modified. Masks (prune buffers "<name>_mask") are applied first. Supported
// layers: Linear, Conv2d (groups 1 are thinned; grouped convolutions are kept whole), BatchNorm1d,
// BatchNorm2d (with running statistics), ReLU, Tanh, Sigmoid, GELU, Softmax, MaxPool2d,
// AvgPool2d, GlobalAvgPool2d, Dropout, Flatten, Unflatten; any other layer throws naming its
// index and type. Throws when every output unit of a layer is pruned (a 0-width layer is refused).
std::shared_ptr<nn::Sequential> thin(nn::Sequential& model, const ThinOptions& options = {},
                                     ThinReport* report = nullptr);

// Structured channel / neuron pruning: prunes each Conv2d's output channels (and, if
// `linear_too`, each hidden Linear's output rows; never the last Linear/Conv2d, whose outputs are
// the model's) to `sparsity` (in [0, 1): round(sparsity * channels) of them, ties to even), those
// of smallest L2 norm (prune::ln_structured), and masks the matching bias entries and the
// weight/bias entries of the BatchNorm that follows, so a pruned channel's output is exactly zero.
// Only ever prunes more: channels pruned before stay pruned, and a layer already past the target
// is left alone. Usable on a schedule from a Trainer through prune::PruningCallback:
//   PruningCallbackOptions{.names = channel_prunable(model), .method = channel_pruning()}.
void prune_channels(nn::Sequential& model, double sparsity, bool linear_too = false);

// A pruning method for prune::PruningCallbackOptions::method: prune_channels(model, sparsity,
// linear_too) on an nn::Sequential (throws naming the model otherwise).
std::function<void(nn::Module&, double)> channel_pruning(bool linear_too = false);

// The weight names of the layers prune_channels prunes ("1.weight", ...), in order.
std::vector<std::string> channel_prunable(const nn::Sequential& model, bool linear_too = false);

}  // namespace joule::deploy
