// energy/host.h: the machine as the kernel describes it, read by the estimate and the reports.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "joule/energy/cpu_power.h"
#include "joule/energy/host.h"

using namespace joule;

TEST(Host, OsNameIsUnamesThreeParts) {
  const std::string os = energy::os_name();
  ASSERT_FALSE(os.empty());
  EXPECT_EQ(os.rfind("Linux-", 0), 0u) << os;
  EXPECT_GE(std::count(os.begin(), os.end(), '-'), 2) << os;
}

TEST(Host, RamTotalIsMemTotalInGib) {
  std::ifstream in("/proc/meminfo");
  if (!in.is_open()) GTEST_SKIP() << "no /proc/meminfo";
  std::string key;
  double kib = 0;
  in >> key >> kib;
  ASSERT_EQ(key, "MemTotal:");
  EXPECT_DOUBLE_EQ(energy::ram_total_gib(), kib / (1024.0 * 1024.0));
}

TEST(Host, CpuModelIsTheOneTheEstimateLooksUp) {
  // The same reader feeds both: the estimate's table look-up and CodeCarbon's cpu_model column.
  const std::string model = energy::cpu_model_name();
  std::ifstream in("/proc/cpuinfo");
  std::string line, expected;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    expected = line.substr(line.find_first_not_of(' ', line.find(':') + 1));
    break;
  }
  EXPECT_EQ(model, expected);
  EXPECT_EQ(energy::cpu_power_for(model).origin, energy::cpu_power_for(expected).origin);
}
