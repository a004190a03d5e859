// The ops on the GPU against the same ops on the CPU (outputs and gradients), optimizer steps,
// checkpoints of a GPU model, and short training runs whose loss curves on the GPU must track
// the CPU's. Tolerances: single ops abs 1e-4 + rel 1e-4 (the GEMM and convolution sums are
// ordered differently); loss curves rel 1e-3 + abs 1e-4 per epoch and test accuracy within one
// percentage point (the differences grow with every step but stay at rounding level on these
// well-conditioned problems).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "../kernels/kernel_test_util.h"
#include "cuda_test_util.h"
#include "datasets/dataloader.h"
#include "joule/io/checkpoint.h"
#include "joule/joule.h"
#include "test_util.h"

using namespace joule;
using joule::kernels::test::all_close;
using joule::kernels::test::Tol;

namespace {

constexpr Tol kOp{1e-4, 1e-4};

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// Runs fn on `inputs` and on copies of them on the GPU; compares the outputs and the gradients
// of sum(output * probe) with respect to every float input.
void expect_same_on_gpu(const std::string& what, const std::vector<Tensor>& inputs, const Fn& fn,
                        Tol tol = kOp) {
  std::vector<Tensor> on_cpu, on_gpu;
  for (const Tensor& t : inputs) {
    on_cpu.push_back(t.detach().clone());
    on_gpu.push_back(t.detach().to(Device::cuda()));
    if (t.dtype() == DType::Float32) {
      on_cpu.back().set_requires_grad();
      on_gpu.back().set_requires_grad();
    }
  }
  const Tensor cy = fn(on_cpu), gy = fn(on_gpu);
  ASSERT_EQ(gy.device(), Device::cuda()) << what;
  ASSERT_EQ(gy.shape(), cy.shape()) << what;
  EXPECT_TRUE(all_close(gy.to_vector<float>(), cy.to_vector<float>(), tol)) << what << ": output";
  Generator g(7);
  const Tensor probe = Tensor::randn(cy.shape(), g);
  sum(mul(cy, probe)).backward();
  sum(mul(gy, probe.to(Device::cuda()))).backward();
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!on_cpu[i].requires_grad()) continue;
    ASSERT_TRUE(on_gpu[i].grad().defined()) << what << ": no gradient for input " << i;
    EXPECT_EQ(on_gpu[i].grad().device(), Device::cuda()) << what;
    EXPECT_TRUE(
        all_close(on_gpu[i].grad().to_vector<float>(), on_cpu[i].grad().to_vector<float>(), tol))
        << what << ": gradient of input " << i;
  }
}

Tensor randn(const Shape& s, uint64_t seed, float scale = 1.f) {
  Generator g(seed);
  return Tensor::randn(s, g, 0.f, scale);
}

}  // namespace

TEST(CudaOps, ElementwiseAndReductionsMatchTheCpu) {
  JOULE_REQUIRE_CUDA();
  const Tensor a = randn({6, 5}, 1), b = randn({6, 5}, 2), row = randn({5}, 3),
               col = randn({6, 1}, 4);
  const Tensor pos = add(mul(a, a), Tensor::full({6, 5}, 0.5f));
  expect_same_on_gpu("add", {a, b}, [](auto& v) { return add(v[0], v[1]); });
  expect_same_on_gpu("sub, row", {a, row}, [](auto& v) { return sub(v[0], v[1]); });
  expect_same_on_gpu("mul, column", {a, col}, [](auto& v) { return mul(v[0], v[1]); });
  expect_same_on_gpu("div", {a, pos}, [](auto& v) { return div(v[0], v[1]); });
  expect_same_on_gpu("affine", {a}, [](auto& v) { return affine(v[0], -2.f, 0.5f); });
  expect_same_on_gpu("exp, log", {pos}, [](auto& v) { return log(exp(v[0])); });
  expect_same_on_gpu("sum", {a}, [](auto& v) { return sum(v[0]); });
  expect_same_on_gpu("sum dim 0", {a}, [](auto& v) { return sum(v[0], 0); });
  expect_same_on_gpu("mean dim 1", {a}, [](auto& v) { return mean(v[0], 1, true); });
  expect_same_on_gpu("mean", {a}, [](auto& v) { return mean(v[0]); });
  expect_same_on_gpu("views", {a}, [](auto& v) {
    return add(v[0].t().contiguous().reshape({10, 3}).narrow(0, 2, 5),
               Tensor::scalar(1.f, v[0].device()));
  });
  const Tensor big = randn({300, 200}, 5);
  const Tensor am = argmax(big.to(Device::cuda()));
  EXPECT_EQ(am.to_vector<int64_t>(), argmax(big).to_vector<int64_t>());
}

TEST(CudaOps, LayersAndLossesMatchTheCpu) {
  JOULE_REQUIRE_CUDA();
  const Tensor x = randn({8, 12}, 6), w = randn({7, 12}, 7, 0.3f), bias = randn({7}, 8);
  expect_same_on_gpu("linear", {x, w, bias}, [](auto& v) { return linear(v[0], v[1], v[2]); });
  expect_same_on_gpu("matmul", {x, w}, [](auto& v) { return matmul(v[0], v[1].t()); });
  for (const char* act : {"relu", "tanh", "sigmoid", "gelu", "softmax", "log_softmax"})
    expect_same_on_gpu(act, {x}, [act](auto& v) {
      const std::string a = act;
      if (a == "relu") return relu(v[0]);
      if (a == "tanh") return joule::tanh(v[0]);
      if (a == "sigmoid") return sigmoid(v[0]);
      if (a == "gelu") return gelu(v[0]);
      if (a == "softmax") return softmax(v[0]);
      return log_softmax(v[0]);
    });
  const Tensor labels = Tensor::labels({0, 6, 3, 2, 1, 5, 4, 6});
  expect_same_on_gpu("cross_entropy", {x, w, labels},
                     [](auto& v) { return cross_entropy(matmul(v[0], v[1].t()), v[2]); });
  expect_same_on_gpu("mse_loss", {x, randn({8, 12}, 9)},
                     [](auto& v) { return mse_loss(v[0], v[1]); });
  const Tensor bad = Tensor::labels({0, 7, 3, 2, 1, 5, 4, 6}).to(Device::cuda());
  joule::test::expect_has(
      joule::test::error_of([&] { cross_entropy(x.to(Device::cuda()).narrow(1, 0, 7), bad); }),
      "cross_entropy: label 7 at index 1 is out of range for 7 classes");
}

TEST(CudaOps, ConvolutionPoolingAndNormMatchTheCpu) {
  JOULE_REQUIRE_CUDA();
  const Tensor x = randn({4, 3, 11, 10}, 10), w = randn({6, 3, 3, 3}, 11, 0.3f), b = randn({6}, 12);
  expect_same_on_gpu("conv2d", {x, w, b}, [](auto& v) {
    return conv2d(v[0], v[1], v[2], {.stride = {2, 1}, .padding = 1});
  });
  const Tensor wg = randn({6, 1, 3, 3}, 13, 0.3f);
  expect_same_on_gpu("conv2d groups 3, dilation 2", {x, wg}, [](auto& v) {
    return conv2d(v[0], v[1], Tensor(), {.padding = 2, .dilation = 2, .groups = 3});
  });
  expect_same_on_gpu("max_pool2d", {x}, [](auto& v) { return max_pool2d(v[0], 3, 2, 1); });
  expect_same_on_gpu("avg_pool2d", {x}, [](auto& v) { return avg_pool2d(v[0], 2); });
  expect_same_on_gpu("global_avg_pool2d", {x}, [](auto& v) { return global_avg_pool2d(v[0]); });
  const Tensor gamma = randn({3}, 14), beta = randn({3}, 15);
  expect_same_on_gpu("batch_norm, batch statistics", {x, gamma, beta}, [](auto& v) {
    return batch_norm(v[0], Tensor(), Tensor(), v[1], v[2], true, 0.1, 1e-5);
  });
  // running statistics: updated the same way on both devices
  Tensor rm = Tensor::zeros({3}), rv = Tensor::ones({3});
  Tensor grm = rm.to(Device::cuda()), grv = rv.to(Device::cuda());
  batch_norm(x, rm, rv, gamma, beta, true, 0.1, 1e-5);
  batch_norm(x.to(Device::cuda()), grm, grv, gamma.to(Device::cuda()), beta.to(Device::cuda()),
             true, 0.1, 1e-5);
  EXPECT_TRUE(all_close(grm.to_vector<float>(), rm.to_vector<float>(), kOp));
  EXPECT_TRUE(all_close(grv.to_vector<float>(), rv.to_vector<float>(), kOp));
  Generator g1(5), g2(5);  // dropout draws its mask on the host: the same mask on both devices
  const Tensor dc = dropout(x, 0.3, true, g1);
  const Tensor dg = dropout(x.to(Device::cuda()), 0.3, true, g2);
  EXPECT_EQ(dg.to_vector<float>(), dc.to_vector<float>());
}

TEST(CudaOps, OptimizerStepsMatchTheCpu) {
  JOULE_REQUIRE_CUDA();
  for (int which = 0; which < 3; ++which) {
    Tensor wc = randn({40, 30}, 16), wg = wc.to(Device::cuda());
    wc.set_requires_grad();
    wg.set_requires_grad();
    std::unique_ptr<optim::Optimizer> oc, og;
    if (which == 0) {
      oc = std::make_unique<optim::SGD>(
          std::vector{wc}, optim::SGDOptions{.lr = 0.1, .momentum = 0.9, .nesterov = true});
      og = std::make_unique<optim::SGD>(
          std::vector{wg}, optim::SGDOptions{.lr = 0.1, .momentum = 0.9, .nesterov = true});
    } else if (which == 1) {
      oc = std::make_unique<optim::Adam>(std::vector{wc}, optim::AdamOptions{.lr = 0.01});
      og = std::make_unique<optim::Adam>(std::vector{wg}, optim::AdamOptions{.lr = 0.01});
    } else {
      oc = std::make_unique<optim::AdamW>(std::vector{wc}, optim::AdamWOptions{});
      og = std::make_unique<optim::AdamW>(std::vector{wg}, optim::AdamWOptions{});
    }
    for (int step = 0; step < 3; ++step) {
      const Tensor g = randn({40, 30}, 17 + static_cast<uint64_t>(step));
      oc->zero_grad();
      og->zero_grad();
      sum(mul(wc, g)).backward();
      sum(mul(wg, g.to(Device::cuda()))).backward();
      oc->step();
      og->step();
    }
    EXPECT_TRUE(all_close(wg.to_vector<float>(), wc.to_vector<float>(), Tol{1e-6, 1e-5}))
        << "optimizer " << which;
  }
}

namespace {

// n samples of `dim` features in `classes` Gaussian clusters (a seeded, learnable problem).
data::Dataset clusters(int64_t n, int64_t dim, int64_t classes, uint64_t seed) {
  Generator g(seed);
  const Tensor centers = Tensor::randn({classes, dim}, g, 0.f, 1.5f);
  const std::vector<float> c = centers.to_vector<float>();
  std::vector<float> f;
  std::vector<int64_t> l;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = static_cast<int64_t>(g.uniform01() * static_cast<float>(classes)) % classes;
    for (int64_t d = 0; d < dim; ++d) f.push_back(c[static_cast<size_t>(k * dim + d)] + g.normal());
    l.push_back(k);
  }
  return {Tensor::from_vector(f, {n, dim}), Tensor::labels(l), Shape{dim}, classes};
}

struct Curve {
  std::vector<double> loss, test_acc;
};

// Trains a fresh model (built by make from a fixed seed) on `device` and returns its curve.
Curve train_on(Device device, const std::function<std::shared_ptr<nn::Module>(Generator&)>& make,
               const data::Dataset& train, const data::Dataset& test, int64_t epochs,
               int64_t batch) {
  Generator g(11);
  auto model = make(g);
  model->to(device);
  optim::SGD opt(model->parameters(), {.lr = 0.05, .momentum = 0.9});
  data::DataLoader tl(train, {.batch_size = batch, .shuffle = true, .seed = 3});
  data::DataLoader vl(test, {.batch_size = 500, .shuffle = false});
  train::Trainer t(*model, opt, {.epochs = epochs, .progress = false, .quiet = true});
  Curve c;
  for (const auto& r : t.fit(tl, &vl)) {
    c.loss.push_back(r.loss);
    c.test_acc.push_back(r.test_acc);
  }
  for (const auto& [name, p] : model->state()) EXPECT_EQ(p.device(), device) << name;
  return c;
}

void expect_tracks(const Curve& gpu, const Curve& cpu, const std::string& what) {
  ASSERT_EQ(gpu.loss.size(), cpu.loss.size()) << what;
  for (size_t e = 0; e < cpu.loss.size(); ++e) {
    EXPECT_NEAR(gpu.loss[e], cpu.loss[e], 1e-3 * std::abs(cpu.loss[e]) + 1e-4)
        << what << ": loss of epoch " << e + 1;
    EXPECT_NEAR(gpu.test_acc[e], cpu.test_acc[e], 1.0)
        << what << ": test accuracy of epoch " << e + 1;
  }
  EXPECT_LT(cpu.loss.back(), cpu.loss.front()) << what << ": the CPU run must learn";
}

}  // namespace

TEST(CudaTraining, MlpLossCurveTracksTheCpu) {
  JOULE_REQUIRE_CUDA();
  const data::Dataset train = clusters(3000, 40, 5, 1), test = clusters(1000, 40, 5, 2);
  auto make = [](Generator& g) -> std::shared_ptr<nn::Module> {
    return std::make_shared<nn::Sequential>(
        std::make_shared<nn::Linear>(40, 64, g), std::make_shared<nn::ReLU>(),
        std::make_shared<nn::Linear>(64, 32, g), std::make_shared<nn::ReLU>(),
        std::make_shared<nn::Linear>(32, 5, g));
  };
  const Curve cpu = train_on(Device::cpu(), make, train, test, 5, 64);
  const Curve gpu = train_on(Device::cuda(), make, train, test, 5, 64);
  expect_tracks(gpu, cpu, "mlp");
}

TEST(CudaTraining, CnnLossCurveTracksTheCpu) {
  JOULE_REQUIRE_CUDA();
  const data::Dataset train = clusters(600, 144, 3, 3), test = clusters(200, 144, 3, 4);
  auto make = [](Generator& g) -> std::shared_ptr<nn::Module> {
    auto m = std::make_shared<nn::Sequential>();
    m->push_back(std::make_shared<nn::Unflatten>(1, Shape{1, 12, 12}));
    m->push_back(std::make_shared<nn::Conv2d>(
        nn::Conv2dOptions{.in = 1, .out = 4, .kernel = 3, .padding = 1}, g));
    m->push_back(std::make_shared<nn::BatchNorm2d>(4));
    m->push_back(std::make_shared<nn::ReLU>());
    m->push_back(std::make_shared<nn::MaxPool2d>(nn::Pool2dOptions{.kernel = 2}));
    m->push_back(std::make_shared<nn::Flatten>());
    m->push_back(std::make_shared<nn::Linear>(4 * 6 * 6, 3, g));
    return m;
  };
  const Curve cpu = train_on(Device::cpu(), make, train, test, 3, 32);
  const Curve gpu = train_on(Device::cuda(), make, train, test, 3, 32);
  expect_tracks(gpu, cpu, "cnn");
}

TEST(CudaTraining, CheckpointOfAGpuModelLoadsOnTheCpu) {
  JOULE_REQUIRE_CUDA();
  joule::test::TempDir dir("joule_cuda_ckpt");
  Generator g(4);
  nn::Sequential gpu_model(std::make_shared<nn::Linear>(6, 4, g), std::make_shared<nn::ReLU>(),
                           std::make_shared<nn::Linear>(4, 2, g));
  gpu_model.to(Device::cuda());
  io::save_checkpoint(dir.file("m.h5"), gpu_model, nullptr, {});
  Generator other(99);
  nn::Sequential cpu_model(std::make_shared<nn::Linear>(6, 4, other), std::make_shared<nn::ReLU>(),
                           std::make_shared<nn::Linear>(4, 2, other));
  io::load_checkpoint(dir.file("m.h5"), cpu_model, nullptr, nullptr);
  for (const auto& [name, t] : gpu_model.state())
    EXPECT_EQ(cpu_model.parameter(name).to_vector<float>(), t.to_vector<float>()) << name;
  // and back into the GPU model, in place
  gpu_model.parameter("0.weight").fill_(0.f);
  io::load_checkpoint(dir.file("m.h5"), gpu_model, nullptr, nullptr);
  EXPECT_EQ(gpu_model.parameter("0.weight").device(), Device::cuda());
  EXPECT_EQ(gpu_model.parameter("0.weight").to_vector<float>(),
            cpu_model.parameter("0.weight").to_vector<float>());
}
