// Observers: they watch the float tensors that will be quantized (calibration batches, or the
// training batches of quantization-aware training) and choose the uint8 range.
//   MinMaxObserver              the smallest and largest value ever seen
//   MovingAverageMinMaxObserver each batch's min and max, averaged (PyTorch's, constant 0.01)
//   HistogramObserver           a histogram of every value seen; the range is the one whose
//                               uint8 grid gives the least squared error over the histogram
//                               (as PyTorch's HistogramObserver and TensorRT's calibration)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "joule/core/tensor.h"
#include "joule/quant/qtensor.h"

namespace joule::quant {

class Observer {
 public:
  virtual ~Observer() = default;
  // Watches x (float32, any shape; non-finite values are ignored).
  virtual void observe(const Tensor& x) = 0;
  // The chosen parameters; throws naming the observer when it has seen nothing.
  virtual QParams qparams() const = 0;
  virtual std::string name() const = 0;
  bool seen() const { return seen_; }

 protected:
  bool seen_ = false;
};

class MinMaxObserver : public Observer {
 public:
  void observe(const Tensor& x) override;
  QParams qparams() const override;
  std::string name() const override { return "MinMaxObserver"; }
  float min() const { return lo_; }
  float max() const { return hi_; }

 private:
  float lo_ = 0.f, hi_ = 0.f;
};

class MovingAverageMinMaxObserver : public Observer {
 public:
  explicit MovingAverageMinMaxObserver(float averaging_constant = 0.01f);
  void observe(const Tensor& x) override;
  QParams qparams() const override;
  std::string name() const override { return "MovingAverageMinMaxObserver"; }
  float min() const { return lo_; }
  float max() const { return hi_; }

 private:
  float c_;
  float lo_ = 0.f, hi_ = 0.f;
};

class HistogramObserver : public Observer {
 public:
  explicit HistogramObserver(int64_t bins = 2048);
  void observe(const Tensor& x) override;
  QParams qparams() const override;
  std::string name() const override { return "HistogramObserver"; }
  // The range the search chose: [lo, hi] within [min seen, max seen].
  std::pair<float, float> chosen_range() const;
  // The histogram's estimate of the mean squared quantization error when [lo, hi] is the range
  // (clipped values count their distance to the range; the others a uniform rounding error).
  double expected_error(float lo, float hi) const;

 private:
  void grow(float lo, float hi);
  int64_t bins_;
  float lo_ = 0.f, hi_ = 0.f;
  std::vector<double> counts_;
};

enum class ObserverKind { MinMax, MovingAverage, Histogram };
std::unique_ptr<Observer> make_observer(ObserverKind kind);
// "minmax" | "moving_average" | "histogram"; throws listing the names on another.
ObserverKind observer_kind(const std::string& name);

}  // namespace joule::quant
