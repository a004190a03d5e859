// The convolution-network ops (conv2d, max/avg/global pooling, batch norm, dropout): conv2d
// against the direct convolution, closed-form values, and the nn modules built on them (shapes,
// parameter and buffer names, initialisation, running statistics, train/eval). Their gradient
// checks are rows of the op table (tests/ops_table/).
#include <gtest/gtest.h>

#include <cmath>

#include "joule/joule.h"
#include "kernels/reference/conv.h"
#include "test_util.h"

using namespace joule;

namespace {

// A float tensor from a list of values (from_vector's float overload, spelled out).
Tensor values(std::vector<float> v, const Shape& s) { return Tensor::from_vector(v, s); }

std::vector<std::string> names(const nn::NamedTensors& list) {
  std::vector<std::string> out;
  for (const auto& [n, t] : list) out.push_back(n);
  return out;
}

void expect_values(const Tensor& t, const std::vector<float>& want, float tol) {
  const std::vector<float> got = t.to_vector<float>();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "element " << i;
}

}  // namespace

// ---- conv2d against the direct convolution ------------------------------------------------------

TEST(Conv2dOp, MatchesTheDirectConvolution) {
  Generator g(21);
  Tensor x = Tensor::randn({3, 4, 9, 8}, g), w = Tensor::randn({6, 2, 3, 3}, g);
  Tensor b = Tensor::randn({6}, g);
  const Conv2dParams p{.stride = {2, 1}, .padding = 1, .dilation = {1, 2}, .groups = 2};
  Tensor y = conv2d(x, w, b, p);
  ASSERT_EQ(y.shape(), (Shape{3, 6, 5, 6}));  // (9 + 2 - 3) / 2 + 1, (8 + 2 - 5) / 1 + 1
  kernels::Conv2dDims d;
  d.N = 3, d.C = 4, d.H = 9, d.W = 8, d.OC = 6, d.KH = 3, d.KW = 3, d.OH = 5, d.OW = 6;
  d.SH = 2, d.SW = 1, d.PH = 1, d.PW = 1, d.DH = 1, d.DW = 2, d.G = 2;
  std::vector<float> want(static_cast<size_t>(y.numel()));
  kernels::ref::conv2d_forward(want.data(), x.data<float>(), w.data<float>(), b.data<float>(), d);
  expect_values(y, want, 1e-4f);
}

TEST(Conv2dOp, NonContiguousInputIsAccepted) {
  Generator g(22);
  Tensor w = Tensor::randn({2, 3, 3, 3}, g);
  Tensor wide = Tensor::randn({2, 3, 4, 8}, g);
  Tensor x_view = wide.narrow(3, 1, 5);  // (2, 3, 4, 5) with row stride 8
  ASSERT_FALSE(x_view.is_contiguous());
  expect_values(conv2d(x_view, w, {}, {.padding = 1}),
                conv2d(x_view.contiguous(), w, {}, {.padding = 1}).to_vector<float>(), 0.f);
}

TEST(Conv2dOp, ErrorsNameTheRule) {
  Tensor x = Tensor::zeros({2, 3, 5, 5}), w = Tensor::zeros({4, 2, 3, 3});
  test::expect_has(test::error_of([&] { conv2d(x, w); }), "weight [4, 2, 3, 3] with 1 groups");
  test::expect_has(test::error_of([&] { conv2d(x.reshape({6, 5, 5}), w); }),
                   "input must be (N, C, H, W)");
  test::expect_has(test::error_of([&] { conv2d(x, Tensor::zeros({4, 3, 7, 7})); }),
                   "smaller than the (dilated) kernel");
  Tensor w3 = Tensor::zeros({4, 3, 3, 3});
  test::expect_has(test::error_of([&] { conv2d(x, w3, {}, {.groups = 2}); }), "groups must divide");
  test::expect_has(test::error_of([&] { max_pool2d(x, 2, 2, 2); }), "half the kernel");
}

// ---- pooling -----------------------------------------------------------------------------------

TEST(PoolOps, MaxAndAvgHandComputed) {
  // one 2x4 plane, 2x2 windows: maxima 6 and 8, means 3.5 and 5.5
  Tensor x = values({1, 2, 3, 4, 5, 6, 7, 8}, {1, 1, 2, 4});
  x.set_requires_grad();
  Tensor m = max_pool2d(x, 2);
  expect_values(m, {6, 8}, 0);
  sum(m).backward();
  expect_values(x.grad(), {0, 0, 0, 0, 0, 1, 0, 1}, 0);
  expect_values(avg_pool2d(x, 2), {3.5f, 5.5f}, 1e-6f);
  expect_values(global_avg_pool2d(x), {4.5f}, 1e-6f);
  EXPECT_EQ(global_avg_pool2d(Tensor::zeros({3, 5, 2, 2})).shape(), (Shape{3, 5}));
}

TEST(PoolModules, ShapesAndRepr) {
  Tensor x = Tensor::zeros({2, 3, 9, 8});
  nn::MaxPool2d max({.kernel = 2});
  nn::AvgPool2d avg({.kernel = 3, .stride = 2, .padding = 1});
  nn::GlobalAvgPool2d global;
  EXPECT_EQ(max(x).shape(), (Shape{2, 3, 4, 4}));
  EXPECT_EQ(avg(x).shape(), (Shape{2, 3, 5, 4}));
  EXPECT_EQ(global(x).shape(), (Shape{2, 3}));
  EXPECT_EQ(max.repr(), "MaxPool2d(kernel=2, stride=2, padding=0)");
  EXPECT_EQ(avg.repr(), "AvgPool2d(kernel=3, stride=2, padding=1)");
  EXPECT_EQ(global.repr(), "GlobalAvgPool2d()");
  EXPECT_EQ(max.num_parameters(), 0);
  test::expect_has(test::error_of([] { nn::MaxPool2d bad({.kernel = 2, .padding = 2}); }),
                   "half the kernel");
}

// ---- Conv2d module -----------------------------------------------------------------------------

TEST(Conv2dModule, ShapesNamesAndInitialisation) {
  Generator g(23);
  nn::Conv2d conv({.in = 3, .out = 8, .kernel = 3, .padding = 1}, g);
  EXPECT_EQ(names(conv.named_parameters()), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(conv.weight().shape(), (Shape{8, 3, 3, 3}));
  EXPECT_EQ(conv.bias().shape(), (Shape{8}));
  EXPECT_EQ(conv(Tensor::zeros({2, 3, 10, 12})).shape(), (Shape{2, 8, 10, 12}));
  // PyTorch's defaults: both bounded by 1/sqrt(fan_in) = 1/sqrt(27)
  const float bound = 1.f / std::sqrt(27.f);
  for (const Tensor& t : {conv.weight(), conv.bias()})
    for (float v : t.to_vector<float>()) EXPECT_LE(std::abs(v), bound);
  EXPECT_EQ(conv.repr(), "Conv2d(in=3, out=8, kernel=3, stride=1, padding=1, bias=true)");

  nn::Conv2d strided({.in = 4, .out = 6, .kernel = {3, 5}, .stride = 2, .groups = 2, .bias = false},
                     g);
  EXPECT_EQ(names(strided.named_parameters()), (std::vector<std::string>{"weight"}));
  EXPECT_EQ(strided.weight().shape(), (Shape{6, 2, 3, 5}));
  EXPECT_EQ(strided(Tensor::zeros({1, 4, 9, 9})).shape(), (Shape{1, 6, 4, 3}));
  EXPECT_EQ(strided.repr(),
            "Conv2d(in=4, out=6, kernel=(3, 5), stride=2, padding=0, groups=2, bias=false)");
}

TEST(ConvNet, ExampleModelForwardAndBackward) {
  // conv(1->16, 5x5, pad 2)-ReLU-maxpool(2)-conv(16->32, 5x5, pad 2)-ReLU-maxpool(2)-FC128-FC10
  Generator g(24);
  using std::make_shared;
  nn::Sequential net(make_shared<nn::Conv2d>(nn::Conv2dOptions{1, 16, 5, 1, 2}, g),
                     make_shared<nn::ReLU>(), make_shared<nn::MaxPool2d>(nn::Pool2dOptions{2}),
                     make_shared<nn::Conv2d>(nn::Conv2dOptions{16, 32, 5, 1, 2}, g),
                     make_shared<nn::ReLU>(), make_shared<nn::MaxPool2d>(nn::Pool2dOptions{2}),
                     make_shared<nn::Flatten>(), make_shared<nn::Linear>(32 * 7 * 7, 128, g),
                     make_shared<nn::ReLU>(), make_shared<nn::Linear>(128, 10, g));
  Tensor x = Tensor::uniform({3, 784}, g).reshape({3, 1, 28, 28});
  Tensor logits = net(x);
  EXPECT_EQ(logits.shape(), (Shape{3, 10}));
  cross_entropy(logits, Tensor::labels({1, 4, 9})).backward();
  EXPECT_EQ(names(net.named_parameters()),
            (std::vector<std::string>{"0.weight", "0.bias", "3.weight", "3.bias", "7.weight",
                                      "7.bias", "9.weight", "9.bias"}));
  for (const auto& [n, p] : net.named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << n;
    EXPECT_EQ(p.grad().shape(), p.shape()) << n;
  }
}

// ---- BatchNorm ---------------------------------------------------------------------------------

TEST(BatchNormModule, ParametersBuffersAndRepr) {
  nn::BatchNorm2d bn(3);
  EXPECT_EQ(names(bn.named_parameters()), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(names(bn.named_buffers()),
            (std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked"}));
  expect_values(bn.weight(), {1, 1, 1}, 0);
  expect_values(bn.bias(), {0, 0, 0}, 0);
  expect_values(bn.running_mean(), {0, 0, 0}, 0);
  expect_values(bn.running_var(), {1, 1, 1}, 0);
  EXPECT_EQ(bn.num_batches_tracked().dtype(), DType::Int64);
  EXPECT_EQ(bn.repr(),
            "BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)");
  nn::BatchNorm1d plain(4, {.affine = false, .track_running_stats = false});
  EXPECT_TRUE(plain.named_parameters().empty());
  EXPECT_TRUE(plain.named_buffers().empty());
}

TEST(BatchNormModule, RunningStatisticsAfterTwoTrainingSteps) {
  nn::BatchNorm1d bn(2);
  // step 1: channel means 4 and 5, unbiased variances 20/3 and 20/3
  Tensor x1 = values({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2});
  // step 2: means 3 and 11, unbiased variances 20/3 and 4 (biased 5 and 3)
  Tensor x2 = values({0, 10, 2, 10, 4, 10, 6, 14}, {4, 2});
  bn(x1);
  expect_values(bn.running_mean(), {0.4f, 0.5f}, 1e-6f);
  expect_values(bn.running_var(), {0.9f + 2.f / 3.f, 0.9f + 2.f / 3.f}, 1e-6f);
  Tensor y2 = bn(x2);
  // running = 0.9 running + 0.1 batch
  expect_values(bn.running_mean(), {0.9f * 0.4f + 0.3f, 0.9f * 0.5f + 1.1f}, 1e-6f);
  const float rv1 = 0.9f + 2.f / 3.f;
  expect_values(bn.running_var(), {0.9f * rv1 + 2.f / 3.f, 0.9f * rv1 + 0.4f}, 1e-6f);
  EXPECT_EQ(bn.num_batches_tracked().to_vector<int64_t>(), (std::vector<int64_t>{2}));
  // the output is normalized with the biased batch variance
  const float s0 = 1.f / std::sqrt(5.f + 1e-5f), s1 = 1.f / std::sqrt(3.f + 1e-5f);
  expect_values(y2, {-3 * s0, -s1, -1 * s0, -s1, 1 * s0, -s1, 3 * s0, 3 * s1}, 1e-5f);
}

TEST(BatchNormModule, EvaluationUsesRunningStatistics) {
  nn::BatchNorm2d bn(2);
  Generator g(25);
  for (int i = 0; i < 3; ++i) bn(Tensor::randn({4, 2, 3, 3}, g, 2.f, 3.f));
  {
    NoGradGuard ng;
    bn.weight().copy_(values({2.f, 0.5f}, {2}));
    bn.bias().copy_(values({1.f, -1.f}, {2}));
  }
  const std::vector<float> rm = bn.running_mean().to_vector<float>();
  const std::vector<float> rv = bn.running_var().to_vector<float>();
  bn.eval();
  Tensor x = Tensor::randn({3, 2, 2, 2}, g);
  Tensor y = bn(x);
  std::vector<float> want = x.to_vector<float>();
  const std::vector<float> w = {2.f, 0.5f}, b = {1.f, -1.f};
  for (size_t i = 0; i < want.size(); ++i) {
    const size_t c = (i / 4) % 2;
    want[i] = (want[i] - rm[c]) / std::sqrt(rv[c] + 1e-5f) * w[c] + b[c];
  }
  expect_values(y, want, 1e-5f);
  // evaluation leaves the statistics alone
  expect_values(bn.running_mean(), rm, 0);
  expect_values(bn.running_var(), rv, 0);
  EXPECT_EQ(bn.num_batches_tracked().to_vector<int64_t>(), (std::vector<int64_t>{3}));
}

TEST(BatchNormModule, TrainingNormalizesEachChannel) {
  nn::BatchNorm2d bn(3);
  Generator g(26);
  Tensor y = bn(Tensor::randn({8, 3, 5, 5}, g, 4.f, 2.f));
  const std::vector<float> v = y.to_vector<float>();
  for (int64_t c = 0; c < 3; ++c) {
    double s = 0, sq = 0;
    for (int64_t n = 0; n < 8; ++n)
      for (int64_t i = 0; i < 25; ++i) {
        const double e = v[static_cast<size_t>((n * 3 + c) * 25 + i)];
        s += e;
        sq += e * e;
      }
    EXPECT_NEAR(s / 200, 0.0, 1e-5) << "channel " << c;
    EXPECT_NEAR(sq / 200, 1.0, 1e-3) << "channel " << c;
  }
}

TEST(BatchNormModule, RejectsWrongShapes) {
  nn::BatchNorm2d bn2(3);
  nn::BatchNorm1d bn1(3);
  test::expect_has(test::error_of([&] { bn2(Tensor::zeros({4, 3})); }), "(N, C, H, W)");
  test::expect_has(test::error_of([&] { bn1(Tensor::zeros({4, 5})); }), "expected 3");
  test::expect_has(test::error_of([&] { bn1(Tensor::zeros({1, 3})); }),
                   "more than one value per channel");
  EXPECT_EQ(bn1.num_batches_tracked().to_vector<int64_t>(), (std::vector<int64_t>{0}));
}

// ---- Dropout -----------------------------------------------------------------------------------

TEST(DropoutModule, EvaluationIsTheIdentity) {
  nn::Dropout drop(0.5, 1);
  drop.eval();
  Generator g(27);
  Tensor x = Tensor::randn({10, 10}, g);
  Tensor y = drop(x);
  expect_values(y, x.to_vector<float>(), 0);
  EXPECT_EQ(drop.repr(), "Dropout(p=0.5)");
}

TEST(DropoutModule, TrainingZeroesAboutPAndScalesTheRest) {
  const double p = 0.3;
  nn::Dropout drop(p, 2);
  Tensor x = Tensor::full({200, 500}, 2.f);
  x.set_requires_grad();
  Tensor y = drop(x);
  int64_t zeros = 0;
  for (float v : y.to_vector<float>()) {
    if (v == 0.f) ++zeros;
    else EXPECT_FLOAT_EQ(v, 2.f / 0.7f);
  }
  // 100000 draws: the zero fraction is within 0.01 of p (over 6 standard deviations)
  EXPECT_NEAR(static_cast<double>(zeros) / 100000.0, p, 0.01);
  // the backward uses the same mask: gradient 1/(1-p) where kept, 0 where dropped
  sum(y).backward();
  const std::vector<float> gy = y.to_vector<float>(), gx = x.grad().to_vector<float>();
  for (size_t i = 0; i < gx.size(); ++i) EXPECT_FLOAT_EQ(gx[i], gy[i] == 0.f ? 0.f : 1.f / 0.7f);
}

TEST(DropoutModule, SameSeedSameMask) {
  nn::Dropout a(0.5, 3), b(0.5, 3);
  Tensor x = Tensor::ones({64, 64});
  const std::vector<float> ya = a(x).to_vector<float>();
  EXPECT_EQ(ya, b(x).to_vector<float>());
  // the generator moves on: the next mask differs; restoring its state repeats it
  const Generator::State st = a.generator().state();
  const std::vector<float> next = a(x).to_vector<float>();
  EXPECT_NE(next, ya);
  a.generator().set_state(st);
  EXPECT_EQ(a(x).to_vector<float>(), next);
}

TEST(DropoutOp, EdgeProbabilities) {
  Generator g(28);
  Tensor x = Tensor::randn({5, 5}, g);
  EXPECT_TRUE(dropout(x, 0.0, true, g).same(x));
  expect_values(dropout(x, 1.0, true, g), std::vector<float>(25, 0.f), 0);
  test::expect_has(test::error_of([&] { dropout(x, 1.5, true, g); }), "p must be in [0, 1]");
}
