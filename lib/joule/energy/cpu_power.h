// Per-core CPU power for the estimate: the vendor's TDP divided by the core count, looked up by
// /proc/cpuinfo's "model name" in a small table (cpu_power.cpp), else a fallback.
//
// TDP is what the cooling must remove under a sustained all-core load, so TDP / cores is roughly
// what one busy core costs, its share of the caches and uncore included. Two caveats, both
// overstating: a core idles below its share, and with SMT two busy hardware threads on one core
// are charged two shares (CPU time counts per thread).
#pragma once

#include <string>

#include "joule/energy/host.h"  // cpu_model_name()

namespace joule::energy {

// Watts per busy core when the CPU is not in the table. 10 W is at the top of the table's range
// (2.6 W for a 192-core EPYC 9965 up to 10.6 W for a Ryzen 9 7950X), so an unknown CPU is
// overstated rather than understated; set JOULE_CPU_WATTS_PER_CORE when you know better.
inline constexpr double kFallbackCpuWattsPerCore = 10.0;

struct CpuPower {
  double watts_per_core = kFallbackCpuWattsPerCore;
  // Where the figure comes from, for describe():
  // "AMD EPYC 9755: 500 W TDP / 128 cores, table" or "'<model>' not in the table: fallback".
  std::string origin;
};

// The table row matching `model_name` (a /proc/cpuinfo "model name"), else the fallback.
CpuPower cpu_power_for(const std::string& model_name);

}  // namespace joule::energy
