// The rows of the op table for the layer ops: convolution, pooling, batch norm, dropout, the
// views and copies of Tensor, the sparse linear op and the fused optimizer updates. As in
// op_table.cpp, rows named *_large cross a CPU threading threshold and skip the gradient test.
#include <memory>

#include "joule/joule.h"
#include "joule/ops/optim_update.h"
#include "ops_table/op_table.h"
#include "ops_table/op_table_rows.h"

namespace joule::optable {

namespace {

const Tolerance kSums{1e-4, 1e-4};  // long reductions: summation order differs

Conv2dParams conv(Size2 stride, Size2 padding, Size2 dilation = 1, int64_t groups = 1) {
  Conv2dParams p;
  p.stride = stride;
  p.padding = padding;
  p.dilation = dilation;
  p.groups = groups;
  return p;
}

OpRow conv_row(std::string name, Shape x, Shape w, bool bias, Conv2dParams p) {
  std::vector<InputSpec> in{uniform(std::move(x)), uniform(std::move(w))};
  if (bias) in.push_back(uniform({in[1].shape[0]}));
  return row(std::move(name), "conv2d", std::move(in),
             [p](const auto& v) { return conv2d(v[0], v[1], v.size() > 2 ? v[2] : Tensor(), p); })
      .reference_tol(kSums);
}

std::vector<OpRow> conv_rows() {
  std::vector<OpRow> rows{
      conv_row("conv2d_3x3", {2, 3, 7, 6}, {4, 3, 3, 3}, true, {}),
      conv_row("conv2d_stride2_pad1", {2, 3, 7, 6}, {4, 3, 3, 3}, true, conv(2, 1)),
      conv_row("conv2d_groups2_dilation2", {2, 4, 9, 8}, {6, 2, 3, 3}, true, conv(1, 1, 2, 2)),
      conv_row("conv2d_1x1_no_bias", {1, 3, 5, 5}, {2, 3, 1, 1}, false, {}),
      conv_row("conv2d_rect_kernel_stride", {2, 2, 6, 9}, {3, 2, 3, 5}, true, conv({2, 1}, {1, 2})),
      conv_row("conv2d_stride_dilation_rect_no_bias", {2, 4, 7, 6}, {6, 2, 3, 2}, false,
               conv({2, 1}, {1, 0}, {1, 2}, 2)),
      conv_row("conv2d_depthwise", {2, 3, 5, 6}, {3, 1, 3, 3}, false, conv(1, 1, 1, 3)),
      // 2 * 4 * 18 * 18 * 4 * 9 = 93312 multiply-adds: the threaded path
      conv_row("conv2d_large", {2, 4, 18, 18}, {4, 4, 3, 3}, true, conv(1, 1)),
  };
  rows.back().no_gradcheck = kLarge;
  // The first layer of a network: only the weight and the bias want a gradient.
  OpRow first = conv_row("conv2d_constant_input", {2, 1, 5, 5}, {3, 1, 3, 3}, true, conv(2, 0));
  first.inputs[0].differentiable = false;
  rows.push_back(std::move(first));
  return rows;
}

std::vector<OpRow> pool_rows() {
  return {
      row("max_pool2d_k2", "max_pool2d", {distinct({2, 3, 6, 7})},
          [](const auto& x) { return max_pool2d(x[0], 2); }),
      row("max_pool2d_k3_s2_p1", "max_pool2d", {distinct({2, 2, 7, 7})},
          [](const auto& x) { return max_pool2d(x[0], 3, 2, 1); }),
      row("max_pool2d_rect", "max_pool2d", {distinct({2, 2, 5, 6})},
          [](const auto& x) { return max_pool2d(x[0], {3, 2}, 1, {1, 0}); }),
      row("max_pool2d_large", "max_pool2d", {uniform({2, 2, 96, 96})},
          [](const auto& x) { return max_pool2d(x[0], 2); })
          .skip_gradcheck(kLarge),
      row("avg_pool2d_k2", "avg_pool2d", {uniform({2, 3, 6, 7})},
          [](const auto& x) { return avg_pool2d(x[0], 2); }),
      row("avg_pool2d_k3_s2_p1", "avg_pool2d", {uniform({2, 2, 7, 7})},
          [](const auto& x) { return avg_pool2d(x[0], 3, 2, 1); }),
      row("avg_pool2d_rect", "avg_pool2d", {uniform({1, 2, 6, 7})},
          [](const auto& x) { return avg_pool2d(x[0], {2, 3}, {1, 2}); }),
      row("avg_pool2d_rect_padded", "avg_pool2d", {uniform({2, 2, 5, 6})},
          [](const auto& x) { return avg_pool2d(x[0], {2, 3}, {1, 2}, {1, 0}); }),
      row("avg_pool2d_large", "avg_pool2d", {uniform({2, 2, 96, 96})},
          [](const auto& x) { return avg_pool2d(x[0], 3, 2, 1); })
          .skip_gradcheck(kLarge),
      row("global_avg_pool2d", "global_avg_pool2d", {uniform({2, 3, 5, 4})},
          [](const auto& x) { return global_avg_pool2d(x[0]); }),
      row("global_avg_pool2d_large", "global_avg_pool2d", {uniform({2, 2, 96, 96})},
          [](const auto& x) { return global_avg_pool2d(x[0]); })
          .reference_tol(kSums)
          .skip_gradcheck(kLarge),
  };
}

// Training mode: the running statistics are made inside (they do not change the output).
Tensor batch_norm_train(const std::vector<Tensor>& v) {
  const int64_t C = v[0].size(1);
  Tensor rm = Tensor::zeros({C}, DType::Float32, v[0].device());
  Tensor rv = Tensor::ones({C}, v[0].device());
  Tensor w = v.size() > 1 ? v[1] : Tensor(), b = v.size() > 2 ? v[2] : Tensor();
  return batch_norm(v[0], rm, rv, w, b, /*training=*/true);
}

std::vector<OpRow> norm_dropout_rows() {
  // The normalization divides by the batch's std: looser than the default 1e-2.
  const GradcheckOptions bn{.eps = 1e-2f, .atol = 2e-2, .rtol = 2e-2, .seed = 0};
  return {
      row("batch_norm_train_2d", "batch_norm", {uniform({6, 3}), uniform({3}), uniform({3})},
          batch_norm_train)
          .grad_tol(bn),
      row("batch_norm_train_4d", "batch_norm", {uniform({3, 2, 4, 5}), uniform({2}), uniform({2})},
          batch_norm_train)
          .grad_tol(bn),
      row("batch_norm_train_no_running_stats", "batch_norm",
          {uniform({3, 2, 4, 3}), positive({2}), uniform({2})},
          [](const auto& v) { return batch_norm(v[0], {}, {}, v[1], v[2], /*training=*/true); })
          .grad_tol(bn),
      row("batch_norm_train_no_affine", "batch_norm", {uniform({5, 3})}, batch_norm_train)
          .grad_tol(bn),
      row("batch_norm_train_large", "batch_norm",
          {uniform({8, 4, 32, 33}), uniform({4}), uniform({4})}, batch_norm_train)
          .reference_tol({1e-4, 1e-3})
          .cuda_tol({1e-3, 1e-3})
          .skip_gradcheck(kLarge),
      row("batch_norm_eval", "batch_norm",
          {uniform({3, 2, 4, 5}), constant(uniform({2})), constant(positive({2})), uniform({2}),
           uniform({2})},
          [](const auto& v) { return batch_norm(v[0], v[1], v[2], v[3], v[4], false); }),
      // A random op: each call seeds its own Generator, so every run (finite differences,
      // reference mode, CUDA: the mask is drawn on the host) sees the same mask.
      row("dropout_train", "dropout", {uniform({5, 7})},
          [](const auto& x) {
            Generator gen(42);
            return dropout(x[0], 0.3, /*training=*/true, gen);
          }),
      row("dropout_eval", "dropout", {uniform({5, 7})},
          [](const auto& x) {
            Generator gen(42);
            return dropout(x[0], 0.3, /*training=*/false, gen);
          }),
  };
}

std::vector<OpRow> view_rows() {
  auto view_row = [](std::string name, std::string op, OpFn f) {
    return row(std::move(name), std::move(op), {uniform({3, 4})}, std::move(f));
  };
  // clang-format off
  return {
      view_row("reshape", "Tensor::reshape", [](const auto& x) { return x[0].reshape({2, 6}); }),
      // not viewable: a copy
      view_row("reshape_transposed", "Tensor::reshape",
               [](const auto& x) { return x[0].t().reshape({12}); }),
      view_row("view", "Tensor::view", [](const auto& x) { return x[0].view({4, -1}); }),
      view_row("flatten", "Tensor::flatten", [](const auto& x) { return x[0].flatten(0); }),
      view_row("narrow", "Tensor::narrow", [](const auto& x) { return x[0].narrow(1, 1, 2); }),
      view_row("slice_rows", "Tensor::slice_rows",
               [](const auto& x) { return x[0].slice_rows(1, 3); }),
      view_row("transpose", "Tensor::t", [](const auto& x) { return x[0].t(); }),
      view_row("contiguous", "Tensor::contiguous",
               [](const auto& x) { return x[0].t().contiguous(); }),
      view_row("clone", "Tensor::clone", [](const auto& x) { return x[0].clone(); }),
  };
  // clang-format on
}

std::vector<OpRow> sparse_rows() {
  // The pattern is made inside each call from a fixed seed (the same every time), so that no
  // table row keeps device mirrors alive until the end of the program.
  auto apply = [](int64_t out, int64_t in, int64_t nnz) {
    return [out, in, nnz](const std::vector<Tensor>& v) {
      Generator gen(7);
      auto p = std::make_shared<const sparse::Pattern>(sparse::Pattern::random(out, in, nnz, gen));
      return sparse_linear(v[0], sparse::index_of(p), v[1], v.size() > 2 ? v[2] : Tensor());
    };
  };
  return {
      row("sparse_linear", "sparse_linear", {uniform({4, 9}), uniform({17}), uniform({5})},
          apply(5, 9, 17)),
      row("sparse_linear_no_bias_3d", "sparse_linear", {uniform({2, 3, 9}), uniform({17})},
          apply(5, 9, 17)),
      // 130 samples: more than one 128-sample register tile of the SIMD kernels
      row("sparse_linear_large", "sparse_linear",
          {uniform({130, 33}), uniform({300}), uniform({40})}, apply(40, 33, 300))
          .reference_tol(kSums)
          .skip_gradcheck(kLarge),
  };
}

// The fused optimizer updates are in place and outside autograd: each row applies two steps to
// a copy of the weight (so the second reads the state the first wrote) and returns it.
std::vector<OpRow> optim_rows() {
  auto sgd = [](SgdHyper h, bool with_buf) {
    return [h, with_buf](const std::vector<Tensor>& v) {
      Tensor w = v[0].clone(), buf = with_buf ? v[2].clone() : Tensor();
      sgd_update(w, v[1], buf, h, /*first=*/true);
      sgd_update(w, v[1], buf, h, /*first=*/false);
      return w;
    };
  };
  auto adam = [](AdamHyper h) {
    return [h](const std::vector<Tensor>& v) {
      Tensor w = v[0].clone(), m = v[2].clone(), s = v[3].clone();
      for (int64_t t = 1; t <= 2; ++t) adam_update(w, v[1], m, s, h, t);
      return w;
    };
  };
  const InputSpec vec = constant(uniform({37}));
  return {
      row("sgd_update_plain", "sgd_update", {vec, vec},
          sgd({.lr = 0.1f,
               .momentum = 0.f,
               .dampening = 0.f,
               .weight_decay = 0.f,
               .nesterov = false},
              false)),
      row("sgd_update_nesterov", "sgd_update", {vec, vec, vec},
          sgd({.lr = 0.1f,
               .momentum = 0.9f,
               .dampening = 0.f,
               .weight_decay = 1e-2f,
               .nesterov = true},
              true)),
      row("adam_update", "adam_update", {vec, vec, vec, constant(positive({37}))},
          adam({.lr = 1e-2f,
                .beta1 = 0.9f,
                .beta2 = 0.999f,
                .eps = 1e-8f,
                .weight_decay = 1e-2f,
                .decoupled = false})),
      row("adamw_update", "adam_update", {vec, vec, vec, constant(positive({37}))},
          adam({.lr = 1e-2f,
                .beta1 = 0.9f,
                .beta2 = 0.999f,
                .eps = 1e-8f,
                .weight_decay = 1e-2f,
                .decoupled = true})),
  };
}

}  // namespace

std::vector<OpRow> nn_rows() {
  std::vector<OpRow> rows;
  for (auto family : {conv_rows, pool_rows, norm_dropout_rows, view_rows, sparse_rows, optim_rows})
    for (OpRow& r : family()) rows.push_back(std::move(r));
  return rows;
}

const std::vector<OpRow>& op_table() {
  static const std::vector<OpRow> rows = [] {
    std::vector<OpRow> all = math_rows();
    for (OpRow& r : nn_rows()) all.push_back(std::move(r));
    return all;
  }();
  return rows;
}

}  // namespace joule::optable
