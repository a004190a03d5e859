#include "joule/deploy/thin.h"

#include <cmath>
#include <optional>
#include <sstream>

#include "joule/autograd/grad_mode.h"
#include "joule/core/check.h"
#include "joule/nn/activation.h"
#include "joule/nn/conv.h"
#include "joule/nn/dropout.h"
#include "joule/nn/linear.h"
#include "joule/nn/norm.h"
#include "joule/nn/pool.h"
#include "joule/prune/mask.h"

namespace joule::deploy {
namespace {

enum class Kind { Linear, Conv, Norm, Pass };

// One layer of the model being thinned, its tensors on the host with the masks applied.
struct Item {
  size_t index = 0;  // in the source model
  Kind kind = Kind::Pass;
  std::shared_ptr<nn::Module> src;
  // Linear / Conv2d: weight (out, in, k), k = kernel height * width (1 for a Linear); b is empty
  // when the layer has no bias.
  int64_t out = 0, in = 0, k = 1;
  std::vector<float> w, b;
  // BatchNorm in eval mode: y = (x - mean) / sqrt(var + eps) * gamma + beta, per feature.
  std::vector<float> gamma, beta, mean, var;
  double eps = 0;
  bool folded = false;  // a BatchNorm folded into the layer before it: left out of the result
};

std::string type_of(const nn::Module& m) {
  const std::string r = m.repr();
  return r.substr(0, r.find('('));
}

std::vector<float> host(const Tensor& t) {
  return t.to(Device::cpu()).contiguous().to_vector<float>();
}

// The values of parameter `name` times its mask, if it has one.
std::vector<float> masked(const nn::Module& model, const std::string& name, const Tensor& t) {
  std::vector<float> v = host(t);
  const Tensor mask = prune::mask_of(model, name);
  if (mask.defined()) {
    const std::vector<float> m = host(mask);
    for (size_t i = 0; i < v.size(); ++i) v[i] *= m[i];
  }
  return v;
}

bool is_pass(const nn::Module& m) {
  return dynamic_cast<const nn::ReLU*>(&m) || dynamic_cast<const nn::Tanh*>(&m) ||
         dynamic_cast<const nn::Sigmoid*>(&m) || dynamic_cast<const nn::GELU*>(&m) ||
         dynamic_cast<const nn::Softmax*>(&m) || dynamic_cast<const nn::MaxPool2d*>(&m) ||
         dynamic_cast<const nn::AvgPool2d*>(&m) || dynamic_cast<const nn::GlobalAvgPool2d*>(&m) ||
         dynamic_cast<const nn::Dropout*>(&m) || dynamic_cast<const nn::Flatten*>(&m) ||
         dynamic_cast<const nn::Unflatten*>(&m);
}

Item read_item(const nn::Sequential& model, size_t i) {
  Item it;
  it.index = i;
  it.src = model[i];
  const nn::Module& m = *it.src;
  const std::string p = std::to_string(i) + ".";
  if (const auto* l = dynamic_cast<const nn::Linear*>(&m)) {
    it.kind = Kind::Linear;
    it.out = l->options().out;
    it.in = l->options().in;
    it.w = masked(model, p + "weight", l->weight());
    if (l->options().bias) it.b = masked(model, p + "bias", l->bias());
  } else if (const auto* c = dynamic_cast<const nn::Conv2d*>(&m)) {
    it.kind = Kind::Conv;
    const Shape& s = c->weight().shape();
    it.out = s[0];
    it.in = s[1];
    it.k = s[2] * s[3];
    it.w = masked(model, p + "weight", c->weight());
    if (c->options().bias) it.b = masked(model, p + "bias", c->bias());
  } else if (const auto* n = dynamic_cast<const nn::BatchNorm*>(&m)) {
    JOULE_CHECK(n->options().track_running_stats, "deploy::thin: layer ", i, " (", m.repr(),
                ") keeps no running statistics, so its eval output depends on the batch");
    it.kind = Kind::Norm;
    const auto f = static_cast<size_t>(n->features());
    it.gamma = n->options().affine ? masked(model, p + "weight", n->weight())
                                   : std::vector<float>(f, 1.f);
    it.beta = n->options().affine ? masked(model, p + "bias", n->bias())
                                  : std::vector<float>(f, 0.f);
    it.mean = host(n->running_mean());
    it.var = host(n->running_var());
    it.eps = n->options().eps;
  } else {
    JOULE_CHECK(is_pass(m), "deploy::thin: layer ", i, " (", m.repr(), ") is not supported; "
                "thin takes Linear, Conv2d, BatchNorm1d/2d, ReLU, Tanh, Sigmoid, GELU, Softmax, "
                "MaxPool2d, AvgPool2d, GlobalAvgPool2d, Dropout, Flatten and Unflatten");
  }
  return it;
}

// Folds BatchNorm `n` (eval mode) into the Linear / Conv2d `l` before it: w' = w s, b' = (b - mean)
// s + beta with s = gamma / sqrt(var + eps).
void fold_norm(Item& l, Item& n) {
  JOULE_CHECK(static_cast<int64_t>(n.gamma.size()) == l.out, "deploy::thin: layer ", n.index,
              " (", n.src->repr(), ") normalizes ", n.gamma.size(), " features but layer ",
              l.index, " (", l.src->repr(), ") gives ", l.out);
  if (l.b.empty()) l.b.assign(static_cast<size_t>(l.out), 0.f);
  nn::fold_batchnorm(l.w.data(), l.b.data(), l.out, l.in * l.k, n.gamma.data(), n.beta.data(),
                     n.mean.data(), n.var.data(), n.eps);
  n.folded = true;
}

// What the layers between a producer and the next Linear / Conv2d do to its units.
struct Path {
  bool ok = true;             // units map one to one (or, after Flatten, to blocks of columns)
  bool flattened = false;     // a Flatten lies on the path
  bool global_pool = false;   // a GlobalAvgPool2d lies on the path: (N, C, H, W) -> (N, C)
  bool spatial_pool = false;  // a MaxPool2d or AvgPool2d lies on the path (acts on H and W)
  std::vector<Item*> layers;
};

Path path_between(std::vector<Item>& items, size_t p, size_t q) {
  Path path;
  for (size_t t = p + 1; t < q; ++t) {
    Item& it = items[t];
    if (it.folded) continue;
    path.layers.push_back(&it);
    const nn::Module& m = *it.src;
    if (it.kind == Kind::Norm) {
      if (path.flattened || static_cast<int64_t>(it.gamma.size()) != items[p].out) path.ok = false;
    } else if (dynamic_cast<const nn::Flatten*>(&m)) {
      path.flattened = true;
    } else if (dynamic_cast<const nn::GlobalAvgPool2d*>(&m)) {
      path.global_pool = true;
    } else if (dynamic_cast<const nn::MaxPool2d*>(&m) || dynamic_cast<const nn::AvgPool2d*>(&m)) {
      path.spatial_pool = true;
    } else if (dynamic_cast<const nn::Unflatten*>(&m) || dynamic_cast<const nn::Softmax*>(&m)) {
      path.ok = false;  // units are reshaped or mixed
    }
  }
  return path;
}

// The output of path layer `it` for unit `j` when its input is the constant `c` everywhere, or
// nothing when the output is no longer one constant (padding that counts as zeros).
std::optional<float> through(const Item& it, size_t j, float c) {
  const nn::Module& m = *it.src;
  if (it.kind == Kind::Norm) {
    const double s = it.gamma[j] / std::sqrt(static_cast<double>(it.var[j]) + it.eps);
    return static_cast<float>((static_cast<double>(c) - it.mean[j]) * s + it.beta[j]);
  }
  if (const auto* a = dynamic_cast<const nn::AvgPool2d*>(&m)) {
    if (a->options().padding == Size2(0) || c == 0.f) return c;
    return std::nullopt;
  }
  if (dynamic_cast<const nn::ReLU*>(&m) || dynamic_cast<const nn::Tanh*>(&m) ||
      dynamic_cast<const nn::Sigmoid*>(&m) || dynamic_cast<const nn::GELU*>(&m)) {
    NoGradGuard no_grad;
    return it.src->forward(Tensor::full(Shape{1, 1}, c)).item();  // the layer's own arithmetic
  }
  return c;  // MaxPool2d (padding never wins), GlobalAvgPool2d, Dropout (eval), Flatten
}

// Removes the dead units of producer items[p] whose outputs reach the next producer items[q]
// as zero or as a constant that folds exactly into q's bias; returns the report line or "".
std::string thin_between(std::vector<Item>& items, size_t p, size_t q) {
  Item& a = items[p];
  Item& b = items[q];
  Path path = path_between(items, p, q);
  if (!path.ok) return "";
  const auto* ca = dynamic_cast<const nn::Conv2d*>(a.src.get());
  const auto* cb = dynamic_cast<const nn::Conv2d*>(b.src.get());
  if ((ca && ca->options().groups != 1) || (cb && cb->options().groups != 1)) return "";
  // Which of b's inputs each unit of a feeds. A Linear acts on the last dimension, so:
  // - Linear -> Conv2d: a Linear's outputs become a Conv2d's channels only through an Unflatten,
  //   which path_between refuses; never thinned.
  // - Conv2d -> Linear: a channel reaches the Linear only through a Flatten (a block of H * W
  //   columns per channel) or a GlobalAvgPool2d (one column per channel, b.in == a.out). With
  //   neither, the Linear reads the image width and the channels stay whole.
  // - Linear -> Linear: one column per unit (b.in == a.out), and no pooling over the units.
  if (!ca && cb) return "";
  if (cb && (path.flattened || b.in != a.out)) return "";
  if (ca && !cb) {
    if (!path.flattened && !path.global_pool) return "";
    if (b.in % a.out != 0 || (path.global_pool && b.in != a.out)) return "";
  }
  if (!ca && !cb && (b.in != a.out || path.global_pool || path.spatial_pool)) return "";
  const int64_t block = cb ? 1 : b.in / a.out;  // columns of b per unit of a
  const bool b_exact = !cb || cb->options().padding == Size2(0);

  const int64_t row = a.in * a.k;
  std::vector<bool> keep(static_cast<size_t>(a.out), true);
  std::vector<double> shift(static_cast<size_t>(b.out), 0.0);  // added to b's bias
  int64_t folded = 0;
  for (int64_t j = 0; j < a.out; ++j) {
    const auto u = static_cast<size_t>(j);
    bool dead = true;
    for (int64_t e = 0; e < row && dead; ++e) dead = a.w[static_cast<size_t>(j * row + e)] == 0.f;
    if (!dead) continue;
    std::optional<float> c = a.b.empty() ? 0.f : a.b[u];
    for (const Item* it : path.layers) {
      if (!c) break;
      c = through(*it, u, *c);
    }
    if (!c || (*c != 0.f && !b_exact)) continue;
    keep[u] = false;
    if (*c == 0.f) continue;
    ++folded;
    const int64_t width = b.in * b.k;  // a row of b's weight
    for (int64_t o = 0; o < b.out; ++o)
      for (int64_t e = j * block * b.k; e < (j + 1) * block * b.k; ++e)
        shift[static_cast<size_t>(o)] += static_cast<double>(*c) * b.w[o * width + e];
  }
  int64_t kept = 0;
  for (bool k : keep) kept += k;
  if (kept == a.out) return "";
  const char* unit = ca ? "channels" : "outputs";
  JOULE_CHECK(kept > 0, "deploy::thin: every one of the ", a.out, " ", unit, " of layer ",
              a.index, " (", a.src->repr(), ") is pruned; a layer of width 0 is refused (prune "
              "less, or remove the layer)");

  // a: keep its rows. The path's BatchNorms: keep their entries. b: keep its columns.
  std::vector<float> w, bias;
  for (int64_t j = 0; j < a.out; ++j) {
    if (!keep[static_cast<size_t>(j)]) continue;
    w.insert(w.end(), a.w.begin() + j * row, a.w.begin() + (j + 1) * row);
    if (!a.b.empty()) bias.push_back(a.b[static_cast<size_t>(j)]);
  }
  a.w = std::move(w);
  a.b = std::move(bias);
  a.out = kept;
  for (Item* it : path.layers) {
    if (it->kind != Kind::Norm) continue;
    for (auto* v : {&it->gamma, &it->beta, &it->mean, &it->var}) {
      std::vector<float> s;
      for (size_t j = 0; j < keep.size(); ++j)
        if (keep[j]) s.push_back((*v)[j]);
      *v = std::move(s);
    }
  }
  std::vector<float> bw;
  const int64_t width = b.in * b.k;
  for (int64_t o = 0; o < b.out; ++o)
    for (int64_t j = 0; j < static_cast<int64_t>(keep.size()); ++j)
      if (keep[static_cast<size_t>(j)])
        bw.insert(bw.end(), b.w.begin() + o * width + j * block * b.k,
                  b.w.begin() + o * width + (j + 1) * block * b.k);
  b.w = std::move(bw);
  b.in = kept * block;
  if (folded > 0) {
    if (b.b.empty()) b.b.assign(static_cast<size_t>(b.out), 0.f);
    for (size_t o = 0; o < b.b.size(); ++o)
      b.b[o] = static_cast<float>(static_cast<double>(b.b[o]) + shift[o]);
  }
  std::ostringstream line;
  line << a.index << " " << type_of(*a.src) << ": " << keep.size() << " -> " << kept << " "
       << unit;
  if (folded > 0)
    line << " (" << folded << " constant " << (folded == 1 ? "output" : "outputs")
         << " folded into layer " << b.index << "'s bias)";
  return line.str();
}

Tensor tensor_of(const std::vector<float>& v, const Shape& shape) {
  return Tensor::from_vector(v, shape);
}

std::shared_ptr<nn::Module> build(const Item& it, Generator& gen) {
  const nn::Module& m = *it.src;
  if (it.kind == Kind::Linear) {
    const bool bias = !it.b.empty();
    auto l = std::make_shared<nn::Linear>(nn::LinearOptions{it.in, it.out, bias}, gen);
    l->weight().copy_(tensor_of(it.w, Shape{it.out, it.in}));
    if (bias) l->bias().copy_(tensor_of(it.b, Shape{it.out}));
    return l;
  }
  if (it.kind == Kind::Conv) {
    const auto& src = static_cast<const nn::Conv2d&>(m);
    nn::Conv2dOptions o = src.options();
    o.in = it.in * o.groups;
    o.out = it.out;
    o.bias = !it.b.empty();
    auto c = std::make_shared<nn::Conv2d>(o, gen);
    const Shape& s = src.weight().shape();
    c->weight().copy_(tensor_of(it.w, Shape{it.out, it.in, s[2], s[3]}));
    if (o.bias) c->bias().copy_(tensor_of(it.b, Shape{it.out}));
    return c;
  }
  if (it.kind == Kind::Norm) {
    const auto& src = static_cast<const nn::BatchNorm&>(m);
    const auto f = static_cast<int64_t>(it.gamma.size());
    std::shared_ptr<nn::BatchNorm> n;
    if (dynamic_cast<const nn::BatchNorm1d*>(&m))
      n = std::make_shared<nn::BatchNorm1d>(f, src.options());
    else
      n = std::make_shared<nn::BatchNorm2d>(f, src.options());
    if (src.options().affine) {
      n->weight().copy_(tensor_of(it.gamma, Shape{f}));
      n->bias().copy_(tensor_of(it.beta, Shape{f}));
    }
    n->running_mean().copy_(tensor_of(it.mean, Shape{f}));
    n->running_var().copy_(tensor_of(it.var, Shape{f}));
    n->num_batches_tracked().copy_(src.num_batches_tracked().to(Device::cpu()));
    return n;
  }
  if (dynamic_cast<const nn::ReLU*>(&m)) return std::make_shared<nn::ReLU>();
  if (dynamic_cast<const nn::Tanh*>(&m)) return std::make_shared<nn::Tanh>();
  if (dynamic_cast<const nn::Sigmoid*>(&m)) return std::make_shared<nn::Sigmoid>();
  if (dynamic_cast<const nn::GELU*>(&m)) return std::make_shared<nn::GELU>();
  if (dynamic_cast<const nn::Softmax*>(&m)) return std::make_shared<nn::Softmax>();
  if (dynamic_cast<const nn::Flatten*>(&m)) return std::make_shared<nn::Flatten>();
  if (dynamic_cast<const nn::GlobalAvgPool2d*>(&m)) return std::make_shared<nn::GlobalAvgPool2d>();
  if (const auto* p = dynamic_cast<const nn::MaxPool2d*>(&m))
    return std::make_shared<nn::MaxPool2d>(p->options());
  if (const auto* p = dynamic_cast<const nn::AvgPool2d*>(&m))
    return std::make_shared<nn::AvgPool2d>(p->options());
  if (const auto* d = dynamic_cast<const nn::Dropout*>(&m)) {
    auto out = std::make_shared<nn::Dropout>(d->p());
    out->generator().set_state(d->generator().state());
    return out;
  }
  const auto& u = static_cast<const nn::Unflatten&>(m);  // the last kind is_pass() accepts
  return std::make_shared<nn::Unflatten>(u.dim(), u.sizes());
}

Device device_of(const nn::Module& model) {
  const nn::NamedTensors state = model.state();
  return state.empty() ? Device::cpu() : state.front().second.device();
}

}  // namespace

std::shared_ptr<nn::Sequential> thin(nn::Sequential& model, const ThinOptions& options,
                                     ThinReport* report) {
  std::vector<Item> items;
  for (size_t i = 0; i < model.size(); ++i) items.push_back(read_item(model, i));
  std::vector<std::string> lines;
  if (options.fold_batchnorm) {
    for (size_t i = 0; i + 1 < items.size(); ++i) {
      Item& l = items[i];
      Item& n = items[i + 1];
      const bool conv_bn = l.kind == Kind::Conv && dynamic_cast<nn::BatchNorm2d*>(n.src.get());
      const bool lin_bn = l.kind == Kind::Linear && dynamic_cast<nn::BatchNorm1d*>(n.src.get());
      if (!conv_bn && !lin_bn) continue;
      fold_norm(l, n);
      lines.push_back(std::to_string(n.index) + " " + type_of(*n.src) + ": folded into layer " +
                      std::to_string(l.index) + " (" + type_of(*l.src) + ")");
    }
  }
  std::vector<size_t> producers;
  for (size_t i = 0; i < items.size(); ++i)
    if (items[i].kind == Kind::Linear || items[i].kind == Kind::Conv) producers.push_back(i);
  for (size_t k = 0; k + 1 < producers.size(); ++k) {
    std::string line = thin_between(items, producers[k], producers[k + 1]);
    if (!line.empty()) lines.push_back(std::move(line));
  }

  Generator gen(0);
  auto out = std::make_shared<nn::Sequential>();
  for (const Item& it : items)
    if (!it.folded) out->push_back(build(it, gen));
  out->to(device_of(model));
  out->eval();
  if (report) {
    report->params_before = model.num_parameters();
    report->params_after = out->num_parameters();
    report->lines = std::move(lines);
  }
  return out;
}

}  // namespace joule::deploy
