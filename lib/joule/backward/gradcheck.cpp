#include "joule/backward/gradcheck.h"

#include <cmath>

#include "joule/autograd/grad_mode.h"
#include "joule/ops/elementwise.h"
#include "joule/ops/reduce.h"

namespace joule {

namespace {
// sum(out * r) in double, on the host.
double project(const Tensor& out, const std::vector<float>& r) {
  std::vector<float> v = out.to_vector<float>();
  double s = 0;
  for (size_t i = 0; i < v.size(); ++i) s += static_cast<double>(v[i]) * r[i];
  return s;
}
}  // namespace

GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& o) {
  for (const Tensor& t : inputs)
    if (t.requires_grad())
      JOULE_CHECK(t.is_leaf() && t.is_contiguous() && t.device().is_cpu(), "gradcheck: inputs "
                  "must be contiguous CPU leaves, got ", t.str());
  // Analytic: backward of sum(f(x) * R).
  Tensor out = f(inputs);
  check_float(out, "gradcheck", "function output");
  Generator gen(o.seed);
  Tensor r = Tensor::uniform(out.shape(), gen, -1.f, 1.f);
  const std::vector<float> rv = r.to_vector<float>();
  for (const Tensor& t : inputs)
    if (t.requires_grad()) t.impl().grad.reset();
  sum(mul(out, r)).backward();

  GradcheckResult res;
  NoGradGuard no_grad;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& x = inputs[k];
    if (!x.requires_grad()) continue;
    Tensor g = x.grad();
    std::vector<float> analytic = g.defined() ? g.to_vector<float>()
                                              : std::vector<float>(static_cast<size_t>(x.numel()), 0.f);
    float* p = x.data<float>();
    for (int64_t i = 0; i < x.numel(); ++i) {
      const float orig = p[i];
      p[i] = orig + o.eps;
      const double up = project(f(inputs), rv);
      p[i] = orig - o.eps;
      const double down = project(f(inputs), rv);
      p[i] = orig;
      const double numeric = (up - down) / (2.0 * static_cast<double>(o.eps));
      const double err = std::fabs(analytic[static_cast<size_t>(i)] - numeric);
      res.max_abs_err = std::max(res.max_abs_err, err);
      if (res.ok && err > o.atol + o.rtol * std::fabs(numeric)) {
        res.ok = false;
        res.message = detail::str_cat("gradcheck: input ", k, " element ", i, ": analytic ",
                                      analytic[static_cast<size_t>(i)], " vs numeric ", numeric);
      }
    }
  }
  return res;
}

}  // namespace joule
