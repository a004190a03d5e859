// prune_channels: structured channel / neuron pruning for thin() (declared in thin.h).
#include <cmath>
#include <functional>

#include "joule/core/check.h"
#include "joule/deploy/thin.h"
#include "joule/nn/conv.h"
#include "joule/nn/linear.h"
#include "joule/nn/norm.h"
#include "joule/prune/mask.h"
#include "joule/prune/structured.h"

namespace joule::deploy {
namespace {

bool is_producer(const nn::Module& m) {
  return dynamic_cast<const nn::Linear*>(&m) || dynamic_cast<const nn::Conv2d*>(&m);
}

bool has_bias(const nn::Module& m) {
  if (const auto* l = dynamic_cast<const nn::Linear*>(&m)) return l->options().bias;
  return static_cast<const nn::Conv2d&>(m).options().bias;
}

// Indices of the layers prune_channels prunes.
std::vector<size_t> channel_layers(const nn::Sequential& model, bool linear_too) {
  std::vector<size_t> out;
  for (size_t i = 0; i < model.size(); ++i) {
    const nn::Module& m = *model[i];
    if (dynamic_cast<const nn::Conv2d*>(&m) || (linear_too && dynamic_cast<const nn::Linear*>(&m)))
      out.push_back(i);
  }
  // The last Linear / Conv2d gives the model's outputs: never pruned.
  for (size_t i = model.size(); i-- > 0;) {
    if (!is_producer(*model[i])) continue;
    if (!out.empty() && out.back() == i) out.pop_back();
    break;
  }
  return out;
}

// 1 for each output unit of weight `name` with any unpruned entry, 0 for the pruned ones.
std::vector<float> alive_units(const nn::Module& model, const std::string& name, int64_t units) {
  std::vector<float> alive(static_cast<size_t>(units), 1.f);
  const Tensor mask = prune::mask_of(model, name);
  if (!mask.defined()) return alive;
  const std::vector<float> m = mask.to(Device::cpu()).contiguous().to_vector<float>();
  const size_t row = m.size() / alive.size();
  for (size_t j = 0; j < alive.size(); ++j) {
    bool any = false;
    for (size_t e = 0; e < row && !any; ++e) any = m[j * row + e] != 0.f;
    alive[j] = any ? 1.f : 0.f;
  }
  return alive;
}

}  // namespace

std::vector<std::string> channel_prunable(const nn::Sequential& model, bool linear_too) {
  std::vector<std::string> names;
  for (size_t i : channel_layers(model, linear_too)) names.push_back(std::to_string(i) + ".weight");
  return names;
}

void prune_channels(nn::Sequential& model, double sparsity, bool linear_too) {
  JOULE_CHECK(sparsity >= 0 && sparsity < 1, "deploy::prune_channels: sparsity ", sparsity,
              " must be in [0, 1) (1 would leave a layer no channel)");
  for (size_t i : channel_layers(model, linear_too)) {
    const std::string name = std::to_string(i) + ".weight";
    const int64_t units = model.parameter(name).size(0);
    std::vector<float> alive = alive_units(model, name, units);
    int64_t pruned = 0;
    for (float a : alive) pruned += a == 0.f;
    const auto target = static_cast<int64_t>(std::nearbyint(sparsity * static_cast<double>(units)));
    if (target > pruned) {
      prune::ln_structured(model, name, target - pruned, 2, 0);
      alive = alive_units(model, name, units);
    }
    // The bias of a pruned unit, and the BatchNorm entries after it, so its output is exactly 0.
    const Tensor keep = Tensor::from_vector(alive, Shape{units});
    if (has_bias(*model[i])) prune::custom_from_mask(model, std::to_string(i) + ".bias", keep);
    for (size_t t = i + 1; t < model.size() && !is_producer(*model[t]); ++t) {
      const auto* n = dynamic_cast<const nn::BatchNorm*>(model[t].get());
      if (!n || !n->options().affine || n->features() != units) continue;
      prune::custom_from_mask(model, std::to_string(t) + ".weight", keep);
      prune::custom_from_mask(model, std::to_string(t) + ".bias", keep);
    }
  }
}

std::function<void(nn::Module&, double)> channel_pruning(bool linear_too) {
  return [linear_too](nn::Module& model, double sparsity) {
    auto* seq = dynamic_cast<nn::Sequential*>(&model);
    JOULE_CHECK(seq != nullptr, "deploy::channel_pruning: the model (", model.repr(),
                ") is not an nn::Sequential");
    prune_channels(*seq, sparsity, linear_too);
  };
}

}  // namespace joule::deploy
