// Pruning masks as torch.nn.utils.prune keeps them: a 0/1 float32 tensor beside a named parameter,
// the buffer "<name>_mask" of the module that owns it ("0.weight" -> "0.weight_mask"), so
// checkpoints save and load it like any buffer (io/LAYOUT.md). Nothing below prune/ knows masks.
// Optimizers honour them through their per-parameter hooks (optim/optimizer.h): attach(optimizer,
// model) installs, on every parameter of the optimizer that the model holds, a hook that zeroes
// the masked gradient entries before the update (also set as the parameter's gradient) and the
// masked entries of the weight and of its state buffers after it, so a pruned weight stays
// exactly 0 and its momentum / Adam moments stay 0. The hook looks the mask buffer up at each
// step rather than holding the mask it saw at attach time: masks registered, replaced or removed
// later (a schedule pruning more, lottery rounds, a checkpoint load) are honoured without
// re-attaching, and a parameter without a mask costs one lookup. attach is idempotent; the model
// must outlive the optimizer's steps. PruningCallback and LotteryTicket attach by themselves.
// Pruning again combines with the mask already there: a fraction applies to the entries still
// unpruned, and a pruned entry is never revived (replace_mask excepted, for dynamic sparse
// training). To load a pruned checkpoint into a fresh model, give its parameters masks first
// (identity), then load: the masks are restored in place.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <vector>

#include "joule/nn/module.h"
#include "joule/optim/optimizer.h"

namespace joule::prune {

// How much to prune, as torch.nn.utils.prune takes it: a fraction in [0, 1] of the entries (or
// slices) still unpruned, rounded half to even as Python's round(); or an absolute count of them.
//   l1_unstructured(m, "0.weight", 0.5);  // half of what remains
//   l1_unstructured(m, "0.weight", 10);   // 10 more entries
class Amount {
 public:
  template <std::floating_point T>
  Amount(T fraction) : is_count_(false), fraction_(static_cast<double>(fraction)) {}  // NOLINT
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  Amount(T count) : is_count_(true), count_(static_cast<int64_t>(count)) {}  // NOLINT

  bool is_count() const { return is_count_; }
  // How many of `remaining` unpruned `unit` (entries, rows, ...) to prune; throws naming `op` and
  // `name` (the parameter) when the amount is out of range: a fraction outside [0, 1], a negative
  // count or one above `remaining`.
  int64_t count_of(int64_t remaining, const char* op, const std::string& name,
                   const char* unit = "entries") const;
  std::string str() const;  // "0.5" or "10 (a count)"

 private:
  bool is_count_;
  double fraction_ = 0;
  int64_t count_ = 0;
};

// The mask of parameter `name` (dotted, e.g. "0.weight"): registers an all-ones buffer
// "<name>_mask" on the module owning the parameter when it has none, else returns the one there
// (the same tensor each call). Throws naming the parameter when there is none of that name, or
// when a buffer of that name is not a float32 tensor of the parameter's shape.
Tensor register_mask(nn::Module& model, const std::string& name);
// Drops the mask buffer of `name`; the parameter's values stay. Throws when it has no mask.
void remove_mask(nn::Module& model, const std::string& name);
// The mask of parameter `name`, or an undefined tensor when it has none.
Tensor mask_of(const nn::Module& model, const std::string& name);
// The parameters that carry a mask, each with its mask, in registration order.
nn::NamedTensors named_masks(const nn::Module& model);

// Makes `optimizer` honour the masks of `model`'s parameters, now and later (see the top of this
// file). Idempotent: a parameter that already has the hook is left alone.
void attach(optim::Optimizer& optimizer, const nn::Module& model);
// Removes the hooks attach installed; the masks stay.
void detach(optim::Optimizer& optimizer);
// The tag of attach's hooks.
inline constexpr const char* kHookTag = "prune";

// The mask of parameter `name`, registering an all-ones mask when it has none (torch's
// prune.identity). Use it before loading a checkpoint of a pruned model.
Tensor identity(nn::Module& model, const std::string& name);
// Multiplies the mask of `name` by `mask` (0/1, the parameter's shape) and zeroes the newly pruned
// weights (torch's prune.custom_from_mask).
void custom_from_mask(nn::Module& model, const std::string& name, const Tensor& mask);
// Replaces the mask of `name` by `mask` (0/1): entries may be revived (SET, RigL); a revived weight
// keeps its current value, 0 after pruning. Pruned entries of the new mask are zeroed.
void replace_mask(nn::Module& model, const std::string& name, const Tensor& mask);
// Makes the pruning of `name` permanent: drops its mask, the zeros stay (torch's prune.remove).
// Throws naming the parameter when it is not pruned.
void remove(nn::Module& model, const std::string& name);
// True when parameter `name` carries a mask.
bool is_pruned(const nn::Module& model, const std::string& name);

// Entries of `t` that are not exactly 0, and the fraction that are (0 for an empty tensor).
int64_t nnz(const Tensor& t);
double sparsity(const Tensor& t);
// The same over several named parameters together.
int64_t nnz(const nn::Module& model, const std::vector<std::string>& names);
double sparsity(const nn::Module& model, const std::vector<std::string>& names);

// The parameters worth pruning by default: those with two or more dimensions (the weights of
// Linear and Conv2d layers, not biases or norm scales), in registration order.
std::vector<std::string> prunable_parameters(const nn::Module& model);

}  // namespace joule::prune
