#include "joule/ops/sparse.h"

#include "joule/autograd/grad_mode.h"
#include "joule/autograd/node.h"
#include "joule/ops/dispatch.h"
#include "joule/ops/elementwise.h"
#include "joule/ops/linalg.h"
#include "joule/ops/reduce.h"
#include "kernels/cpu/sparse.h"
#include "kernels/reference/sparse.h"
#ifdef JOULE_WITH_CUDA
#include "kernels/cuda/sparse.h"
#endif

namespace joule {

Tensor sparse_linear(const Tensor& x, const SparseIndex& index,
                     const Tensor& values, const Tensor& bias,
                     const std::shared_ptr<DenseGradCapture>& capture) {
  const Device device = ops::common_device("sparse_linear", {x, values, bias});
  JOULE_CHECK(index.arrays != nullptr, "sparse_linear: no pattern (the index has no arrays)");
  check_float(x, "sparse_linear", "input");
  const int64_t OUT = index.rows, IN = index.cols, NNZ = index.nnz;
  JOULE_CHECK(values.dim() == 1 && values.numel() == NNZ, "sparse_linear: values must be (",
              NNZ, ") to match the pattern's nnz, got ", values.shape());
  JOULE_CHECK(x.dim() >= 1 && x.size(-1) == IN, "sparse_linear: input ", x.shape(), " has ",
              x.dim() ? x.size(-1) : 0, " features, the ", OUT, "x", IN, " weight expects ", IN);
  if (bias.defined())
    JOULE_CHECK(bias.dim() == 1 && bias.size(0) == OUT, "sparse_linear: bias must be (", OUT,
                "), got ", bias.shape());
  const int64_t B = x.numel() / IN;
  Tensor x2 = ops::contiguous_float(x.detach(), "sparse_linear", "input").reshape(Shape{B, IN});
  Tensor v = ops::contiguous_float(values.detach(), "sparse_linear", "values");
  Tensor b = bias.defined() ? ops::contiguous_float(bias.detach(), "sparse_linear", "bias")
                            : Tensor();
  std::vector<int64_t> out_dims = x.shape().dims();
  out_dims.back() = OUT;
  Tensor out = Tensor::empty(Shape(out_dims), DType::Float32, x.device());
  const SparseArrays a = index.arrays(device);
  JOULE_KERNEL(spmm_forward).on(device)(out.data<float>(), x2.data<float>(), a.row_ptr, a.col,
                                        v.data<float>(), b.defined() ? b.data<float>() : nullptr,
                                        B, IN, OUT);
  return record(
      "sparse_linear", out, {x, values, bias},
      [x2, v, arrays = index.arrays, capture, device, xs = x.shape(), B, IN, OUT,
       NNZ](const Tensor& g, const Needs& n) {
        const SparseArrays a = arrays(device);
        Tensor g2 = ops::contiguous_float(g, "sparse_linear backward", "gradient")
                        .reshape(Shape{B, OUT});
        Tensor gx, gv, gb;
        if (n[0]) {
          gx = Tensor::empty(Shape{B, IN}, DType::Float32, g.device());
          JOULE_KERNEL(spmm_backward_input).on(device)(gx.data<float>(), g2.data<float>(),
                                                       a.csc_col_ptr, a.csc_row, a.csc_perm,
                                                       v.data<float>(), B, IN, OUT);
          gx = gx.reshape(xs);
        }
        if (n[1]) {
          gv = Tensor::empty(Shape{NNZ}, DType::Float32, g.device());
          JOULE_KERNEL(spmm_backward_weight).on(device)(gv.data<float>(), g2.data<float>(),
                                                        x2.data<float>(), a.row_ptr, a.col, B, IN,
                                                        OUT, false);
        }
        if (n[2]) gb = sum(g2, 0);
        if (capture && capture->enabled) {
          NoGradGuard no_grad;
          Tensor dense = matmul(g2.t(), x2);
          if (capture->grad.defined()) add_(capture->grad, dense);
          else capture->grad = dense;
        }
        return grads{gx, gv, gb};
      });
}

}  // namespace joule
