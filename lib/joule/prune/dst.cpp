#include "joule/prune/dst.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_set>

#include "joule/autograd/grad_mode.h"

namespace joule::prune {

namespace {

void collect(nn::Module& m, const std::string& prefix,
             std::vector<std::pair<std::string, nn::SparseLinear*>>& out) {
  if (auto* s = dynamic_cast<nn::SparseLinear*>(&m)) out.emplace_back(prefix, s);
  for (auto& [name, child] : m.children())
    collect(*child, prefix.empty() ? name : prefix + "." + name, out);
}

// The k indices of `score` with the smallest values (ties: lower index first), in any order.
std::vector<int64_t> smallest_k(const std::vector<float>& score, int64_t k) {
  std::vector<int64_t> idx(score.size());
  std::iota(idx.begin(), idx.end(), 0);
  auto less = [&](int64_t a, int64_t b) {
    return score[static_cast<size_t>(a)] != score[static_cast<size_t>(b)]
               ? score[static_cast<size_t>(a)] < score[static_cast<size_t>(b)]
               : a < b;
  };
  k = std::clamp<int64_t>(k, 0, static_cast<int64_t>(idx.size()));
  std::nth_element(idx.begin(), idx.begin() + k, idx.end(), less);
  idx.resize(static_cast<size_t>(k));
  return idx;
}

}  // namespace

std::vector<std::pair<std::string, nn::SparseLinear*>> sparse_layers(nn::Module& model) {
  std::vector<std::pair<std::string, nn::SparseLinear*>> out;
  collect(model, "", out);
  return out;
}

int64_t sparse_nnz(nn::Module& model) {
  int64_t n = 0;
  for (auto& [name, layer] : sparse_layers(model)) n += layer->nnz();
  return n;
}

// ---- SET ----------------------------------------------------------------------------------------

SET::SET(nn::Module& model, const SETOptions& o)
    : layers_(sparse_layers(model)), options_(o), gen_(o.seed) {
  JOULE_CHECK(o.zeta >= 0 && o.zeta < 1, "SET: zeta must be in [0, 1), got ", o.zeta);
  JOULE_CHECK(!layers_.empty(), "SET: the model has no SparseLinear layer to evolve");
}

double SET::zeta_at(int64_t epoch, int64_t epochs) const {
  if (epoch <= 1) return 0;
  if (!options_.anneal) return options_.zeta;
  // evolution steps happen after epochs 1, 2, ...: the t-th one at training fraction t/epochs
  const double t = static_cast<double>(epoch - 1), t_end = options_.end_fraction * epochs;
  return t >= t_end ? 0 : options_.zeta / 2 * (1 + std::cos(M_PI * t / t_end));
}

void SET::on_epoch_begin(train::Trainer& trainer, int64_t epoch) {
  const double zeta = zeta_at(epoch, trainer.options().epochs);
  last_rewired_ = zeta > 0 ? evolve(&trainer.optimizer(), zeta) : 0;
}

void SET::on_epoch_end(train::Trainer&, train::EpochRecord& record) {
  record.set("rewired", static_cast<double>(last_rewired_), 0);
}

int64_t SET::evolve(optim::Optimizer* optimizer, double zeta) {
  JOULE_CHECK(zeta >= 0 && zeta < 1, "SET: zeta must be in [0, 1), got ", zeta);
  int64_t total = 0;
  for (auto& [name, layer] : layers_) {
    const sparse::Pattern& p = layer->pattern();
    const int64_t n = p.nnz();
    const std::vector<float> v = layer->values().detach().contiguous().to_vector<float>();
    // Positive weights ascending, negative weights by closeness to zero.
    std::vector<float> pos_score, neg_score;
    std::vector<int64_t> pos_idx, neg_idx;
    for (int64_t k = 0; k < n; ++k) {
      const float w = v[static_cast<size_t>(k)];
      if (w > 0) pos_score.push_back(w), pos_idx.push_back(k);
      else if (w < 0) neg_score.push_back(-w), neg_idx.push_back(k);
    }
    nn::Rewiring change;
    auto take = [&](const std::vector<float>& score, const std::vector<int64_t>& idx) {
      const auto k = static_cast<int64_t>(zeta * static_cast<double>(score.size()));
      for (int64_t i : smallest_k(score, k)) change.drop.push_back(idx[static_cast<size_t>(i)]);
    };
    take(pos_score, pos_idx);
    take(neg_score, neg_idx);
    const auto k = static_cast<int64_t>(change.drop.size());
    const int64_t free = p.rows() * p.cols() - n + k;  // positions a regrown entry may take
    JOULE_CHECK(free >= k, "SET: layer ", name, " has no room to regrow");
    std::unordered_set<int64_t> dropped(change.drop.begin(), change.drop.end()), grown;
    const float bound = static_cast<float>(
        1.0 / std::sqrt(std::max(1.0, static_cast<double>(n) / static_cast<double>(p.rows()))));
    while (static_cast<int64_t>(change.grow.size()) < k) {
      const auto r = static_cast<int64_t>(gen_.below(static_cast<uint64_t>(p.rows())));
      const auto c = static_cast<int64_t>(gen_.below(static_cast<uint64_t>(p.cols())));
      const int64_t at = p.find(r, c);
      if (at >= 0 && !dropped.count(at)) continue;          // still stored
      if (!grown.insert(r * p.cols() + c).second) continue;  // already chosen
      change.grow.push_back({r, c});
      change.grow_values.push_back(options_.regrowth == SetRegrowth::Zero
                                       ? 0.f
                                       : (2.f * gen_.uniform01() - 1.f) * bound);
    }
    layer->rewire(change, optimizer);
    total += k;
  }
  return total;
}

// ---- RigL ---------------------------------------------------------------------------------------

RigL::RigL(nn::Module& model, const RigLOptions& o) : layers_(sparse_layers(model)), options_(o) {
  JOULE_CHECK(o.delta_t > 0, "RigL: delta_t must be > 0, got ", o.delta_t);
  JOULE_CHECK(o.alpha >= 0 && o.alpha < 1, "RigL: alpha must be in [0, 1), got ", o.alpha);
  JOULE_CHECK(o.end_fraction > 0 && o.end_fraction <= 1, "RigL: end_fraction must be in (0, 1], got ",
              o.end_fraction);
  JOULE_CHECK(o.total_steps >= 0, "RigL: total_steps must be >= 0, got ", o.total_steps);
  JOULE_CHECK(!layers_.empty(), "RigL: the model has no SparseLinear layer to rewire");
  total_ = o.total_steps;
}

double RigL::drop_fraction(int64_t step) const {
  const double t_end = options_.end_fraction * static_cast<double>(total_);
  if (total_ <= 0 || static_cast<double>(step) >= t_end) return 0;
  return options_.alpha / 2 * (1 + std::cos(M_PI * static_cast<double>(step) / t_end));
}

void RigL::capture_next() {
  capturing_ = true;
  for (auto& [name, layer] : layers_) layer->capture_dense_grad(true);
}

void RigL::on_batch_end(train::Trainer& trainer, const train::StepInfo& info) {
  if (total_ == 0) total_ = trainer.options().epochs * info.steps_in_epoch;
  ++step_;
  if (step_ % options_.delta_t == 0 && drop_fraction(step_) > 0) capture_next();
}

void RigL::on_after_backward(train::Trainer& trainer, const train::StepInfo&) {
  if (!capturing_) return;
  rewired_in_epoch_ += update(drop_fraction(step_), &trainer.optimizer());
}

void RigL::on_epoch_end(train::Trainer&, train::EpochRecord& record) {
  record.set("rewired", static_cast<double>(rewired_in_epoch_), 0);
  rewired_in_epoch_ = 0;
}

int64_t RigL::update(double fraction, optim::Optimizer* optimizer) {
  int64_t total = 0;
  for (auto& [name, layer] : layers_) {
    const Tensor g = layer->dense_grad();
    JOULE_CHECK(g.defined(), "RigL: layer ", name,
                " has no dense gradient; call capture_next() before its backward");
    const sparse::Pattern& p = layer->pattern();
    const int64_t n = p.nnz(), cols = p.cols();
    const auto k = static_cast<int64_t>(fraction * static_cast<double>(n));
    if (k > 0) {
      const std::vector<float> v = layer->values().detach().contiguous().to_vector<float>();
      std::vector<float> mag(v.size());
      for (size_t i = 0; i < v.size(); ++i) mag[i] = std::fabs(v[i]);
      nn::Rewiring change;
      change.drop = smallest_k(mag, k);
      // Grow score: -|g| at free positions (so "smallest" is the largest gradient); survivors
      // are excluded with +inf.
      const std::vector<float> gd = g.to_vector<float>();  // a host copy wherever g lives
      std::vector<float> score(gd.size());
      for (size_t i = 0; i < score.size(); ++i) score[i] = -std::fabs(gd[i]);
      std::vector<char> dropped(static_cast<size_t>(n), 0);
      for (int64_t d : change.drop) dropped[static_cast<size_t>(d)] = 1;
      const std::vector<int64_t> rows = p.entry_rows();
      for (int64_t e = 0; e < n; ++e)
        if (!dropped[static_cast<size_t>(e)])
          score[static_cast<size_t>(rows[static_cast<size_t>(e)] * cols + p.col()[e])] = INFINITY;
      for (int64_t pos : smallest_k(score, k)) change.grow.push_back({pos / cols, pos % cols});
      change.grow_values.assign(static_cast<size_t>(k), 0.f);
      layer->rewire(change, optimizer);
      total += k;
    }
    layer->capture_dense_grad(false);
  }
  capturing_ = false;
  return total;
}

}  // namespace joule::prune
