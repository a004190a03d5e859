// Freezing for transfer learning: parameters chosen by dotted-name prefix stop requiring grad.
// A frozen parameter is a constant to autograd: no op records a graph node for it, so backward
// computes and stores no gradient for it (and, when everything before a layer is frozen, no
// gradient for that layer's input either), and optimizers skip it (it has no .grad).
//
// A prefix names a module or a parameter: "3" matches "3.weight" and "3.bias", "features"
// matches "features.0.weight", "3.weight" only itself; "" matches every parameter. It does not
// match "30.weight": prefixes end at a dot. Buffers (running statistics) are not parameters and
// are not touched; a frozen BatchNorm still updates its statistics in training mode.
#pragma once

#include <string>
#include <vector>

#include "joule/nn/module.h"

namespace joule::nn {

// Freezes every parameter under each prefix (throws naming the prefix and the known names when
// one matches nothing) and drops the gradients they hold. Returns the names frozen.
std::vector<std::string> freeze(Module& module, const std::vector<std::string>& prefixes = {""});

// Unfreezes every parameter under each prefix (same matching rules). Returns the names unfrozen.
std::vector<std::string> unfreeze(Module& module, const std::vector<std::string>& prefixes = {""});

// Freezes every parameter that is not under one of `keep` (e.g. everything but the new head).
std::vector<std::string> freeze_all_but(Module& module, const std::vector<std::string>& keep);

// True when `name` is `prefix` or lies below it ("3" covers "3.weight", not "30.weight").
bool name_under(const std::string& name, const std::string& prefix);

// Names of the parameters that require grad / that do not, in registration order.
std::vector<std::string> trainable_names(const Module& module);
std::vector<std::string> frozen_names(const Module& module);
// Parameters that require grad, and how many values they hold.
std::vector<Tensor> trainable_parameters(const Module& module);
int64_t num_trainable(const Module& module);

}  // namespace joule::nn
