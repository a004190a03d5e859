// Observers: min/max, its moving average, and the histogram's least-error range.
#include <gtest/gtest.h>

#include <cmath>

#include "joule/core/check.h"
#include "joule/quant/observer.h"

namespace joule {
namespace {

TEST(Observer, MinMaxTracksTheExtremesAndSkipsNonFinite) {
  quant::MinMaxObserver o;
  EXPECT_THROW(o.qparams(), Error);
  o.observe(Tensor::from_vector(std::vector<float>{1.f, 2.f, std::nanf("")}, {3}));
  o.observe(Tensor::from_vector(std::vector<float>{-0.5f, 1.5f, INFINITY}, {3}));
  EXPECT_FLOAT_EQ(o.min(), -0.5f);
  EXPECT_FLOAT_EQ(o.max(), 2.f);
  EXPECT_FLOAT_EQ(o.qparams().scale, 2.5f / 255.f);
}

TEST(Observer, MovingAverageMovesByTheConstant) {
  quant::MovingAverageMinMaxObserver o(0.5f);
  o.observe(Tensor::from_vector(std::vector<float>{0.f, 4.f}, {2}));
  o.observe(Tensor::from_vector(std::vector<float>{-2.f, 8.f}, {2}));
  EXPECT_FLOAT_EQ(o.min(), -1.f);
  EXPECT_FLOAT_EQ(o.max(), 6.f);
  EXPECT_THROW(quant::MovingAverageMinMaxObserver(0.f), Error);
}

TEST(Observer, HistogramClipsARareOutlierWhenThatLowersTheError) {
  // 10^6 values from N(0, 1) and one at 30: spreading 256 codes over [-5, 30] costs every value
  // rounding error (step^2 / 12 each, ~1600 in all); clipping the outlier at h costs (30 - h)^2.
  // The sum (30 - h)^2 + 10^6 ((h + 5) / 255)^2 / 12 is least near h = 10.3.
  Generator g(7);
  Tensor x = Tensor::randn({1000001}, g);
  x.data<float>()[0] = 30.f;
  quant::HistogramObserver h;
  h.observe(x.slice_rows(0, 500000));
  h.observe(x.slice_rows(500000, 1000001));
  const auto [lo, hi] = h.chosen_range();
  EXPECT_LT(hi, 13.f);
  EXPECT_GT(hi, 8.f);
  EXPECT_LT(lo, -3.f);
  quant::MinMaxObserver mm;
  mm.observe(x);
  EXPECT_LT(h.expected_error(lo, hi), 0.7 * h.expected_error(mm.min(), mm.max()));
  // no nearby range does better
  for (float f : {0.8f, 0.9f, 1.1f, 1.25f}) {
    EXPECT_LE(h.expected_error(lo, hi), h.expected_error(lo, hi * f)) << f;
    EXPECT_LE(h.expected_error(lo, hi), h.expected_error(lo * f, hi)) << f;
  }
}

TEST(Observer, HistogramKeepsARareOutlierWhenClippingCostsMore) {
  // 2000 values and one at 30: clipping it costs more than the coarser grid costs the rest
  Generator g(8);
  Tensor x = Tensor::randn({2001}, g);
  x.data<float>()[5] = 30.f;
  quant::HistogramObserver h;
  h.observe(x);
  EXPECT_GT(h.chosen_range().second, 29.f);
}

TEST(Observer, HistogramGrowsItsRange) {
  quant::HistogramObserver h(64);
  h.observe(Tensor::from_vector(std::vector<float>{0.f, 1.f}, {2}));
  h.observe(Tensor::from_vector(std::vector<float>{-3.f, 5.f}, {2}));
  const auto [lo, hi] = h.chosen_range();
  EXPECT_GE(lo, -3.f);
  EXPECT_LE(hi, 5.f);
  EXPECT_GT(hi - lo, 0.f);
}

TEST(Observer, KindsByName) {
  EXPECT_EQ(quant::observer_kind("histogram"), quant::ObserverKind::Histogram);
  EXPECT_EQ(quant::make_observer(quant::ObserverKind::MinMax)->name(), "MinMaxObserver");
  EXPECT_THROW(quant::observer_kind("entropy"), Error);
}

}  // namespace
}  // namespace joule
