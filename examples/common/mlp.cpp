#include "common/mlp.h"

#include "joule/nn/activation.h"
#include "joule/nn/linear.h"
#include "joule/prune/mask.h"
#include "joule/sparse/sparse_linear.h"

namespace joule::examples {

std::shared_ptr<nn::Sequential> make_mlp(int64_t in, const std::vector<int64_t>& hidden,
                                         int64_t out, Generator& gen, std::string* arch) {
  auto model = std::make_shared<nn::Sequential>();
  std::string widths = std::to_string(in);
  for (int64_t h : hidden) {
    model->push_back(std::make_shared<nn::Linear>(in, h, gen));
    model->push_back(std::make_shared<nn::ReLU>());
    in = h;
    widths.append(1, '-').append(std::to_string(h));
  }
  model->push_back(std::make_shared<nn::Linear>(in, out, gen));
  widths.append(1, '-').append(std::to_string(out));
  if (arch) *arch = widths;
  return model;
}

std::shared_ptr<nn::Sequential> make_sparse_mlp(int64_t in, const std::vector<int64_t>& hidden,
                                                int64_t out, const std::vector<double>& densities,
                                                Generator& gen, std::string* arch,
                                                bool sparse_when_full) {
  JOULE_CHECK(densities.size() == hidden.size() + 1, "make_sparse_mlp: ", hidden.size() + 1,
              " layers but ", densities.size(), " densities");
  auto model = std::make_shared<nn::Sequential>();
  std::string widths = std::to_string(in);
  std::vector<int64_t> sizes = hidden;
  sizes.push_back(out);
  for (size_t l = 0; l < sizes.size(); ++l) {
    const int64_t o = sizes[l];
    if (densities[l] >= 1 && !sparse_when_full) model->push_back(std::make_shared<nn::Linear>(in, o, gen));
    else
      model->push_back(std::make_shared<nn::SparseLinear>(
          nn::SparseLinearOptions{.in = in, .out = o, .density = densities[l]}, gen));
    if (l + 1 < sizes.size()) model->push_back(std::make_shared<nn::ReLU>());
    in = o;
    widths.append(1, '-').append(std::to_string(o));
  }
  if (arch) *arch = widths;
  return model;
}

std::vector<std::vector<int64_t>> mlp_weight_shapes(int64_t in, const std::vector<int64_t>& hidden,
                                                    int64_t out) {
  std::vector<std::vector<int64_t>> shapes;
  for (int64_t h : hidden) shapes.push_back({h, in}), in = h;
  shapes.push_back({out, in});
  return shapes;
}

namespace {

template <class F>
void for_each_layer(nn::Module& m, F f) {
  f(m);
  for (auto& [name, child] : m.children()) for_each_layer(*child, f);
}

}  // namespace

int64_t weight_nnz(nn::Module& model) {
  int64_t n = 0;
  for_each_layer(model, [&](nn::Module& m) {
    if (auto* s = dynamic_cast<nn::SparseLinear*>(&m)) n += s->nnz();
    if (auto* l = dynamic_cast<nn::Linear*>(&m)) {
      const Tensor mask = prune::mask_of(*l, "weight");
      n += mask.defined() ? prune::nnz(mask) : l->weight().numel();
    }
  });
  return n;
}

int64_t dense_weight_count(nn::Module& model) {
  int64_t n = 0;
  for_each_layer(model, [&](nn::Module& m) {
    if (auto* s = dynamic_cast<nn::SparseLinear*>(&m)) n += s->in_features() * s->out_features();
    if (auto* l = dynamic_cast<nn::Linear*>(&m)) n += l->weight().numel();
  });
  return n;
}

}  // namespace joule::examples
