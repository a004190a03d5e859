#include "joule/core/host_heap.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <mutex>

#include "joule/core/check.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace joule {

size_t parse_heap_top_pad(const std::string& value) {
  constexpr size_t kDefault = size_t{64} << 20;
  if (value.empty()) return kDefault;
  size_t digits = 0;
  while (digits < value.size() && std::isdigit(static_cast<unsigned char>(value[digits])))
    ++digits;
  const std::string suffix = value.substr(digits);
  JOULE_CHECK(digits > 0 && digits <= 12 &&
                  (suffix.empty() || suffix == "K" || suffix == "M" || suffix == "G"),
              "JOULE_HEAP_TOP_PAD must be a byte count with an optional K, M or G suffix "
              "(0 leaves glibc's heap alone), got '", value, "'");
  const size_t shift = suffix == "K" ? 10 : suffix == "M" ? 20 : suffix == "G" ? 30 : 0;
  const unsigned long long n = std::stoull(value.substr(0, digits));
  JOULE_CHECK(n <= (1ull << 30) >> shift, "JOULE_HEAP_TOP_PAD must be at most 1G, got '", value,
              "'");
  return static_cast<size_t>(n) << shift;
}

size_t tune_host_heap(std::string* why) {
  static std::once_flag once;
  static size_t applied = 0;
  static std::string reason;
  std::call_once(once, [] {
#if defined(__GLIBC__)
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    if (tunables && std::string(tunables).find("glibc.malloc.") != std::string::npos) {
      reason = "GLIBC_TUNABLES sets glibc.malloc tunables";
      return;
    }
    const char* env = std::getenv("JOULE_HEAP_TOP_PAD");
    size_t pad = 0;
    try {
      pad = parse_heap_top_pad(env ? env : "");
    } catch (const Error& e) {
      // Called from the first host allocation, where throwing would abort a static
      // initialisation: say so and keep glibc's defaults.
      std::cerr << "joule: " << e.what() << "; glibc's heap left as it is" << std::endl;
      reason = e.what();
      return;
    }
    if (pad == 0) {
      reason = "JOULE_HEAP_TOP_PAD=0";
      return;
    }
    // The pad alone did not help (measured); with it, the two thresholds glibc would otherwise
    // move by itself: blocks below 32 MiB (glibc's own ceiling for its moving threshold) come
    // from the heap, and the heap's top is trimmed only beyond twice the pad.
    if (mallopt(M_TOP_PAD, static_cast<int>(pad)) != 1 ||
        mallopt(M_TRIM_THRESHOLD, static_cast<int>(std::min<size_t>(2 * pad, size_t{1} << 30))) !=
            1 ||
        mallopt(M_MMAP_THRESHOLD, 32 << 20) != 1) {
      reason = "mallopt refused M_TOP_PAD, M_TRIM_THRESHOLD or M_MMAP_THRESHOLD";
      return;
    }
    applied = pad;
#else
    reason = "not glibc";
#endif
  });
  if (why) *why = reason;
  return applied;
}

}  // namespace joule

namespace joule {
namespace {
// Before main: the pad must be in place before the program's first large allocations (a
// dataset's file buffers), not only before Joule's first tensor; set later it no longer helped
// (measured: epoch 1 as slow as without it).
const size_t g_applied_at_start = tune_host_heap();
}  // namespace

size_t host_heap_pad_at_start() { return g_applied_at_start; }
}  // namespace joule
