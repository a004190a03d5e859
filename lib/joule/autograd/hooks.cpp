#include "joule/autograd/hooks.h"

#include <algorithm>

namespace joule::autograd {

HookHandle& HookHandle::operator=(HookHandle&& o) noexcept {
  if (this != &o) {
    remove();
    leaf_ = std::move(o.leaf_);
    id_ = o.id_;
    o.id_ = -1;
  }
  return *this;
}

void HookHandle::remove() {
  if (id_ < 0) return;
  if (auto leaf = leaf_.lock(); leaf && leaf->hooks) {
    auto& hs = leaf->hooks->hooks;
    const int64_t id = id_;
    hs.erase(std::remove_if(hs.begin(), hs.end(), [id](const auto& h) { return h.first == id; }),
             hs.end());
    if (hs.empty()) leaf->hooks.reset();
  }
  id_ = -1;
}

HookHandle register_post_accumulate_grad_hook(const Tensor& leaf, PostAccumulateGradHook hook) {
  JOULE_CHECK(leaf.defined() && leaf.requires_grad() && !leaf.grad_fn(),
              "register_post_accumulate_grad_hook: the tensor must be a leaf that requires grad "
              "(a parameter), got ", leaf.defined() ? (leaf.grad_fn() ? "a computed tensor"
                                                      : "a tensor without requires_grad")
                                                   : "an undefined tensor");
  JOULE_CHECK(hook != nullptr, "register_post_accumulate_grad_hook: the hook is empty");
  TensorImpl& impl = leaf.impl();
  if (!impl.hooks) impl.hooks = std::make_shared<LeafHooks>();
  const int64_t id = impl.hooks->next_id++;
  impl.hooks->hooks.emplace_back(id, std::move(hook));
  return HookHandle(leaf.impl_ptr(), id);
}

void run_post_accumulate_grad_hooks(const std::shared_ptr<TensorImpl>& leaf) {
  if (!leaf->hooks) return;
  // A copy: a hook may add or remove hooks.
  const auto hooks = leaf->hooks->hooks;
  const Tensor t(leaf);
  for (const auto& [id, hook] : hooks) hook(t);
}

}  // namespace joule::autograd
