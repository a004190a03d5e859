// The backward engine: counts each node's consumers, then runs nodes in reverse topological
// order, summing the gradients that meet at a node, and frees every node it ran. A leaf with
// post-accumulate-grad hooks has its hooks run as soon as its last incoming edge has been run.
// It sums with ops/ (add, add_), so it sits above ops/; ops/ record nodes through autograd/ only.
// Defines Tensor::backward (declared in core/tensor.h): a link-time dependency, not an include.
#include <unordered_map>

#include "joule/autograd/grad_mode.h"
#include "joule/autograd/hooks.h"
#include "joule/autograd/node.h"
#include "joule/ops/elementwise.h"

namespace joule {

namespace {

void accumulate_leaf(TensorImpl& leaf, Tensor g) {
  JOULE_CHECK(g.shape() == leaf.shape, "backward: gradient of shape ", g.shape(),
              " does not match its tensor's shape ", leaf.shape);
  if (!leaf.grad) {
    // Keep the gradient buffer when nothing else refers to it; copy it when it is shared
    // (e.g. the same gradient flows to two inputs), so later in-place accumulation is safe.
    const bool exclusive = g.impl_ptr().use_count() == 1 &&
                           g.impl().storage.use_count() == 1 && g.is_contiguous();
    leaf.grad = exclusive ? g.impl_ptr() : g.clone().impl_ptr();
    return;
  }
  Tensor acc(leaf.grad);
  add_(acc, g);
}

// Number of edges from within the graph into each node reachable from `root`; into
// `hooked_leaves`, the same count for each leaf that has hooks.
std::unordered_map<autograd::Node*, int> count_consumers(
    autograd::Node* root, std::unordered_map<TensorImpl*, int>& hooked_leaves) {
  std::unordered_map<autograd::Node*, int> deps{{root, 0}};
  std::vector<autograd::Node*> stack{root};
  while (!stack.empty()) {
    autograd::Node* n = stack.back();
    stack.pop_back();
    for (const auto& e : n->next) {
      if (e.leaf && e.leaf->hooks) ++hooked_leaves[e.leaf.get()];
      if (!e.node) continue;
      auto [it, inserted] = deps.try_emplace(e.node.get(), 0);
      ++it->second;
      if (inserted) stack.push_back(e.node.get());
    }
  }
  return deps;
}

// Runs backward from `root` with incoming gradient `grad` (defaults to 1 for a scalar root).
void run_backward(const Tensor& root, const Tensor& grad, bool retain_graph) {
  JOULE_CHECK(root.requires_grad(), "backward: this tensor does not require grad and has no "
              "grad_fn (did every input have requires_grad = false, or was it built under "
              "NoGradGuard?)");
  Tensor g = grad;
  if (!g.defined()) {
    JOULE_CHECK(root.numel() == 1, "backward: a gradient can be implied only for a one-element "
                "output; this one has shape ", root.shape(), ", pass backward(gradient)");
    g = Tensor::ones(root.shape(), root.device());
  }
  JOULE_CHECK(g.shape() == root.shape(), "backward: gradient shape ", g.shape(),
              " differs from the output's shape ", root.shape());
  NoGradGuard no_grad;
  const std::shared_ptr<autograd::Node>& top = root.grad_fn();
  if (!top) {
    accumulate_leaf(root.impl(), g);
    autograd::run_post_accumulate_grad_hooks(root.impl_ptr());
    return;
  }
  std::unordered_map<TensorImpl*, int> hooked_leaves;
  auto deps = count_consumers(top.get(), hooked_leaves);
  std::unordered_map<autograd::Node*, Tensor> pending{{top.get(), g}};
  std::vector<std::shared_ptr<autograd::Node>> ready{top};
  Needs needs;
  while (!ready.empty()) {
    std::shared_ptr<autograd::Node> node = std::move(ready.back());
    ready.pop_back();
    JOULE_CHECK(!node->released, "backward: the graph through '", node->name, "' was already "
                "freed by an earlier backward; pass retain_graph = true to the first one");
    Tensor gn = std::move(pending[node.get()]);
    pending.erase(node.get());
    grads out;
    if (gn.defined()) {
      needs.flags.assign(node->next.size(), false);
      for (size_t i = 0; i < node->next.size(); ++i) needs.flags[i] = node->next[i].defined();
      out = node->fn(gn, needs);
      JOULE_CHECK(out.size() == node->next.size(), "backward of '", node->name, "' returned ",
                  out.size(), " gradients for ", node->next.size(), " inputs");
    }
    gn = Tensor();
    for (size_t i = 0; i < node->next.size(); ++i) {
      const autograd::Edge& e = node->next[i];
      Tensor gi = i < out.size() ? std::move(out[i]) : Tensor();
      if (e.node) {
        if (gi.defined()) {
          Tensor& slot = pending[e.node.get()];
          slot = slot.defined() ? add(slot, gi) : std::move(gi);
        }
        if (--deps[e.node.get()] == 0) ready.push_back(e.node);
      } else if (e.leaf) {
        if (gi.defined()) accumulate_leaf(*e.leaf, std::move(gi));
        auto hooked = hooked_leaves.find(e.leaf.get());
        if (hooked != hooked_leaves.end() && --hooked->second == 0 && e.leaf->grad)
          autograd::run_post_accumulate_grad_hooks(e.leaf);
      }
    }
    if (!retain_graph) {
      node->fn = nullptr;
      node->next.clear();
      node->released = true;
    }
  }
}

}  // namespace

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  run_backward(*this, gradient, retain_graph);
}

}  // namespace joule
