// EnergyWindow, CompositeMeter and make_meter, with a scripted fake meter.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "joule/energy/make_meter.h"
#include "joule/energy/meter.h"
#include "test_util.h"

using namespace joule::energy;
using joule::test::error_of;
using joule::test::expect_has;

namespace {

// Returns the scripted totals in turn (the last one again once they run out).
class FakeMeter : public Meter {
 public:
  FakeMeter(std::string source, bool measured, std::vector<EnergyTotals> script)
      : source_(std::move(source)), measured_(measured), script_(std::move(script)) {}
  std::string source() const override { return source_; }
  bool measured() const override { return measured_; }
  EnergyTotals read() override {
    ++reads;
    const size_t i = next_ < script_.size() ? next_++ : script_.size() - 1;
    return script_[i];
  }
  std::string describe() const override { return source_ + ": fake"; }
  int reads = 0;

 private:
  std::string source_;
  bool measured_;
  std::vector<EnergyTotals> script_;
  size_t next_ = 0;
};

EnergyTotals totals(double cpu, double dram, double gpu) {
  EnergyTotals t;
  t.cpu_j = cpu;
  t.dram_j = dram;
  t.gpu_j = gpu;
  return t;
}

}  // namespace

TEST(EnergyWindow, SubtractsStartFromEnd) {
  FakeMeter m("rapl", true, {totals(10, 2, 0), totals(25, 3.5, 0)});
  EnergyWindow w(m);
  const Measurement r = w.stop();
  EXPECT_DOUBLE_EQ(r.joules.cpu_j, 15);
  EXPECT_DOUBLE_EQ(r.joules.dram_j, 1.5);
  EXPECT_DOUBLE_EQ(r.joules.gpu_j, 0);
  EXPECT_DOUBLE_EQ(r.total_j(), 16.5);
  EXPECT_GE(r.seconds, 0);
  EXPECT_EQ(r.source, "rapl");
  EXPECT_TRUE(r.measured);
  EXPECT_STREQ(r.kind(), "measured");
}

TEST(EnergyWindow, EstimatedSourceIsLabelled) {
  FakeMeter m("estimate", false, {totals(0, 0, 0), totals(1, 0, 0)});
  EnergyWindow w(m);
  const Measurement r = w.stop();
  EXPECT_FALSE(r.measured);
  EXPECT_STREQ(r.kind(), "estimated");
}

TEST(EnergyWindow, StopsOnlyOnce) {
  FakeMeter m("rapl", true, {totals(1, 0, 0)});
  EnergyWindow w(m);
  w.stop();
  expect_has(error_of([&] { w.stop(); }), "already stopped");
}

TEST(EnergyWindow, UnstoppedWindowReadsOnlyAtStart) {
  FakeMeter m("rapl", true, {totals(1, 0, 0)});
  { EnergyWindow w(m); }
  EXPECT_EQ(m.reads, 1);
}

TEST(CompositeMeter, SumsPartsAndJoinsSources) {
  std::vector<std::unique_ptr<Meter>> parts;
  parts.push_back(std::make_unique<FakeMeter>("rapl", true, std::vector{totals(5, 1, 0)}));
  parts.push_back(std::make_unique<FakeMeter>("nvml", true, std::vector{totals(0, 0, 40)}));
  CompositeMeter m(std::move(parts));
  EXPECT_EQ(m.source(), "rapl+nvml");
  EXPECT_TRUE(m.measured());
  EXPECT_EQ(m.describe(), "rapl: fake; nvml: fake");
  const EnergyTotals t = m.read();
  EXPECT_DOUBLE_EQ(t.cpu_j, 5);
  EXPECT_DOUBLE_EQ(t.dram_j, 1);
  EXPECT_DOUBLE_EQ(t.gpu_j, 40);
}

TEST(CompositeMeter, EstimatedWhenAnyPartIs) {
  std::vector<std::unique_ptr<Meter>> parts;
  parts.push_back(std::make_unique<FakeMeter>("estimate", false, std::vector{totals(0, 0, 0)}));
  parts.push_back(std::make_unique<FakeMeter>("nvml", true, std::vector{totals(0, 0, 0)}));
  CompositeMeter m(std::move(parts));
  EXPECT_EQ(m.source(), "estimate+nvml");
  EXPECT_FALSE(m.measured());
}

TEST(CompositeMeter, RejectsNoneAndNull) {
  expect_has(error_of([] { CompositeMeter m({}); }), "needs at least one meter");
  std::vector<std::unique_ptr<Meter>> parts;
  parts.push_back(nullptr);
  expect_has(error_of([&] { CompositeMeter m(std::move(parts)); }), "meter 0 of 1 is null");
}

TEST(MakeMeter, EstimateWhenNoRapl) {
  joule::test::TempDir d("joule_make_meter");
  MeterOptions o;
  o.rapl_root = d.file("no_powercap");
  o.use_nvml = false;
  std::vector<std::string> notes;
  auto m = make_meter(o, &notes);
  EXPECT_EQ(m->source(), "estimate");
  EXPECT_FALSE(m->measured());
  expect_has(m->describe(), "no hardware counter readable (rapl: no " + o.rapl_root);
  ASSERT_EQ(notes.size(), 2u);
  expect_has(notes[0], "CPU and DRAM energy estimated, not measured: rapl: no " + o.rapl_root);
  expect_has(notes[1], "GPU energy not counted: nvml turned off");
  const EnergyTotals t = m->read();
  EXPECT_GE(t.cpu_j, 0);
  EXPECT_GE(t.dram_j, 0);
  EXPECT_EQ(t.gpu_j, 0);
}

TEST(MakeMeter, RaplWhenReadable) {
  joule::test::TempDir d("joule_make_meter");
  std::filesystem::create_directories(d.path() / "intel-rapl:0");
  d.write("intel-rapl:0/name", "package-0\n");
  d.write("intel-rapl:0/max_energy_range_uj", "1000000\n");
  d.write("intel-rapl:0/energy_uj", "5\n");
  MeterOptions o;
  o.rapl_root = d.path().string();
  o.use_nvml = false;
  std::vector<std::string> notes;
  auto m = make_meter(o, &notes);
  EXPECT_EQ(m->source(), "rapl");
  EXPECT_TRUE(m->measured());
  ASSERT_EQ(notes.size(), 1u);
  expect_has(notes[0], "nvml turned off");
}

TEST(MakeMeter, ThisMachineGivesAWorkingMeter) {
  std::vector<std::string> notes;
  auto m = make_meter(MeterOptions{}, &notes);
  ASSERT_NE(m, nullptr);
  EXPECT_FALSE(m->describe().empty());
  const EnergyTotals a = m->read();
  const EnergyTotals b = m->read();
  EXPECT_GE(b.total(), a.total());
  if (m->source().find("estimate") != std::string::npos) {
    EXPECT_FALSE(m->measured());
  }
  if (m->source().find("nvml") == std::string::npos) {
    EXPECT_FALSE(notes.empty());
  }
}
