// A small command-line parser for the examples: --name value flags with defaults and help text.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "joule/core/device.h"

namespace joule::examples {

class Cli {
 public:
  Cli(std::string program, std::string summary);
  // Declares a flag with its default (as text) and help; booleans are "--flag" with no value.
  Cli& flag(const std::string& name, const std::string& default_value, const std::string& help);
  Cli& toggle(const std::string& name, const std::string& help);
  // Parses argv; on --help prints usage and exits 0; on a bad flag prints why and exits 2.
  void parse(int argc, char** argv);

  std::string str(const std::string& name) const;
  int64_t i64(const std::string& name) const;
  double f64(const std::string& name) const;
  bool on(const std::string& name) const;
  // "256,128" -> {256, 128}
  std::vector<int64_t> i64_list(const std::string& name) const;
  std::string usage() const;

 private:
  struct Flag {
    std::string value, help;
    bool is_toggle = false;
  };
  std::string program_, summary_;
  std::map<std::string, Flag> flags_;
  std::vector<std::string> order_;
};

// The flags every training example shares, with the example's defaults: --epochs --batch --lr
// --momentum --weight-decay --seed --threads --data --no-progress.
void add_recipe_flags(Cli& cli, const std::string& epochs, const std::string& batch,
                      const std::string& lr);

// --device cpu|cuda (cuda:0 also accepted), default cpu.
void add_device_flag(Cli& cli);
// The device --device names. Prints why and exits 2 on a value it does not know; throws
// joule::Error naming the reason when it names a GPU this machine or build does not have.
Device device_from_flags(const Cli& cli);
// What runs the GEMMs: "eigen-3.4.0" on the CPU, "cublas" on a GPU.
std::string blas_name(Device device);
// Key=value fields naming the device: device=cpu, or device=cuda:0 gpu="NVIDIA H100 80GB HBM3".
std::string device_fields(Device device);

// Sets the OpenMP thread count when n > 0; returns the count in use.
int set_threads(int64_t n);

}  // namespace joule::examples
