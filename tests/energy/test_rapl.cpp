// RaplMeter against fake powercap trees written into a temp folder.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "joule/energy/rapl.h"
#include "test_util.h"

using joule::energy::RaplMeter;
using joule::test::expect_has;
using joule::test::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr std::chrono::milliseconds kNoThread{0};
constexpr uint64_t kMax = 262143328850;  // a typical max_energy_range_uj

// Replaces `rel` under the tree with `text` in one rename, so a sampling thread never sees a
// half-written file (real sysfs reads are atomic too).
void put(const TempDir& d, const std::string& rel, const std::string& text) {
  fs::create_directories((d.path() / rel).parent_path());
  fs::rename(d.write(rel + ".tmp", text), d.file(rel));
}

void set_energy(const TempDir& d, const std::string& zone, uint64_t uj) {
  put(d, zone + "/energy_uj", std::to_string(uj) + "\n");
}

// A powercap zone folder: name, max_energy_range_uj, energy_uj.
void zone(const TempDir& d, const std::string& zone, const std::string& name, uint64_t uj,
          uint64_t max = kMax) {
  put(d, zone + "/name", name + "\n");
  put(d, zone + "/max_energy_range_uj", std::to_string(max) + "\n");
  set_energy(d, zone, uj);
}

// Waits until the meter's thread has read the counters at least once more.
void wait_for_a_sample(const RaplMeter& m) {
  const int64_t before = m.sample_count();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (m.sample_count() == before && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_GT(m.sample_count(), before) << "the sampling thread never ran";
}

}  // namespace

TEST(Rapl, OnePackage) {
  TempDir d("joule_rapl");
  zone(d, "intel-rapl:0", "package-0", 1000000);
  RaplMeter m(d.path().string(), kNoThread);
  EXPECT_EQ(m.source(), "rapl");
  EXPECT_TRUE(m.measured());
  EXPECT_EQ(m.describe(), "rapl: package-0");
  EXPECT_DOUBLE_EQ(m.read().total(), 0.0);
  set_energy(d, "intel-rapl:0", 3500000);
  const auto t = m.read();
  EXPECT_DOUBLE_EQ(t.cpu_j, 2.5);
  EXPECT_DOUBLE_EQ(t.dram_j, 0.0);
  EXPECT_DOUBLE_EQ(t.gpu_j, 0.0);
}

TEST(Rapl, TwoPackagesCountDramOnceAndSkipCore) {
  TempDir d("joule_rapl");
  zone(d, "intel-rapl:0", "package-0", 0);
  zone(d, "intel-rapl:0/intel-rapl:0:0", "core", 0);
  zone(d, "intel-rapl:0/intel-rapl:0:1", "uncore", 0);
  zone(d, "intel-rapl:0/intel-rapl:0:2", "dram", 0);
  zone(d, "intel-rapl:1", "package-1", 0);
  zone(d, "intel-rapl:1/intel-rapl:1:0", "core", 0);
  zone(d, "intel-rapl:1/intel-rapl:1:1", "dram", 0);
  // What sysfs also has: the subdomains linked at the top, the mmio duplicate, the control type.
  fs::create_directory_symlink(d.path() / "intel-rapl:0/intel-rapl:0:2",
                               d.path() / "intel-rapl:0:2");
  fs::create_directory_symlink(d.path() / "intel-rapl:1/intel-rapl:1:1",
                               d.path() / "intel-rapl:1:1");
  zone(d, "intel-rapl-mmio:0", "package-0", 0);
  fs::create_directories(d.path() / "intel-rapl");

  RaplMeter m(d.path().string());  // the default 10 s period: the destructor must not wait it out
  EXPECT_EQ(m.describe(),
            "rapl: package-0 (+dram), package-1 (+dram); energy_uj sampled every 10 s");
  set_energy(d, "intel-rapl:0", 10000000);
  set_energy(d, "intel-rapl:0/intel-rapl:0:0", 7000000);  // inside the package's 10 J
  set_energy(d, "intel-rapl:0/intel-rapl:0:1", 1000000);  // inside it too
  set_energy(d, "intel-rapl:0/intel-rapl:0:2", 2000000);
  set_energy(d, "intel-rapl:1", 20000000);
  set_energy(d, "intel-rapl:1/intel-rapl:1:0", 15000000);
  set_energy(d, "intel-rapl:1/intel-rapl:1:1", 4000000);
  set_energy(d, "intel-rapl-mmio:0", 99000000);
  const auto t = m.read();
  EXPECT_DOUBLE_EQ(t.cpu_j, 30.0);
  EXPECT_DOUBLE_EQ(t.dram_j, 6.0);
  EXPECT_DOUBLE_EQ(t.total(), 36.0);
}

TEST(Rapl, SkipsPsys) {
  TempDir d("joule_rapl");
  zone(d, "intel-rapl:0", "package-0", 0);
  zone(d, "intel-rapl:1", "psys", 0);  // the whole platform: would count the package twice
  RaplMeter m(d.path().string(), kNoThread);
  EXPECT_EQ(m.describe(), "rapl: package-0; skipped psys (not a package)");
  set_energy(d, "intel-rapl:0", 4000000);
  set_energy(d, "intel-rapl:1", 9000000);
  EXPECT_DOUBLE_EQ(m.read().cpu_j, 4.0);
}

TEST(Rapl, WrapAround) {
  TempDir d("joule_rapl");
  const uint64_t max = 1000000;
  zone(d, "intel-rapl:0", "package-0", 900000, max);
  RaplMeter m(d.path().string(), kNoThread);
  EXPECT_DOUBLE_EQ(m.read().cpu_j, 0.0);
  set_energy(d, "intel-rapl:0", 100000);  // passed max: max - old + new = 200000 uJ
  EXPECT_DOUBLE_EQ(m.read().cpu_j, 0.2);
  set_energy(d, "intel-rapl:0", 400000);
  EXPECT_DOUBLE_EQ(m.read().cpu_j, 0.5);
}

TEST(Rapl, SamplingThreadCatchesEveryWrap) {
  TempDir d("joule_rapl");
  const uint64_t max = 1000000;
  zone(d, "intel-rapl:0", "package-0", 900000, max);
  RaplMeter m(d.path().string(), std::chrono::milliseconds(1));
  // 900000 -> 100000 (wrap, +0.2 J) -> 800000 (+0.7 J) -> 500000 (wrap, +0.7 J): two wraps
  // between reads, which read() alone would see as 0.6 J.
  for (uint64_t uj : {100000, 800000, 500000}) {
    set_energy(d, "intel-rapl:0", uj);
    wait_for_a_sample(m);
  }
  EXPECT_NEAR(m.read().cpu_j, 1.6, 1e-12);
}

TEST(Rapl, MissingRootSaysWhy) {
  TempDir d("joule_rapl");
  const std::string root = d.file("no_powercap");
  std::string why;
  EXPECT_EQ(RaplMeter::open(root, &why), nullptr);
  expect_has(why, "rapl: no " + root);
  expect_has(why, "VMs and containers usually have none");
}

TEST(Rapl, NoPackagesSaysWhy) {
  TempDir d("joule_rapl");
  zone(d, "intel-rapl-mmio:0", "package-0", 0);
  std::string why;
  EXPECT_EQ(RaplMeter::open(d.path().string(), &why), nullptr);
  expect_has(why, "no intel-rapl:N domains in " + d.path().string());
}

TEST(Rapl, UnreadableCounterFolder) {
  // A folder where energy_uj should be: fails to read even as root.
  TempDir d("joule_rapl");
  put(d, "intel-rapl:0/name", "package-0\n");
  put(d, "intel-rapl:0/max_energy_range_uj", "1000\n");
  fs::create_directories(d.path() / "intel-rapl:0/energy_uj");
  std::string why;
  EXPECT_EQ(RaplMeter::open(d.path().string(), &why), nullptr);
  expect_has(why, "cannot read " + d.file("intel-rapl:0/energy_uj") + ": ");
  expect_has(why, std::strerror(EISDIR));
}

TEST(Rapl, UnreadableCounterDanglingLink) {
  TempDir d("joule_rapl");
  zone(d, "intel-rapl:0", "package-0", 0);
  zone(d, "intel-rapl:0/intel-rapl:0:0", "dram", 0);
  fs::remove(d.path() / "intel-rapl:0/intel-rapl:0:0/energy_uj");
  fs::create_symlink(d.file("gone"), d.path() / "intel-rapl:0/intel-rapl:0:0/energy_uj");
  std::string why;
  EXPECT_EQ(RaplMeter::open(d.path().string(), &why), nullptr);
  expect_has(why, "cannot read " + d.file("intel-rapl:0/intel-rapl:0:0/energy_uj"));
}

TEST(Rapl, CounterThatStopsBeingReadableThrowsOnRead) {
  TempDir d("joule_rapl");
  zone(d, "intel-rapl:0", "package-0", 0);
  RaplMeter m(d.path().string(), kNoThread);
  fs::remove(d.path() / "intel-rapl:0/energy_uj");
  const std::string msg = joule::test::error_of([&] { m.read(); });
  expect_has(msg, "cannot read " + d.file("intel-rapl:0/energy_uj"));
}

TEST(Rapl, GarbledCounterNamesFileAndText) {
  TempDir d("joule_rapl");
  zone(d, "intel-rapl:0", "package-0", 0);
  put(d, "intel-rapl:0/energy_uj", "n/a\n");
  std::string why;
  EXPECT_EQ(RaplMeter::open(d.path().string(), &why), nullptr);
  expect_has(why, d.file("intel-rapl:0/energy_uj") + " should hold a count of microjoules");
  expect_has(why, "'n/a'");
}

TEST(Rapl, PermissionMessageExplainsRootOnlyCounters) {
  const std::string file = "/sys/class/powercap/intel-rapl:0/energy_uj";
  const std::string msg = joule::energy::rapl_read_error(file, EACCES);
  expect_has(msg, "cannot read " + file + ": permission denied");
  expect_has(msg, "Linux 5.10");
  expect_has(msg, "CVE-2020-8694");
  expect_has(msg, "run as root");
  expect_has(msg, "sudo chmod o+r " + file);
}

TEST(Rapl, RootOnlyCounterFallsBackWithTheMessage) {
  TempDir d("joule_rapl");
  zone(d, "intel-rapl:0", "package-0", 0);
  const std::string file = d.file("intel-rapl:0/energy_uj");
  fs::permissions(file, fs::perms::none);
  if (::access(file.c_str(), R_OK) == 0)
    GTEST_SKIP() << "running as root (or with CAP_DAC_OVERRIDE): mode 000 does not stop reads; "
                    "the message itself is checked by PermissionMessageExplainsRootOnlyCounters";
  std::string why;
  EXPECT_EQ(RaplMeter::open(d.path().string(), &why), nullptr);
  expect_has(why, "cannot read " + file + ": permission denied");
  expect_has(why, "CVE-2020-8694");
}
