#include "joule/energy/meter.h"

#include <chrono>

#include "joule/core/check.h"
#include "joule/energy/text.h"

namespace joule::energy {

namespace {

double steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

EnergyWindow::EnergyWindow(Meter& meter)
    : meter_(meter), start_(meter.read()), start_s_(steady_seconds()) {}

Measurement EnergyWindow::stop() {
  JOULE_CHECK(!stopped_, "EnergyWindow::stop: this window was already stopped (source ",
              meter_.source(), ")");
  stopped_ = true;
  const EnergyTotals end = meter_.read();
  Measurement m;
  m.seconds = steady_seconds() - start_s_;
  m.joules.cpu_j = end.cpu_j - start_.cpu_j;
  m.joules.dram_j = end.dram_j - start_.dram_j;
  m.joules.gpu_j = end.gpu_j - start_.gpu_j;
  m.source = meter_.source();
  m.measured = meter_.measured();
  return m;
}

CompositeMeter::CompositeMeter(std::vector<std::unique_ptr<Meter>> parts)
    : parts_(std::move(parts)) {
  JOULE_CHECK(!parts_.empty(), "CompositeMeter: needs at least one meter, got none");
  for (size_t i = 0; i < parts_.size(); ++i)
    JOULE_CHECK(parts_[i] != nullptr, "CompositeMeter: meter ", i, " of ", parts_.size(),
                " is null");
}

std::string CompositeMeter::source() const {
  std::vector<std::string> names;
  for (const auto& p : parts_) names.push_back(p->source());
  return join(names, "+");
}

bool CompositeMeter::measured() const {
  for (const auto& p : parts_)
    if (!p->measured()) return false;
  return true;
}

EnergyTotals CompositeMeter::read() {
  EnergyTotals sum;
  for (const auto& p : parts_) {
    const EnergyTotals t = p->read();
    sum.cpu_j += t.cpu_j;
    sum.dram_j += t.dram_j;
    sum.gpu_j += t.gpu_j;
  }
  return sum;
}

std::string CompositeMeter::describe() const {
  std::vector<std::string> lines;
  for (const auto& p : parts_) lines.push_back(p->describe());
  return join(lines, "; ");
}

}  // namespace joule::energy
