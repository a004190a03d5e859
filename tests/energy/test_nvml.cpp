// NvmlMeter: absent on machines without the driver, and its arithmetic against a fake NVML.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <thread>

#include "joule/energy/nvml.h"
#include "test_util.h"

using namespace joule::energy;
using joule::test::error_of;
using joule::test::expect_has;

namespace {

// The fake NVML's state; Nvml tests reset it in SetUp.
struct Fake {
  int inits = 0, shutdowns = 0;
  NvmlApi::Return init_result = NvmlApi::kSuccess;
  unsigned int count = 2;
  bool has_counter = true;
  NvmlApi::Return energy_error = NvmlApi::kSuccess;  // returned by counters that exist
  unsigned long long energy_mj[2] = {0, 0};
  unsigned int power_mw = 0;
};
Fake fake;

unsigned int index_of(NvmlApi::Device d) {
  return static_cast<unsigned int>(reinterpret_cast<uintptr_t>(d)) - 1;
}

NvmlApi fake_api() {
  NvmlApi a;
  a.init = [] {
    ++fake.inits;
    return fake.init_result;
  };
  a.shutdown = [] {
    ++fake.shutdowns;
    return NvmlApi::kSuccess;
  };
  a.device_count = [](unsigned int* n) {
    *n = fake.count;
    return NvmlApi::kSuccess;
  };
  a.device_by_index = [](unsigned int i, NvmlApi::Device* d) {
    *d = reinterpret_cast<NvmlApi::Device>(uintptr_t{i} + 1);
    return NvmlApi::kSuccess;
  };
  a.total_energy_mj = [](NvmlApi::Device d, unsigned long long* mj) {
    if (!fake.has_counter) return NvmlApi::kNotSupported;
    *mj = fake.energy_mj[index_of(d)];
    return fake.energy_error;
  };
  a.power_mw = [](NvmlApi::Device, unsigned int* mw) {
    *mw = fake.power_mw;
    return NvmlApi::kSuccess;
  };
  a.error_string = [](NvmlApi::Return r) { return r == 9 ? "Driver Not Loaded" : "GPU is lost"; };
  return a;
}

double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

class Nvml : public ::testing::Test {
 protected:
  void SetUp() override { fake = Fake{}; }
};

}  // namespace

TEST(NvmlHere, AbsentWithAReason) {
  std::string why;
  auto m = NvmlMeter::open(&why);
  if (m) GTEST_SKIP() << "this machine has NVML and a GPU: " << m->describe();
  expect_has(why, "nvml: ");
  EXPECT_GT(why.size(), 10u);
}

TEST(NvmlHere, MissingLibraryNamesIt) {
  NvmlOptions o;
  o.library = "libjoule-no-such-nvml.so.1";
  std::string why;
  EXPECT_EQ(NvmlMeter::open(&why, o), nullptr);
  expect_has(why, "nvml: cannot load libjoule-no-such-nvml.so.1");
}

TEST(NvmlHere, LibraryWithoutNvmlNamesTheSymbol) {
  NvmlOptions o;
  o.library = "libm.so.6";  // loads, but holds no NVML
  std::string why;
  EXPECT_EQ(NvmlMeter::open(&why, o), nullptr);
  if (why.find("cannot load") != std::string::npos) GTEST_SKIP() << "no libm.so.6 here: " << why;
  expect_has(why, "nvml: libm.so.6 has no nvmlInit_v2");
}

TEST_F(Nvml, EnergyCountersSummed) {
  fake.energy_mj[0] = 1000000;
  fake.energy_mj[1] = 5000;
  {
    NvmlMeter m(fake_api());
    EXPECT_EQ(fake.inits, 1);
    EXPECT_EQ(m.source(), "nvml");
    EXPECT_TRUE(m.measured());
    EXPECT_EQ(m.describe(), "nvml: 2 GPUs (0: energy counter, 1: energy counter)");
    EXPECT_DOUBLE_EQ(m.read().gpu_j, 0);
    fake.energy_mj[0] += 250000;  // 250 J
    fake.energy_mj[1] += 1500;    // 1.5 J
    const EnergyTotals t = m.read();
    EXPECT_DOUBLE_EQ(t.gpu_j, 251.5);
    EXPECT_DOUBLE_EQ(t.cpu_j + t.dram_j, 0);
  }
  EXPECT_EQ(fake.shutdowns, 1);
}

TEST_F(Nvml, PowerSampledWhereNoCounter) {
  fake.has_counter = false;
  fake.count = 1;
  fake.power_mw = 150000;  // 150 W, constant: the integral is 150 W x the time between reads
  NvmlOptions o;
  o.sample_period = std::chrono::milliseconds(1);
  const double before = now_s();
  NvmlMeter m(fake_api(), o);
  const double after_start = now_s();
  EXPECT_EQ(m.describe(), "nvml: 1 GPU (0: power sampled every 1 ms)");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const double before_read = now_s();
  const double j = m.read().gpu_j;
  const double after = now_s();
  EXPECT_GE(j, 150 * (before_read - after_start) * (1 - 1e-9));
  EXPECT_LE(j, 150 * (after - before) * (1 + 1e-9));
}

TEST_F(Nvml, FailedCallNamesItAndNvmlsMessage) {
  fake.init_result = 9;
  const std::string msg = error_of([] { NvmlMeter m(fake_api()); });
  expect_has(msg, "nvml: nvmlInit_v2 failed: Driver Not Loaded (nvmlReturn_t 9)");
  EXPECT_EQ(msg.find(".cpp:"), std::string::npos) << msg;  // what() is for users
  try {
    NvmlMeter m(fake_api());
    ADD_FAILURE() << "expected a joule::Error";
  } catch (const joule::Error& e) {
    expect_has(e.where(), "nvml.cpp:");  // the location stays for developers
  }
  EXPECT_EQ(fake.shutdowns, 0);  // never initialised
}

TEST_F(Nvml, NoGpuShutsDownAgain) {
  fake.count = 0;
  expect_has(error_of([] { NvmlMeter m(fake_api()); }), "nvml: no NVIDIA GPU found");
  EXPECT_EQ(fake.inits, 1);
  EXPECT_EQ(fake.shutdowns, 1);
}

TEST_F(Nvml, LostGpuThrowsOnRead) {
  NvmlMeter m(fake_api());
  fake.energy_error = 15;
  expect_has(error_of([&] { m.read(); }),
             "nvml: nvmlDeviceGetTotalEnergyConsumption failed: GPU is lost (nvmlReturn_t 15)");
}
