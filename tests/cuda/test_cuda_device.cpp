// The CUDA device as the library sees it: the device queries (which run everywhere), the errors
// of a build or machine without a GPU, host<->device copies, the caching allocator, mixed-device
// errors, Module::to and the meter choice when training on a GPU. Tests that need a GPU skip
// with the reason cudaGetDeviceCount gave.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cuda_test_util.h"
#include "joule/energy/make_meter.h"
#include "joule/joule.h"
#include "test_util.h"

using namespace joule;
using joule::test::error_of;
using joule::test::expect_has;

TEST(CudaDevice, CountAndReasonAgree) {
  const int n = cuda_device_count();
  EXPECT_GE(n, 0);
  EXPECT_EQ(n == 0, !cuda_unavailable_reason().empty()) << cuda_unavailable_reason();
  EXPECT_EQ(cuda_device_count(), n) << "the answer is computed once";
#ifdef JOULE_WITH_CUDA
  EXPECT_TRUE(cuda_built());
#else
  EXPECT_FALSE(cuda_built());
  EXPECT_EQ(n, 0);
  expect_has(cuda_unavailable_reason(), "no CUDA backend");
#endif
}

TEST(CudaDevice, WithoutAGpuMovingThereThrowsTheReason) {
  if (cuda_available()) GTEST_SKIP() << "a GPU is present: " << cuda_device_name();
  const std::string e = error_of([] { Tensor::ones(Shape{2, 3}).to(Device::cuda()); });
  expect_has(e, "device cuda");
  if (cuda_built())
    expect_has(e, "no CUDA device: " + cuda_unavailable_reason());
  else
    expect_has(e, "no CUDA backend");
  expect_has(error_of([] { cuda_device_name(0); }), "cuda_device_name");
  // queries that must not throw without a GPU
  cuda_synchronize();
  cuda_empty_cache();
  EXPECT_EQ(cuda_memory_stats().in_use, 0u);
}

TEST(CudaDevice, ModuleToTheCpuKeepsEverything) {
  Generator g(1);
  nn::Linear layer(3, 2, g);
  const Tensor w = layer.parameter("weight");
  const std::vector<float> before = w.to_vector<float>();
  layer.to(Device::cpu());
  EXPECT_TRUE(layer.parameter("weight").same(w));
  EXPECT_EQ(w.to_vector<float>(), before);
}

TEST(CudaDevice, TrainerInfersTheDeviceFromTheModel) {
  Generator g(1);
  nn::Linear layer(3, 2, g);
  optim::SGD opt(layer.parameters(), {.lr = 0.1});
  train::Trainer t(layer, opt, {.epochs = 1});
  EXPECT_EQ(t.device(), Device::cpu());
  train::Trainer chosen(layer, opt, {.epochs = 1, .device = Device::cuda()});
  EXPECT_EQ(chosen.device(), Device::cuda());
}

TEST(CudaDevice, TrainingOnAGpuWithoutNvmlKeepsTheEstimate) {
  joule::test::TempDir d("joule_cuda_meter");
  energy::MeterOptions o;
  o.rapl_root = d.file("no_powercap");
  o.nvml.library = d.file("no_libnvidia-ml.so.1");
  o.training_on_gpu = true;
  std::vector<std::string> notes;
  auto m = energy::make_meter(o, &notes);
  EXPECT_EQ(m->source(), "estimate");
  EXPECT_FALSE(m->measured());
  ASSERT_EQ(notes.size(), 2u);
  expect_has(notes[0], "CPU and DRAM energy estimated, not measured");
  expect_has(notes[1], "GPU energy not counted");
}

TEST(CudaDevice, TrainingOnAGpuMetersItWithNvml) {
  JOULE_REQUIRE_CUDA();
  energy::MeterOptions o;
  o.training_on_gpu = true;
  std::vector<std::string> notes;
  auto m = energy::make_meter(o, &notes);
  if (m->source().find("nvml") == std::string::npos)
    GTEST_SKIP() << "NVML is not readable here: " << (notes.empty() ? "" : notes.back());
  EXPECT_TRUE(m->measured()) << m->source();  // "nvml" alone or "rapl+nvml"
  const energy::EnergyTotals a = m->read();
  EXPECT_GE(m->read().gpu_j, a.gpu_j);
}

TEST(CudaDevice, CopiesRoundTripExactly) {
  JOULE_REQUIRE_CUDA();
  Generator g(3);
  // 3 MiB: larger than one staging buffer, so the copy is split
  const Tensor a = Tensor::randn(Shape{768, 1024}, g);
  const Tensor on = a.to(Device::cuda());
  EXPECT_EQ(on.device(), Device::cuda());
  EXPECT_EQ(on.to(Device::cpu()).to_vector<float>(), a.to_vector<float>());
  const Tensor labels = Tensor::labels({3, 1, 4, 1, 5}).to(Device::cuda());
  EXPECT_EQ(labels.to_vector<int64_t>(), (std::vector<int64_t>{3, 1, 4, 1, 5}));
  // a strided view is made contiguous on the GPU
  const Tensor col = on.narrow(1, 5, 1);
  EXPECT_EQ(col.contiguous().to_vector<float>(), a.narrow(1, 5, 1).contiguous().to_vector<float>());
  EXPECT_EQ(Tensor::full(Shape{4}, 2.5f, Device::cuda()).to_vector<float>(),
            (std::vector<float>{2.5f, 2.5f, 2.5f, 2.5f}));
  Tensor z = Tensor::zeros(Shape{3}, DType::Float32, Device::cuda());
  z.fill_(7.f);
  EXPECT_EQ(z.to_vector<float>(), (std::vector<float>{7.f, 7.f, 7.f}));
}

TEST(CudaDevice, FreedBlocksAreReused) {
  JOULE_REQUIRE_CUDA();
  cuda_empty_cache();
  const size_t base = cuda_memory_stats().in_use;
  {
    Tensor t = Tensor::empty(Shape{1000, 1000}, DType::Float32, Device::cuda());
    EXPECT_GE(cuda_memory_stats().in_use, base + 4000000u);
  }
  const CudaMemoryStats freed = cuda_memory_stats();
  EXPECT_EQ(freed.in_use, base);
  EXPECT_GE(freed.cached, 4000000u);
  Tensor again = Tensor::empty(Shape{1000, 1000}, DType::Float32, Device::cuda());
  const CudaMemoryStats reused = cuda_memory_stats();
  const size_t block = reused.in_use - base;
  EXPECT_GE(block, 4000000u);
  EXPECT_EQ(reused.cached, freed.cached - block) << "the freed block is handed out again";
  cuda_empty_cache();
  EXPECT_EQ(cuda_memory_stats().cached, 0u);
}

TEST(CudaDevice, MixedDevicesAreAnError) {
  JOULE_REQUIRE_CUDA();
  const Tensor a = Tensor::ones(Shape{2, 3});
  const Tensor b = Tensor::ones(Shape{2, 3}, Device::cuda());
  expect_has(error_of([&] { add(a, b); }), "add: tensors are on different devices: cpu and cuda:0");
  expect_has(error_of([&] { matmul(a, b.t()); }), "matmul: tensors are on different devices");
  expect_has(error_of([&] { a.to(Device::cuda(1)); }), "one GPU per process");
}

TEST(CudaDevice, ModuleToMovesTheSameTensors) {
  JOULE_REQUIRE_CUDA();
  Generator g(2);
  nn::Sequential model(std::make_shared<nn::Linear>(4, 3, g), std::make_shared<nn::ReLU>(),
                       std::make_shared<nn::BatchNorm1d>(3));
  optim::SGD opt(model.parameters(), {.lr = 0.1, .momentum = 0.9});  // made before the move
  const Tensor w = model.parameter("0.weight");
  const std::vector<float> values = w.to_vector<float>();
  model.to(Device::cuda());
  for (const auto& [name, t] : model.state()) EXPECT_EQ(t.device(), Device::cuda()) << name;
  EXPECT_TRUE(model.parameter("0.weight").same(w));
  EXPECT_TRUE(opt.param_groups()[0].params[0].same(w));
  EXPECT_EQ(w.to_vector<float>(), values);
  // a training step runs where the parameters are
  const Tensor x = Tensor::ones(Shape{5, 4}, Device::cuda());
  Tensor loss = cross_entropy(model.forward(x), Tensor::labels({0, 1, 2, 0, 1}).to(Device::cuda()));
  loss.backward();
  opt.step();
  EXPECT_NE(w.to_vector<float>(), values);
  EXPECT_EQ(model.parameter("2.num_batches_tracked").to_vector<int64_t>()[0], 1);
  model.to(Device::cpu());
  EXPECT_EQ(w.device(), Device::cpu());
}
