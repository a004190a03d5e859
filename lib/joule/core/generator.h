// Generator: an explicit, seedable random source (xoshiro256**, seeded through splitmix64).
// Nothing in joule draws from a hidden global generator: pass one where randomness is needed.
#pragma once

#include <array>
#include <cstdint>

namespace joule {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) { manual_seed(seed); }
  void manual_seed(uint64_t seed);

  uint64_t next_u64();
  // Uniform in [0, 1) with 24 random bits (every float in the grid equally likely).
  float uniform01();
  // Uniform integer in [0, n).
  uint64_t below(uint64_t n);
  // Standard normal (Box-Muller, one value cached).
  float normal();

  // The whole state, for checkpoints: restoring it continues the same sequence.
  struct State {
    std::array<uint64_t, 4> s;
    bool has_spare;
    float spare;
  };
  State state() const { return {s_, has_spare_, spare_}; }
  void set_state(const State& st);

 private:
  std::array<uint64_t, 4> s_{};
  bool has_spare_ = false;
  float spare_ = 0.f;
};

}  // namespace joule
