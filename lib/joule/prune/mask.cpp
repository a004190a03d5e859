#include "joule/prune/mask.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "joule/autograd/grad_mode.h"
#include "joule/ops/elementwise.h"
#include "joule/prune/mask_util.h"

namespace joule::prune {

// ---- Amount ------------------------------------------------------------------------------------

int64_t Amount::count_of(int64_t remaining, const char* op, const std::string& name,
                         const char* unit) const {
  if (is_count_) {
    JOULE_CHECK(count_ >= 0, op, ": '", name, "': amount ", count_, " (a count) is negative");
    JOULE_CHECK(count_ <= remaining, op, ": '", name, "': amount ", count_,
                " (a count) exceeds the ", remaining, " unpruned ", unit);
    return count_;
  }
  JOULE_CHECK(std::isfinite(fraction_) && fraction_ >= 0 && fraction_ <= 1, op, ": '", name,
              "': amount ", fraction_, " is not a fraction in [0, 1] (or an integer count)");
  // Python's round(): half to even, which nearbyint does in the default rounding mode.
  return static_cast<int64_t>(std::nearbyint(fraction_ * static_cast<double>(remaining)));
}

std::string Amount::str() const {
  std::ostringstream os;
  if (is_count_) os << count_ << " (a count)";
  else os << fraction_;
  return os.str();
}

// ---- helpers -----------------------------------------------------------------------------------

namespace detail {

Tensor parameter(const nn::Module& model, const std::string& name, const char* op) {
  std::string known;
  for (const auto& [n, t] : model.named_parameters()) {
    if (n == name) {
      JOULE_CHECK(t.dtype() == DType::Float32 && t.numel() > 0, op, ": '", name,
                  "' cannot be pruned: ", t.str());
      return t;
    }
    known += (known.empty() ? "" : ", ") + n;
  }
  JOULE_CHECK(false, op, ": no parameter named '", name, "'; parameters: ", known);
  return Tensor();
}

HostParam host_param(const nn::Module& model, const std::string& name, const char* op) {
  HostParam h;
  h.name = name;
  h.param = parameter(model, name, op);
  h.values = h.param.to_vector<float>();
  const Tensor mask = mask_of(model, name);
  h.mask = mask.defined() ? mask.to_vector<float>() : std::vector<float>(h.values.size(), 1.f);
  return h;
}

std::vector<int64_t> smallest_alive(const std::vector<double>& score,
                                    const std::vector<float>& alive, int64_t k) {
  std::vector<int64_t> idx;
  for (size_t i = 0; i < score.size(); ++i)
    if (alive[i] != 0.f) idx.push_back(static_cast<int64_t>(i));
  if (k <= 0) return {};
  if (k >= static_cast<int64_t>(idx.size())) return idx;
  auto less = [&](int64_t a, int64_t b) {
    const double sa = score[static_cast<size_t>(a)], sb = score[static_cast<size_t>(b)];
    return sa < sb || (sa == sb && a < b);
  };
  std::nth_element(idx.begin(), idx.begin() + k, idx.end(), less);
  idx.resize(static_cast<size_t>(k));
  std::sort(idx.begin(), idx.end());
  return idx;
}

int64_t count_alive(const std::vector<float>& mask) {
  int64_t n = 0;
  for (float m : mask) n += m != 0.f;
  return n;
}

void write_mask(nn::Module& model, const std::string& name, const std::vector<float>& mask) {
  Tensor param = parameter(model, name, "prune");
  JOULE_CHECK(static_cast<int64_t>(mask.size()) == param.numel(), "prune: mask for '", name,
              "' holds ", mask.size(), " values, the parameter ", param.numel());
  Tensor m = register_mask(model, name);
  m.copy_(Tensor::from_vector(mask, param.shape()).to(m.device()));
  NoGradGuard no_grad;
  param.copy_(mul(param, m));
}

}  // namespace detail

// ---- masks -------------------------------------------------------------------------------------

namespace {
// The values of a user-given mask, checked to be 0/1 and of the parameter's shape.
std::vector<float> checked_mask(const Tensor& param, const Tensor& mask, const char* op,
                                const std::string& name) {
  check_float(mask, op, "mask");
  JOULE_CHECK(mask.shape() == param.shape(), op, ": mask for '", name, "' is ", mask.shape(),
              ", the parameter is ", param.shape());
  std::vector<float> m = mask.to_vector<float>();
  for (size_t i = 0; i < m.size(); ++i)
    JOULE_CHECK(m[i] == 0.f || m[i] == 1.f, op, ": mask for '", name, "' holds ", m[i],
                " at flat index ", i, "; a mask holds only 0 and 1");
  return m;
}
}  // namespace

Tensor register_mask(nn::Module& model, const std::string& name) {
  const Tensor param = detail::parameter(model, name, "prune::register_mask");
  const std::string buffer = name + "_mask";
  const Tensor existing = model.buffer(buffer);
  if (existing.defined()) {
    JOULE_CHECK(existing.dtype() == DType::Float32 && existing.shape() == param.shape(),
                "prune::register_mask: '", name, "' has a buffer '", buffer,
                "' that is not a mask of its shape ", param.shape(), ": ", existing.str());
    return existing;
  }
  return model.add_buffer(buffer, Tensor::ones(param.shape(), param.device()));
}

void remove_mask(nn::Module& model, const std::string& name) {
  detail::parameter(model, name, "prune::remove_mask");
  JOULE_CHECK(model.buffer(name + "_mask").defined(), "prune::remove_mask: parameter '", name,
              "' has no mask");
  model.remove_buffer(name + "_mask");
}

Tensor mask_of(const nn::Module& model, const std::string& name) {
  detail::parameter(model, name, "prune::mask_of");
  return model.buffer(name + "_mask");
}

nn::NamedTensors named_masks(const nn::Module& model) {
  nn::NamedTensors out;
  for (const auto& [n, t] : model.named_parameters()) {
    Tensor mask = model.buffer(n + "_mask");
    if (mask.defined()) out.emplace_back(n, mask);
  }
  return out;
}

Tensor identity(nn::Module& model, const std::string& name) {
  detail::parameter(model, name, "prune::identity");
  return register_mask(model, name);
}

void custom_from_mask(nn::Module& model, const std::string& name, const Tensor& mask) {
  detail::HostParam h = detail::host_param(model, name, "prune::custom_from_mask");
  const std::vector<float> m = checked_mask(h.param, mask, "prune::custom_from_mask", name);
  for (size_t i = 0; i < m.size(); ++i) h.mask[i] *= m[i];
  detail::write_mask(model, name, h.mask);
}

void replace_mask(nn::Module& model, const std::string& name, const Tensor& mask) {
  Tensor param = detail::parameter(model, name, "prune::replace_mask");
  detail::write_mask(model, name, checked_mask(param, mask, "prune::replace_mask", name));
}

void remove(nn::Module& model, const std::string& name) {
  Tensor param = detail::parameter(model, name, "prune::remove");
  const Tensor mask = model.buffer(name + "_mask");
  JOULE_CHECK(mask.defined(), "prune::remove: parameter '", name, "' is not pruned");
  {
    NoGradGuard no_grad;
    param.copy_(mul(param, mask));
  }
  model.remove_buffer(name + "_mask");
}

bool is_pruned(const nn::Module& model, const std::string& name) {
  return mask_of(model, name).defined();
}

// ---- sparsity ----------------------------------------------------------------------------------

int64_t nnz(const Tensor& t) {
  check_float(t, "prune::nnz", "tensor");
  return detail::count_alive(t.to_vector<float>());
}

double sparsity(const Tensor& t) {
  check_float(t, "prune::sparsity", "tensor");
  if (t.numel() == 0) return 0;
  return 1.0 - static_cast<double>(nnz(t)) / static_cast<double>(t.numel());
}

int64_t nnz(const nn::Module& model, const std::vector<std::string>& names) {
  int64_t n = 0;
  for (const auto& name : names) n += nnz(detail::parameter(model, name, "prune::nnz"));
  return n;
}

double sparsity(const nn::Module& model, const std::vector<std::string>& names) {
  int64_t total = 0;
  for (const auto& name : names) total += detail::parameter(model, name, "prune::sparsity").numel();
  if (total == 0) return 0;
  return 1.0 - static_cast<double>(nnz(model, names)) / static_cast<double>(total);
}

std::vector<std::string> prunable_parameters(const nn::Module& model) {
  std::vector<std::string> out;
  for (const auto& [n, t] : model.named_parameters())
    if (t.dim() >= 2) out.push_back(n);
  return out;
}

}  // namespace joule::prune
