// The rows of the op table for the math ops: elementwise, activations, matrix products,
// reductions, softmax and losses (op_table_nn.cpp has the layer ops). Shapes are small and odd so
// that gradcheck stays cheap; the rows named *_large cross the CPU kernels' threading thresholds
// (kernels/cpu/parallel.h: kParallelMin = 32768 elements; gemm.cpp: 2^20 multiply-adds) and skip
// the gradient test, which the small row of the same op covers.
#include "ops_table/op_table.h"

#include "joule/joule.h"
#include "joule/ops/distill.h"
#include "ops_table/op_table_rows.h"

namespace joule::optable {

namespace {

std::vector<OpRow> elementwise_rows() {
  const Shape big{2, 16411};  // 32822 elements: just above kParallelMin
  auto add2 = [](const auto& x) { return add(x[0], x[1]); };
  auto sub2 = [](const auto& x) { return sub(x[0], x[1]); };
  auto mul2 = [](const auto& x) { return mul(x[0], x[1]); };
  auto div2 = [](const auto& x) { return div(x[0], x[1]); };
  return {
      row("add_same", "add", {uniform({3, 5}), uniform({3, 5})}, add2),
      row("add_bias_row", "add", {uniform({4, 3}), uniform({3})}, add2),
      row("add_broadcast", "add", {uniform({2, 4, 3}), uniform({4, 1})}, add2),
      row("add_large", "add", {uniform(big), uniform(big)}, add2).skip_gradcheck(kLarge),
      row("sub_same", "sub", {uniform({3, 5}), uniform({3, 5})}, sub2),
      row("sub_bias_row", "sub", {uniform({4, 3}), uniform({1, 3})}, sub2),
      row("sub_col_row", "sub", {uniform({4, 1}), uniform({1, 3})}, sub2),
      row("mul_same", "mul", {uniform({3, 5}), uniform({3, 5})}, mul2),
      row("mul_bias_row", "mul", {uniform({4, 3}), uniform({3})}, mul2),
      row("mul_col_row", "mul", {uniform({4, 1}), uniform({1, 3})}, mul2),
      row("mul_large_bias_row", "mul", {uniform({129, 257}), uniform({257})}, mul2)
          .skip_gradcheck(kLarge),
      row("div_same", "div", {uniform({3, 5}), positive({3, 5})}, div2),
      row("div_bias_row", "div", {uniform({4, 3}), positive({1, 3})}, div2),
      row("div_scalar", "div", {uniform({2, 4, 3}), positive({})}, div2),
      row("affine", "affine", {uniform({2, 7})},
          [](const auto& x) { return affine(x[0], 3.f, 1.f); }),
      row("affine_operators", "affine", {uniform({2, 7})},
          [](const auto& x) { return 2.f - x[0] / 4.f; }),
      row("neg", "neg", {uniform({2, 7})}, [](const auto& x) { return neg(x[0]); }),
      row("exp", "exp", {uniform({2, 7})}, [](const auto& x) { return joule::exp(x[0]); }),
      row("exp_large", "exp", {uniform(big)}, [](const auto& x) { return joule::exp(x[0]); })
          .skip_gradcheck(kLarge),
      row("log", "log", {positive({2, 7})}, [](const auto& x) { return joule::log(x[0]); }),
      row("expand", "expand", {uniform({1, 3})},
          [](const auto& x) { return expand(x[0], {2, 4, 3}); }),
      // sum_to and add_ are backward helpers without autograd: forward only.
      row("sum_to_broadcast", "sum_to", {constant(uniform({2, 4, 3}))},
          [](const auto& x) { return sum_to(x[0], {4, 1}); }),
      row("sum_to_row", "sum_to", {constant(uniform({5, 3}))},
          [](const auto& x) { return sum_to(x[0], {3}); }),
      row("sum_to_scalar", "sum_to", {constant(uniform({3, 5}))},
          [](const auto& x) { return sum_to(x[0], {}); }),
      row("add_inplace", "add_", {constant(uniform({3, 5})), constant(uniform({3, 5}))},
          [](const auto& x) {
            Tensor dst = x[0].clone();
            add_(dst, x[1], 0.5f);
            return dst;
          }),
  };
}

std::vector<OpRow> activation_rows() {
  const Shape big{2, 16411};    // just above kParallelMin
  const Shape below{181, 181};  // 32761 elements: just below
  return {
      row("relu", "relu", {away_from_zero({3, 7})}, [](const auto& x) { return relu(x[0]); }),
      row("relu_below_threshold", "relu", {uniform(below)},
          [](const auto& x) { return relu(x[0]); })
          .skip_gradcheck(kLarge),
      row("relu_large", "relu", {uniform(big)}, [](const auto& x) { return relu(x[0]); })
          .skip_gradcheck(kLarge),
      row("tanh", "tanh", {uniform({3, 7}, -2.f, 2.f)},
          [](const auto& x) { return joule::tanh(x[0]); }),
      row("sigmoid", "sigmoid", {uniform({3, 7}, -3.f, 3.f)},
          [](const auto& x) { return sigmoid(x[0]); }),
      row("gelu", "gelu", {uniform({3, 7}, -3.f, 3.f)}, [](const auto& x) { return gelu(x[0]); }),
      row("gelu_large", "gelu", {uniform(big, -3.f, 3.f)}, [](const auto& x) { return gelu(x[0]); })
          .skip_gradcheck(kLarge),
  };
}

std::vector<OpRow> linalg_rows() {
  const Tolerance sums{1e-4, 1e-4};  // long dot products: summation order differs
  return {
      row("matmul", "matmul", {uniform({3, 4}), uniform({4, 5})},
          [](const auto& x) { return matmul(x[0], x[1]); }),
      row("matmul_transposed_b", "matmul", {uniform({3, 4}), uniform({5, 4})},
          [](const auto& x) { return matmul(x[0], x[1].t()); }),
      row("matmul_transposed_a", "matmul", {uniform({4, 3}), uniform({4, 5})},
          [](const auto& x) { return matmul(x[0].t(), x[1]); }),
      // 128 * 65 * 128 = 1064960 multiply-adds: above the GEMM's threading threshold
      row("matmul_large", "matmul", {uniform({128, 65}), uniform({65, 128})},
          [](const auto& x) { return matmul(x[0], x[1]); })
          .reference_tol(sums)
          .skip_gradcheck(kLarge),
      row("linear", "linear", {uniform({5, 4}), uniform({3, 4}), uniform({3})},
          [](const auto& x) { return linear(x[0], x[1], x[2]); }),
      row("linear_no_bias", "linear", {uniform({5, 4}), uniform({3, 4})},
          [](const auto& x) { return linear(x[0], x[1]); }),
      row("linear_3d", "linear", {uniform({2, 3, 4}), uniform({3, 4}), uniform({3})},
          [](const auto& x) { return linear(x[0], x[1], x[2]); }),
      // first layer: no input gradient
      row("linear_constant_input", "linear",
          {constant(uniform({5, 4})), uniform({3, 4}), uniform({3})},
          [](const auto& x) { return linear(x[0], x[1], x[2]); }),
      row("linear_large", "linear", {uniform({64, 129}), uniform({130, 129}), uniform({130})},
          [](const auto& x) { return linear(x[0], x[1], x[2]); })
          .reference_tol(sums)
          .skip_gradcheck(kLarge),
  };
}

std::vector<OpRow> reduce_rows() {
  const Tolerance sums{1e-4, 1e-4};
  auto dim_row = [](std::string name, std::string op, int64_t dim, bool keepdim) {
    const bool is_sum = op == "sum";
    return row(std::move(name), std::move(op), {uniform({3, 4, 5})},
               [dim, keepdim, is_sum](const auto& x) {
                 return is_sum ? sum(x[0], dim, keepdim) : mean(x[0], dim, keepdim);
               });
  };
  return {
      row("sum_all", "sum", {uniform({3, 4, 5})}, [](const auto& x) { return sum(x[0]); }),
      dim_row("sum_dim0", "sum", 0, false),
      dim_row("sum_dim1_keepdim", "sum", 1, true),
      dim_row("sum_dim_last", "sum", -1, false),
      row("sum_all_large", "sum", {uniform({2, 16411})}, [](const auto& x) { return sum(x[0]); })
          .reference_tol(sums)
          .skip_gradcheck(kLarge),
      row("sum_dim_large", "sum", {uniform({64, 513})}, [](const auto& x) { return sum(x[0], 1); })
          .reference_tol(sums)
          .skip_gradcheck(kLarge),
      row("mean_all", "mean", {uniform({3, 4, 5})}, [](const auto& x) { return mean(x[0]); }),
      dim_row("mean_dim0", "mean", 0, false),
      dim_row("mean_dim1", "mean", 1, false),
      dim_row("mean_dim2_keepdim", "mean", 2, true),
      dim_row("mean_dim_last", "mean", -1, false),
      row("argmax", "argmax", {constant(distinct({5, 7}))},
          [](const auto& x) { return argmax(x[0]); }),
  };
}

std::vector<OpRow> softmax_loss_rows() {
  return {
      row("softmax", "softmax", {uniform({4, 6}, -2.f, 2.f)},
          [](const auto& x) { return softmax(x[0]); }),
      row("softmax_large", "softmax", {uniform({64, 513}, -2.f, 2.f)},
          [](const auto& x) { return softmax(x[0]); })
          .skip_gradcheck(kLarge),
      row("log_softmax", "log_softmax", {uniform({4, 6}, -2.f, 2.f)},
          [](const auto& x) { return log_softmax(x[0]); }),
      row("log_softmax_3d", "log_softmax", {uniform({2, 3, 5}, -2.f, 2.f)},
          [](const auto& x) { return log_softmax(x[0], 2); }),
      row("log_softmax_large", "log_softmax", {uniform({64, 513}, -2.f, 2.f)},
          [](const auto& x) { return log_softmax(x[0]); })
          .skip_gradcheck(kLarge),
      row("cross_entropy", "cross_entropy", {uniform({6, 5}, -2.f, 2.f), labels(6, 5)},
          [](const auto& x) { return cross_entropy(x[0], x[1]); }),
      row("cross_entropy_odd", "cross_entropy", {uniform({7, 3}, -2.f, 2.f), labels(7, 3)},
          [](const auto& x) { return cross_entropy(x[0], x[1]); }),
      row("mse_loss", "mse_loss", {uniform({3, 4}), uniform({3, 4})},
          [](const auto& x) { return mse_loss(x[0], x[1]); }),
      row("mse_loss_constant_target", "mse_loss", {uniform({5, 3}), constant(uniform({5, 3}))},
          [](const auto& x) { return mse_loss(x[0], x[1]); }),
      // The fused distillation loss: the student's logits differentiable, the teacher's constant.
      row("kd_loss", "kd_loss",
          {uniform({6, 5}, -2.f, 2.f), constant(uniform({6, 5}, -2.f, 2.f)), labels(6, 5)},
          [](const auto& x) { return kd_loss(x[0], x[1], x[2], {.temperature = 3, .alpha = 0.5}); })
          .skip_cuda("kd_loss has no CUDA kernel (distill composes ops on a GPU)"),
      row("kd_loss_soft_only", "kd_loss",
          {uniform({7, 3}, -2.f, 2.f), constant(uniform({7, 3}, -2.f, 2.f)), labels(7, 3)},
          [](const auto& x) { return kd_loss(x[0], x[1], x[2], {.temperature = 2, .alpha = 1}); })
          .skip_cuda("kd_loss has no CUDA kernel (distill composes ops on a GPU)"),
  };
}

}  // namespace

std::vector<OpRow> math_rows() {
  std::vector<OpRow> rows;
  for (auto family :
       {elementwise_rows, activation_rows, linalg_rows, reduce_rows, softmax_loss_rows})
    for (OpRow& r : family()) rows.push_back(std::move(r));
  return rows;
}

}  // namespace joule::optable
