// Post-accumulate-grad hooks (PyTorch's Tensor.register_post_accumulate_grad_hook): a function
// that backward calls once it has added every contribution of the pass to a leaf's gradient, while
// the rest of the graph is still running. Data-parallel training starts reducing a bucket of
// gradients there, overlapping communication with the remaining backward.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "joule/core/tensor.h"

namespace joule::autograd {

// Called with the leaf, whose grad() is final for this backward pass.
using PostAccumulateGradHook = std::function<void(const Tensor& leaf)>;

struct LeafHooks {
  std::vector<std::pair<int64_t, PostAccumulateGradHook>> hooks;  // (id, hook), in order added
  int64_t next_id = 0;
};

// Removes its hook when destroyed (or on remove()); movable, not copyable. Outliving the tensor
// is fine.
class HookHandle {
 public:
  HookHandle() = default;
  HookHandle(std::weak_ptr<TensorImpl> leaf, int64_t id) : leaf_(std::move(leaf)), id_(id) {}
  HookHandle(HookHandle&& o) noexcept : leaf_(std::move(o.leaf_)), id_(o.id_) { o.id_ = -1; }
  HookHandle& operator=(HookHandle&& o) noexcept;
  HookHandle(const HookHandle&) = delete;
  HookHandle& operator=(const HookHandle&) = delete;
  ~HookHandle() { remove(); }
  void remove();

 private:
  std::weak_ptr<TensorImpl> leaf_;
  int64_t id_ = -1;
};

// Registers `hook` on `leaf` (a tensor that requires grad and has no grad_fn). Hooks of one leaf
// run in the order they were added, once per backward pass that reaches the leaf, after its
// gradient is complete for that pass; a hook may read and replace the gradient.
[[nodiscard]] HookHandle register_post_accumulate_grad_hook(const Tensor& leaf,
                                                            PostAccumulateGradHook hook);

// Runs the hooks of `leaf` (the engine calls this).
void run_post_accumulate_grad_hooks(const std::shared_ptr<TensorImpl>& leaf);

}  // namespace joule::autograd
