// The command-line parser of the examples and the benchmarks: --name value (or --name=value)
// flags, each declared with a default, a help line and the rule its value must follow.
//
//   Cli cli("fashion_mlp", "Train an MLP on Fashion-MNIST.");
//   cli.int_flag("threads", "0", "OpenMP threads", {.min = 0, .note = "0 = all cores"})
//      .real_flag("lr", "0.05", "learning rate", {.min = 0, .min_open = true});
//   cli.parse_or_exit(argc, argv);   // in main: --help exits 0, a bad flag exits 2
//
// parse() checks every value (and every default) against its flag's rule and throws CliError
// naming the flag and the value: an unknown flag, an integer that does not parse whole or does
// not fit ("12abc", "", "1e3", 99999999999999999999), a number that is not finite ("nan", "inf")
// unless the flag allows it, a value out of its range ("--threads must be >= 0 (0 = all cores),
// got -3"). Only parse_or_exit, which main calls, prints and exits.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "joule/core/check.h"
#include "joule/core/device.h"

namespace joule::examples {

// A command line that breaks a flag's rule; what() names the flag and the value.
class CliError : public Error {
 public:
  using Error::Error;
};

// An integer flag's range, inclusive; `note` explains a special value ("0 = all cores").
struct IntRule {
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();
  std::string note = "";
};

// A number flag's range (open ends exclude the bound); finite unless `finite` is false.
struct RealRule {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_open = false;
  bool max_open = false;
  bool finite = true;
  std::string note = "";
};

class Cli {
 public:
  Cli(std::string program, std::string summary);

  // Declarations, in the order usage() lists them. Defaults are text, as the user would type.
  // Any text.
  Cli& flag(const std::string& name, const std::string& default_value, const std::string& help);
  // A whole integer within `rule`.
  Cli& int_flag(const std::string& name, const std::string& default_value,
                const std::string& help, IntRule rule = {});
  // A number within `rule`.
  Cli& real_flag(const std::string& name, const std::string& default_value,
                 const std::string& help, RealRule rule = {});
  // Comma-separated integers, each within `rule` ("256,128").
  Cli& list_flag(const std::string& name, const std::string& default_value,
                 const std::string& help, IntRule rule = {.min = 1});
  // One of `choices`.
  Cli& choice_flag(const std::string& name, const std::string& default_value,
                   const std::string& help, std::vector<std::string> choices);
  // "--name" with no value: off unless given.
  Cli& toggle(const std::string& name, const std::string& help);

  // Parses the arguments after the program's name. Returns false when --help (or -h) was
  // asked, true otherwise; throws CliError on any flag or value that breaks its rule.
  bool parse(const std::vector<std::string>& args);
  bool parse(int argc, const char* const* argv);
  // For main: parse(); on --help prints usage() to stdout and exits 0; on a CliError prints
  // "<program>: <what>" and a hint to use --help on stderr and exits 2.
  void parse_or_exit(int argc, const char* const* argv);

  // Values (after parse). i64 and f64 also read a plain flag(), checking its text then (throws
  // CliError); reading a name never declared is a programming error (throws joule::Error).
  std::string str(const std::string& name) const;
  int64_t i64(const std::string& name) const;
  double f64(const std::string& name) const;
  bool on(const std::string& name) const;
  std::vector<int64_t> i64_list(const std::string& name) const;

  const std::string& program() const { return program_; }
  std::string usage() const;

 private:
  enum class Kind { Text, Int, Real, List, Choice, Toggle };
  struct Flag {
    Kind kind = Kind::Text;
    std::string value = "";
    std::string help = "";
    IntRule int_rule = {};
    RealRule real_rule = {};
    std::vector<std::string> choices = {};
  };
  static Flag make_flag(Kind kind, const std::string& def, const std::string& help);
  Cli& declare(const std::string& name, Flag flag);
  const Flag& get(const std::string& name) const;
  void check(const std::string& name, const Flag& flag) const;

  std::string program_, summary_;
  std::map<std::string, Flag> flags_;
  std::vector<std::string> order_;
};

// The checked readers the parser uses, for tests and one-off values. `flag` names the flag in
// the message ("--epochs must be >= 1, got 0").
int64_t parse_int(const std::string& flag, const std::string& text, const IntRule& rule = {});
double parse_real(const std::string& flag, const std::string& text, const RealRule& rule = {});
// "an integer >= 0 (0 = all cores)", "a finite number > 0": what a rule asks for.
std::string describe(const IntRule& rule);
std::string describe(const RealRule& rule);

// The flags every training example shares, with the example's defaults: --epochs (>= 1)
// --batch (>= 1) --lr (finite, > 0) --momentum (in [0, 1)) --weight-decay (>= 0) --seed (>= 0)
// --threads (>= 0) --data --no-progress.
void add_recipe_flags(Cli& cli, const std::string& epochs, const std::string& batch,
                      const std::string& lr, const std::string& momentum = "0.9",
                      const std::string& weight_decay = "0");
// --threads alone (>= 0, 0: all cores), for programs without the recipe flags.
void add_threads_flag(Cli& cli, const std::string& default_value = "0");

// The batch size --batch (or `flag`) asks for, for a training set of `examples` examples: a
// larger value is clamped to `examples` with a line on `warn` ("warning: --batch 99999 is larger
// than the 60000 training examples; using 60000"), since it would silently train full-batch.
int64_t batch_size(const Cli& cli, int64_t examples, std::ostream& warn,
                   const std::string& flag = "batch");

// --device cpu|cuda (cuda:0 also accepted), default cpu.
void add_device_flag(Cli& cli);
// The device --device names; throws joule::Error naming the reason when it names a GPU this
// machine or build does not have.
Device device_from_flags(const Cli& cli);
// What runs the GEMMs: "eigen-3.4.0" on the CPU, "cublas" on a GPU.
std::string blas_name(Device device);
// Key=value fields naming the device: device=cpu, or device=cuda:0 gpu="NVIDIA H100 80GB HBM3".
std::string device_fields(Device device);

// Sets the OpenMP thread count when n > 0; returns the count in use.
int set_threads(int64_t n);

}  // namespace joule::examples
