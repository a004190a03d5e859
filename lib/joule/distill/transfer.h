// Transfer learning helpers: load a pretrained checkpoint non-strictly, put a new head on a
// Sequential model, and split a model's parameters into optimizer groups by name prefix (each
// with its own learning rate), e.g. a small rate for the pretrained body and a large one for the
// new head. Freezing is in nn/freeze.h, gradual unfreezing in train/unfreeze.h.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "joule/io/checkpoint.h"
#include "joule/nn/sequential.h"
#include "joule/optim/optimizer.h"

namespace joule::distill {

// Loads the parameters and buffers of `path` whose names, shapes and dtypes match `model`
// (LoadOptions{.strict = false}, no optimizer) and returns what was loaded, missing, unexpected
// and mis-shaped.
io::LoadReport load_pretrained(const std::string& path, nn::Module& model);

// A Sequential holding `body`'s layers (shared, not copied: same tensors) except the last, then
// `head` in its place, under the same name, so every other dotted name is unchanged.
std::shared_ptr<nn::Sequential> replace_head(const nn::Sequential& body,
                                             std::shared_ptr<nn::Module> head);

struct GroupSpec {
  std::vector<std::string> prefixes;  // nn::name_under rules: "10" is module 10, "" everything
  double lr = -1;                     // < 0: the optimizer's default
  double weight_decay = -1;           // < 0: the optimizer's default
};

// One ParamGroup per spec with the parameters under its prefixes (a parameter goes to the first
// spec that covers it), then one group with the optimizer's defaults for the parameters no spec
// covers, when there are any. Frozen parameters are included: the optimizer skips them while
// they have no gradient, and updates them at their group's rate once they are unfrozen. Throws
// when a prefix covers no parameter.
std::vector<optim::ParamGroup> param_groups(const nn::Module& model,
                                            const std::vector<GroupSpec>& specs);

}  // namespace joule::distill
