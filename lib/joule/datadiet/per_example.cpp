#include "joule/datadiet/per_example.h"

#include <cmath>
#include <memory>

#include "joule/nn/linear.h"
#include "joule/ops/softmax.h"

namespace joule::datadiet {

namespace {

// x (B, ...) on any device -> B sums of squares, one per row
std::vector<double> row_sum_squares(const Tensor& x) {
  Tensor h = x.detach().contiguous();
  if (!h.device().is_cpu()) h = h.to(Device::cpu());
  const int64_t rows = h.size(0), cols = rows ? h.numel() / rows : 0;
  const float* p = h.data<float>();
  std::vector<double> out(static_cast<size_t>(rows), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    double s = 0;
    for (int64_t c = 0; c < cols; ++c) s += static_cast<double>(p[r * cols + c]) * p[r * cols + c];
    out[static_cast<size_t>(r)] = s;
  }
  return out;
}

}  // namespace

Tensor error_vectors(const Tensor& logits, const Tensor& labels) {
  JOULE_CHECK(logits.defined() && logits.dim() == 2, "error_vectors: logits must be (B, C), got ",
              logits.defined() ? logits.str() : std::string("an undefined tensor"));
  JOULE_CHECK(labels.defined() && labels.dim() == 1 && labels.size(0) == logits.size(0),
              "error_vectors: labels must be (", logits.size(0), ") int64, got ",
              labels.defined() ? labels.str() : std::string("an undefined tensor"));
  Tensor p = softmax(logits.detach());
  if (!p.device().is_cpu()) p = p.to(Device::cpu());
  p = p.contiguous().clone();
  Tensor y = labels.device().is_cpu() ? labels.contiguous() : labels.to(Device::cpu());
  const int64_t B = p.size(0), C = p.size(1);
  float* e = p.data<float>();
  const int64_t* t = y.data<int64_t>();
  for (int64_t i = 0; i < B; ++i) {
    JOULE_CHECK(t[i] >= 0 && t[i] < C, "error_vectors: label ", t[i], " of row ", i,
                " is outside [0, ", C, ")");
    e[i * C + t[i]] -= 1.f;
  }
  return p;
}

std::vector<float> el2n(const Tensor& logits, const Tensor& labels) {
  const std::vector<double> sq = row_sum_squares(error_vectors(logits, labels));
  std::vector<float> out(sq.size());
  for (size_t i = 0; i < sq.size(); ++i) out[i] = static_cast<float>(std::sqrt(sq[i]));
  return out;
}

std::vector<float> grand_norms(nn::Sequential& model, const Tensor& x, const Tensor& labels) {
  const size_t L = model.size();
  size_t first_linear = L;
  for (size_t i = 0; i < L && first_linear == L; ++i)
    if (dynamic_cast<nn::Linear*>(model[i].get())) first_linear = i;
  JOULE_CHECK(first_linear < L, "grand_norms: the model has no Linear layer (of ", L,
              " layers); GraNd here sums the Linear layers' per-example gradients");
  // The graph is recorded one child at a time: the input of every child after the first Linear
  // is a leaf that requires grad, so backward through child i hands child i-1 its output's grad.
  std::vector<Tensor> inputs(L), outputs(L);
  Tensor a = x;
  for (size_t i = 0; i < L; ++i) {
    Tensor in = a.detach();
    if (i > first_linear) in.set_requires_grad(true);
    inputs[i] = in;
    outputs[i] = model[i]->forward(in);
    a = outputs[i];
  }
  Tensor g = error_vectors(a, labels).to(a.device());
  std::vector<double> total(static_cast<size_t>(x.size(0)), 0.0);
  for (size_t i = L; i-- > first_linear;) {
    if (auto* lin = dynamic_cast<nn::Linear*>(model[i].get())) {
      JOULE_CHECK(inputs[i].dim() == 2, "grand_norms: layer ", i, " (Linear) takes ",
                  inputs[i].shape(), "; per-example norms need (B, in)");
      const std::vector<double> gy = row_sum_squares(g), xx = row_sum_squares(inputs[i]);
      const double bias = lin->bias().defined() ? 1.0 : 0.0;
      for (size_t r = 0; r < total.size(); ++r) total[r] += gy[r] * (xx[r] + bias);
    }
    if (i == first_linear) break;
    outputs[i].backward(g);
    g = inputs[i].grad();
    JOULE_CHECK(g.defined(), "grand_norms: no gradient reached the input of layer ", i);
  }
  std::vector<float> out(total.size());
  for (size_t r = 0; r < total.size(); ++r) out[r] = static_cast<float>(std::sqrt(total[r]));
  return out;
}

}  // namespace joule::datadiet
