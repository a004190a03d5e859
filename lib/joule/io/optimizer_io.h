// Internal to checkpoints: the /optimizer group. Any optimizer is saved and loaded through the
// description it gives of itself (optim/optimizer.h: type(), options_by_name(), state_names()),
// without knowing its type. Saving writes the type, the options, each group's hyperparameters
// and each parameter's state (buf1, buf2 in state_names() order, step) beside the parameter's
// dotted name in the model; loading first stages what it would change (stage_optimizer, which
// may throw or report) and only then changes the optimizer (apply), so a failed load leaves it
// as it was.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "joule/io/checkpoint.h"
#include "joule/io/hdf5_handle.h"

namespace joule::io::detail {

void write_optimizer(hid_t root, const optim::Optimizer& optimizer, const nn::Module& model);

// What loading the optimizer will set.
struct OptimizerPlan {
  struct GroupValues {
    size_t group;
    double lr, initial_lr, weight_decay;
  };
  struct ParamValues {
    size_t group, index;
    Tensor buf1, buf2;  // undefined: the saved state had none
    int64_t step;
  };
  optim::OptionValues options;  // the saved options the optimizer names
  std::vector<GroupValues> groups;
  std::vector<ParamValues> params;
};

// Reads /optimizer and matches it to `optimizer`: strict, group by group and parameter by
// parameter, checking names where both sides have one; otherwise by name (by position for a
// parameter the model does not hold). Entries go to `report`; what strict loading cannot accept
// goes to `problems`. The saved options are checked by setting them on `optimizer` and setting
// its own back, so a value it would refuse throws here, before anything changed.
OptimizerPlan stage_optimizer(hid_t root, optim::Optimizer& optimizer,
                              const nn::Module& model, bool strict, LoadReport& report,
                              std::vector<std::string>& problems);

void apply(const OptimizerPlan& plan, optim::Optimizer& optimizer);

}  // namespace joule::io::detail
