// What the machine is, read once from the kernel: the one reader of /proc/cpuinfo and
// /proc/meminfo in Joule. The estimate (estimate.h) looks the CPU model up in its power table;
// the run reports (report/) write it in CodeCarbon's host columns.
#pragma once

#include <string>

namespace joule::energy {

// The first "model name" in /proc/cpuinfo, or "" when there is none (some ARM kernels).
std::string cpu_model_name();

// uname's "<sysname>-<release>-<machine>" ("Linux-6.1.0-x86_64"), or "" when uname fails.
std::string os_name();

// MemTotal of /proc/meminfo in GiB (CodeCarbon's ram_total_size), or 0 when it cannot be read.
double ram_total_gib();

}  // namespace joule::energy
