#include "joule/energy/cpu_power.h"

#include <cctype>
#include <cstdio>


namespace joule::energy {

namespace {

struct CpuRow {
  const char* key;  // matched in the model name with (R) and (TM) removed, as a whole word
  double tdp_w;
  int cores;
};

// Default TDP (AMD) or TDP / Processor Base Power (Intel) and physical cores, from the vendors'
// product pages (amd.com/en/products/processors, ark.intel.com).
const CpuRow kCpus[] = {
    {"AMD EPYC 9965", 500, 192},       // Zen 5c "Turin Dense"
    {"AMD EPYC 9755", 500, 128},       // Zen 5 "Turin"
    {"AMD EPYC 9754", 360, 128},       // Zen 4c "Bergamo"
    {"AMD EPYC 9654", 360, 96},        // Zen 4 "Genoa"
    {"AMD EPYC 7763", 280, 64},        // Zen 3 "Milan"
    {"AMD EPYC 7742", 225, 64},        // Zen 2 "Rome"
    {"AMD Ryzen 9 9950X", 170, 16},    // Zen 5 desktop
    {"AMD Ryzen 9 7950X", 170, 16},    // Zen 4 desktop
    {"AMD Ryzen 9 5950X", 105, 16},    // Zen 3 desktop
    {"Xeon 6980P", 500, 128},          // Granite Rapids
    {"Xeon Platinum 8592+", 350, 64},  // Emerald Rapids
    {"Xeon Platinum 8480+", 350, 56},  // Sapphire Rapids
    {"Xeon Platinum 8380", 270, 40},   // Ice Lake
    {"Xeon Gold 6248", 150, 20},       // Cascade Lake
    {"Core i9-14900K", 125, 24},       // Raptor Lake, 8 P + 16 E cores
    {"Core i9-13900K", 125, 24},       // Raptor Lake, 8 P + 16 E cores
    {"Core i7-12700K", 125, 12},       // Alder Lake, 8 P + 4 E cores
};

// "Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz" -> "Intel Xeon Platinum 8380 CPU @ 2.30GHz".
std::string normalize(const std::string& model) {
  std::string s = model;
  for (const std::string mark : {"(R)", "(r)", "(TM)", "(tm)"}) {
    size_t at = s.find(mark);
    while (at != std::string::npos) {
      s.erase(at, mark.size());
      at = s.find(mark, at);
    }
  }
  std::string out;  // runs of spaces become one
  for (char c : s)
    if (!(c == ' ' && (out.empty() || out.back() == ' '))) out += c;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// True when `key` occurs in `text` not followed by a letter or digit ("Gold 6248" is not in
// "Gold 6248R", a different part).
bool has_word(const std::string& text, const std::string& key) {
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) {
    const size_t end = at + key.size();
    if (end == text.size() || !std::isalnum(static_cast<unsigned char>(text[end]))) return true;
  }
  return false;
}

}  // namespace

CpuPower cpu_power_for(const std::string& model_name) {
  const std::string model = normalize(model_name);
  for (const CpuRow& row : kCpus) {
    if (!has_word(model, row.key)) continue;
    char origin[160];
    std::snprintf(origin, sizeof origin, "%s: %.0f W TDP / %d cores, table", row.key, row.tdp_w,
                  row.cores);
    return {row.tdp_w / row.cores, origin};
  }
  const std::string shown = model_name.empty() ? "CPU model unknown" : "'" + model_name + "'";
  return {kFallbackCpuWattsPerCore, shown + " not in the table: fallback"};
}

}  // namespace joule::energy
