// Graph recording: the one entry ops/ use to connect an output to its inputs (node.h).
#include "joule/autograd/grad_mode.h"
#include "joule/autograd/node.h"

namespace joule {

bool any_requires_grad(std::initializer_list<Tensor> inputs) {
  if (!grad_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

Tensor record(const char* name, Tensor out, std::initializer_list<Tensor> inputs, BackwardFn fn) {
  if (!any_requires_grad(inputs)) return out;
  auto node = std::make_shared<autograd::Node>();
  node->name = name;
  node->fn = std::move(fn);
  node->next.reserve(inputs.size());
  for (const Tensor& t : inputs) {
    autograd::Edge e;
    if (t.defined() && t.requires_grad()) {
      if (t.grad_fn()) e.node = t.grad_fn();
      else e.leaf = t.impl_ptr();
    }
    node->next.push_back(std::move(e));
  }
  out.impl().grad_fn = std::move(node);
  out.impl().requires_grad = true;
  return out;
}

}  // namespace joule
