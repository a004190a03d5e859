// The autograd graph, as ops/ record it. Each op that has an input requiring grad records a
// Node holding its backward function. Running the graph is the backward engine's work
// (backward/engine.cpp, above ops/): Tensor::backward walks the nodes in reverse topological
// order and frees them.
#pragma once

#include <array>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "joule/core/tensor.h"

namespace joule {

// The gradients an op's backward returns, one per input (undefined where not needed).
using grads = std::vector<Tensor>;

// needs[i] is true when input i wants a gradient; backward functions skip the others.
struct Needs {
  std::vector<bool> flags;
  bool operator[](size_t i) const { return i < flags.size() && flags[i]; }
};

using BackwardFn = std::function<grads(const Tensor& grad_out, const Needs& needs)>;

namespace autograd {

struct Edge {
  std::shared_ptr<Node> node;          // the input's grad_fn, or
  std::shared_ptr<TensorImpl> leaf;    // the leaf tensor whose .grad accumulates
  bool defined() const { return node || leaf; }
};

struct Node {
  std::string name;   // the op, for error messages ("linear", "relu", ...)
  std::vector<Edge> next;
  BackwardFn fn;
  bool released = false;
};

}  // namespace autograd

// Connects `out` to `inputs` with `fn` when grad mode is on and some input requires grad;
// otherwise returns `out` untouched. Saved tensors the closure needs should be captured
// detached (or as inputs) so that no reference cycle through `out` forms.
Tensor record(const char* name, Tensor out, std::initializer_list<Tensor> inputs, BackwardFn fn);

// True when grad mode is on and any of the tensors requires grad.
bool any_requires_grad(std::initializer_list<Tensor> inputs);

}  // namespace joule
