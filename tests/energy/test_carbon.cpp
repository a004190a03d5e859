// Emissions arithmetic and its environment overrides.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "env_var.h"
#include "joule/energy/carbon.h"
#include "test_util.h"

using namespace joule::energy;
using joule::test::EnvVar;
using joule::test::error_of;
using joule::test::expect_has;

TEST(Carbon, Defaults) {
  const CarbonOptions o;
  EXPECT_EQ(o.intensity_g_per_kwh, 475);
  EXPECT_EQ(o.pue, 1.0);
  EXPECT_EQ(o.describe(), "475 gCO2e/kWh x PUE 1.00");
}

TEST(Carbon, OneKilowattHour) {
  CarbonOptions o;
  EXPECT_DOUBLE_EQ(grams_co2e(3.6e6, o), 475);
  EXPECT_DOUBLE_EQ(grams_co2e(0, o), 0);
  o.intensity_g_per_kwh = 100;
  o.pue = 1.5;
  EXPECT_DOUBLE_EQ(grams_co2e(3.6e6, o), 150);
  EXPECT_DOUBLE_EQ(grams_co2e(36000, o), 1.5);  // 10 Wh
}

TEST(Carbon, RejectsImpossibleInputs) {
  CarbonOptions o;
  expect_has(error_of([&] { grams_co2e(-1, o); }), "energy must be >= 0 J, got -1");
  o.pue = 0.8;
  expect_has(error_of([&] { grams_co2e(1, o); }), "PUE must be >= 1, got 0.8");
  o.pue = 1;
  o.intensity_g_per_kwh = -5;
  expect_has(error_of([&] { grams_co2e(1, o); }), "carbon intensity must be >= 0");
}

TEST(Carbon, EnvironmentOverrides) {
  {
    EnvVar a("JOULE_CARBON_INTENSITY", std::nullopt), b("JOULE_PUE", std::nullopt);
    const CarbonOptions o = CarbonOptions::from_env();
    EXPECT_EQ(o.intensity_g_per_kwh, 475);
    EXPECT_EQ(o.pue, 1.0);
  }
  EnvVar a("JOULE_CARBON_INTENSITY", "56"), b("JOULE_PUE", " 1.2 ");
  const CarbonOptions o = CarbonOptions::from_env();
  EXPECT_EQ(o.intensity_g_per_kwh, 56);
  EXPECT_EQ(o.pue, 1.2);
}

TEST(Carbon, EnvironmentErrorsNameVariableAndValue) {
  {
    EnvVar a("JOULE_CARBON_INTENSITY", "lots");
    const std::string msg = error_of([] { CarbonOptions::from_env(); });
    expect_has(msg, "JOULE_CARBON_INTENSITY");
    expect_has(msg, "'lots'");
  }
  {
    EnvVar a("JOULE_CARBON_INTENSITY", "-3");
    expect_has(error_of([] { CarbonOptions::from_env(); }),
               "JOULE_CARBON_INTENSITY: expected gCO2e/kWh >= 0, got '-3'");
  }
  {
    EnvVar b("JOULE_PUE", "0.9");
    expect_has(error_of([] { CarbonOptions::from_env(); }), "JOULE_PUE: expected a PUE >= 1");
  }
  {
    EnvVar b("JOULE_PUE", "1.4x");
    expect_has(error_of([] { CarbonOptions::from_env(); }),
               "JOULE_PUE: expected a number, got '1.4x'");
  }
}
