// The estimate's arithmetic with injected inputs, its CPU table and its environment overrides.
#include <gtest/gtest.h>
#include <time.h>

#include <thread>
#include <vector>

#include "env_var.h"
#include "joule/energy/cpu_power.h"
#include "joule/energy/estimate.h"
#include "test_util.h"

using namespace joule::energy;
using joule::test::EnvVar;
using joule::test::error_of;
using joule::test::expect_has;

namespace {

constexpr double kGb = 1024.0 * 1024.0 * 1024.0;

// Inputs that return the scripted values in turn (the last one again once they run out).
EstimateInputs scripted(std::vector<double> cpu_s, std::vector<double> rss,
                        std::vector<double> wall) {
  auto next = [](std::vector<double> v) {
    return [v, i = size_t{0}]() mutable { return v[i < v.size() ? i++ : v.size() - 1]; };
  };
  return {next(std::move(cpu_s)), next(std::move(rss)), next(std::move(wall))};
}

EstimateOptions watts(double cpu, double dram) {
  EstimateOptions o;
  o.cpu_watts_per_core = cpu;
  o.dram_watts_per_gb = dram;
  return o;
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

}  // namespace

TEST(Estimate, CpuTimeTimesWattsAndRssIntegrated) {
  // CPU seconds 10 -> 13 -> 20; RSS 1 -> 3 -> 3 GB; wall 100 -> 110 -> 130 s.
  EstimateMeter m(watts(4, 0.5), {},
                  scripted({10, 13, 20}, {1 * kGb, 3 * kGb, 3 * kGb}, {100, 110, 130}));
  EXPECT_EQ(m.source(), "estimate");
  EXPECT_FALSE(m.measured());
  EnergyTotals t = m.read();
  EXPECT_DOUBLE_EQ(t.cpu_j, 3 * 4.0);                    // 3 CPU seconds x 4 W
  EXPECT_DOUBLE_EQ(t.dram_j, (1 + 3) / 2.0 * 10 * 0.5);  // trapezoid: 2 GB x 10 s x 0.5 W/GB
  EXPECT_DOUBLE_EQ(t.gpu_j, 0);
  t = m.read();
  EXPECT_DOUBLE_EQ(t.cpu_j, 10 * 4.0);
  EXPECT_DOUBLE_EQ(t.dram_j, 10 + 3 * 20 * 0.5);
}

TEST(Estimate, EveryThreadsCpuTimeCounts) {
  EstimateMeter m(watts(1, 0));
  auto spin = [] {
    const double until = thread_cpu_seconds() + 0.1;
    volatile double x = 0;
    while (thread_cpu_seconds() < until) x = x + 1;
  };
  std::thread a(spin), b(spin);
  a.join();
  b.join();
  EXPECT_GE(m.read().cpu_j, 2 * 0.1);  // two busy threads: twice the CPU time of one
}

TEST(Estimate, DescribeNamesEveryInput) {
  EstimateOptions o;
  o.cpu_model = "AMD EPYC 9755 128-Core Processor";
  EstimateMeter m(o, {"rapl: no /sys/class/powercap"}, scripted({0}, {0}, {0}));
  EXPECT_DOUBLE_EQ(m.cpu_watts_per_core(), 500.0 / 128);
  EXPECT_EQ(m.describe(),
            "estimate: cpu_time x 3.91 W/core (AMD EPYC 9755: 500 W TDP / 128 cores, table) + "
            "rss x 0.375 W/GB; no hardware counter readable (rapl: no /sys/class/powercap)");
  EstimateMeter set(watts(7.5, 0.25), {}, scripted({0}, {0}, {0}));
  EXPECT_EQ(set.describe(),
            "estimate: cpu_time x 7.50 W/core (set by option) + rss x 0.250 W/GB; not measured");
}

TEST(Estimate, RejectsBadOptions) {
  expect_has(error_of([] { EstimateMeter m(watts(-1, 0.375)); }),
             "cpu_watts_per_core must be >= 0 (0 looks the CPU up), got -1");
  expect_has(error_of([] { EstimateMeter m(watts(1, -2)); }),
             "dram_watts_per_gb must be >= 0, got -2");
  expect_has(error_of([] { EstimateMeter m(watts(1, 1), {}, EstimateInputs{}); }), "every input");
}

TEST(Estimate, CpuTable) {
  const CpuPower xeon = cpu_power_for("Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz");
  EXPECT_DOUBLE_EQ(xeon.watts_per_core, 270.0 / 40);
  EXPECT_EQ(xeon.origin, "Xeon Platinum 8380: 270 W TDP / 40 cores, table");
  EXPECT_DOUBLE_EQ(cpu_power_for("AMD EPYC 9965 192-Core Processor").watts_per_core, 500.0 / 192);
  EXPECT_DOUBLE_EQ(cpu_power_for("13th Gen Intel(R) Core(TM) i9-13900K").watts_per_core,
                   125.0 / 24);
  // A different part whose name starts the same: not matched.
  const CpuPower r = cpu_power_for("Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz");
  EXPECT_DOUBLE_EQ(r.watts_per_core, kFallbackCpuWattsPerCore);
  EXPECT_EQ(r.origin, "'Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz' not in the table: fallback");
  EXPECT_DOUBLE_EQ(cpu_power_for("Intel(R) Xeon(R) Processor").watts_per_core, 10.0);
  EXPECT_EQ(cpu_power_for("").origin, "CPU model unknown not in the table: fallback");
}

TEST(Estimate, CpuModelNameFromProcCpuinfo) {
  const std::string model = cpu_model_name();  // "" on kernels that print none
  EXPECT_EQ(model.find('\n'), std::string::npos);
  EXPECT_GT(cpu_power_for(model).watts_per_core, 0);
}

TEST(Estimate, EnvironmentOverrides) {
  {
    EnvVar a("JOULE_CPU_WATTS_PER_CORE", std::nullopt), b("JOULE_DRAM_WATTS_PER_GB", std::nullopt);
    const EstimateOptions o = EstimateOptions::from_env();
    EXPECT_EQ(o.cpu_watts_per_core, 0);  // look the CPU up
    EXPECT_EQ(o.dram_watts_per_gb, 0.375);
  }
  EnvVar a("JOULE_CPU_WATTS_PER_CORE", "4.2"), b("JOULE_DRAM_WATTS_PER_GB", "0");
  const EstimateOptions o = EstimateOptions::from_env();
  EXPECT_EQ(o.cpu_watts_per_core, 4.2);
  EXPECT_EQ(o.dram_watts_per_gb, 0);
  EstimateMeter m(o, {}, scripted({0}, {0}, {0}));
  expect_has(m.describe(), "cpu_time x 4.20 W/core (set by JOULE_CPU_WATTS_PER_CORE)");
}

TEST(Estimate, EnvironmentErrorsNameVariableAndValue) {
  {
    EnvVar a("JOULE_CPU_WATTS_PER_CORE", "ten");
    expect_has(error_of([] { EstimateOptions::from_env(); }),
               "JOULE_CPU_WATTS_PER_CORE: expected a number, got 'ten'");
  }
  {
    EnvVar a("JOULE_CPU_WATTS_PER_CORE", "0");
    expect_has(error_of([] { EstimateOptions::from_env(); }),
               "JOULE_CPU_WATTS_PER_CORE: expected watts per busy core > 0, got '0'");
  }
  {
    EnvVar b("JOULE_DRAM_WATTS_PER_GB", "-0.1");
    expect_has(error_of([] { EstimateOptions::from_env(); }),
               "JOULE_DRAM_WATTS_PER_GB: expected watts per GB >= 0, got '-0.1'");
  }
  {
    EnvVar b("JOULE_DRAM_WATTS_PER_GB", "nan");
    expect_has(error_of([] { EstimateOptions::from_env(); }), "JOULE_DRAM_WATTS_PER_GB");
  }
}
