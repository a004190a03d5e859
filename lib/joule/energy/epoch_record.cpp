#include "joule/energy/epoch_record.h"

#include <cstdio>

namespace joule::energy {

namespace {
std::string fmt(double v, int precision) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", precision, v);
  return buf;
}
}  // namespace

void EpochRecord::set(const std::string& key, const std::string& value) {
  for (auto& [k, v] : extra)
    if (k == key) {
      v = value;
      return;
    }
  extra.emplace_back(key, value);
}

void EpochRecord::set(const std::string& key, double value, int precision) {
  set(key, fmt(value, precision));
}

std::string EpochRecord::line() const {
  std::string s = "epoch=" + std::to_string(epoch) + " loss=" + fmt(loss, 4) +
                  " train_acc=" + fmt(train_acc, 2);
  if (val_acc >= 0) s += " val_acc=" + fmt(val_acc, 2);
  if (test_acc >= 0) s += " test_loss=" + fmt(test_loss, 4) + " test_acc=" + fmt(test_acc, 2);
  char lr_buf[32];
  std::snprintf(lr_buf, sizeof lr_buf, "%.4g", lr);
  s += std::string(" lr=") + lr_buf + " train_s=" + fmt(train_s, 3) + " eval_s=" + fmt(eval_s, 3);
  for (const auto& [k, v] : extra) s += " " + k + "=" + v;
  return s;
}

}  // namespace joule::energy
