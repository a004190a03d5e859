#include "common/cli.h"

#include <omp.h>

#include <Eigen/Core>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <utility>

#include "joule/core/cuda_backend.h"

namespace joule::examples {

namespace {

// Shortest text that reads back as x: 0.1, 1e-06, 3.
std::string num(double x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

bool has_min(const IntRule& r) { return r.min != std::numeric_limits<int64_t>::min(); }
bool has_max(const IntRule& r) { return r.max != std::numeric_limits<int64_t>::max(); }

// ">= 0", "<= 9", "in [1, 9]" or "" for a rule without bounds.
std::string range_of(const IntRule& r) {
  if (has_min(r) && has_max(r))
    return "in [" + std::to_string(r.min) + ", " + std::to_string(r.max) + "]";
  if (has_min(r)) return ">= " + std::to_string(r.min);
  if (has_max(r)) return "<= " + std::to_string(r.max);
  return "";
}

std::string range_of(const RealRule& r) {
  const bool lo = std::isfinite(r.min), hi = std::isfinite(r.max);
  if (lo && hi)
    return std::string("in ") + (r.min_open ? "(" : "[") + num(r.min) + ", " + num(r.max) +
           (r.max_open ? ")" : "]");
  if (lo) return (r.min_open ? "> " : ">= ") + num(r.min);
  if (hi) return (r.max_open ? "< " : "<= ") + num(r.max);
  return "";
}

std::string with_note(std::string s, const std::string& note) {
  return note.empty() ? s : s + " (" + note + ")";
}

}  // namespace

std::string describe(const IntRule& rule) {
  const std::string range = range_of(rule);
  return with_note(range.empty() ? "an integer" : "an integer " + range, rule.note);
}

std::string describe(const RealRule& rule) {
  const std::string range = range_of(rule);
  const std::string what = rule.finite ? "a finite number" : "a number";
  return with_note(range.empty() ? what : what + " " + range, rule.note);
}

int64_t parse_int(const std::string& flag, const std::string& text, const IntRule& rule) {
  int64_t x = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, x);
  if (ec == std::errc::result_out_of_range)
    throw CliError("--" + flag + " must be an integer, got '" + text + "' (out of range)");
  if (text.empty() || ec != std::errc() || ptr != end)
    throw CliError("--" + flag + " must be an integer, got '" + text + "'");
  if (x < rule.min || x > rule.max)
    throw CliError("--" + flag + " must be " + with_note(range_of(rule), rule.note) + ", got " +
                   text);
  return x;
}

double parse_real(const std::string& flag, const std::string& text, const RealRule& rule) {
  const std::string rule_text = "--" + flag + " must be " + describe(rule) + ", got ";
  // strtod skips leading blanks and reads hex floats; a flag's value should be plain.
  const bool plain = !text.empty() && !std::isspace(static_cast<unsigned char>(text[0])) &&
                     text.find("0x") == std::string::npos && text.find("0X") == std::string::npos;
  char* end = nullptr;
  errno = 0;
  const double x = plain ? std::strtod(text.c_str(), &end) : 0;
  if (!plain || end != text.c_str() + text.size()) throw CliError(rule_text + "'" + text + "'");
  if (rule.finite && !std::isfinite(x)) throw CliError(rule_text + text);
  // NaN fails every comparison: it is in range only when the rule has no bounds.
  const bool above_min = rule.min_open ? x > rule.min : x >= rule.min;
  const bool below_max = rule.max_open ? x < rule.max : x <= rule.max;
  if (!above_min || !below_max) throw CliError(rule_text + text);
  return x;
}

Cli::Cli(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

Cli& Cli::declare(const std::string& name, Flag flag) {
  JOULE_CHECK(!flags_.count(name), program_, ": flag --", name, " declared twice");
  flags_[name] = std::move(flag);
  order_.push_back(name);
  return *this;
}

Cli::Flag Cli::make_flag(Kind kind, const std::string& def, const std::string& help) {
  Flag f;
  f.kind = kind;
  f.value = def;
  f.help = help;
  return f;
}

Cli& Cli::flag(const std::string& name, const std::string& def, const std::string& help) {
  return declare(name, make_flag(Kind::Text, def, help));
}

Cli& Cli::int_flag(const std::string& name, const std::string& def, const std::string& help,
                   IntRule rule) {
  Flag f = make_flag(Kind::Int, def, help);
  f.int_rule = std::move(rule);
  return declare(name, std::move(f));
}

Cli& Cli::real_flag(const std::string& name, const std::string& def, const std::string& help,
                    RealRule rule) {
  Flag f = make_flag(Kind::Real, def, help);
  f.real_rule = std::move(rule);
  return declare(name, std::move(f));
}

Cli& Cli::list_flag(const std::string& name, const std::string& def, const std::string& help,
                    IntRule rule) {
  Flag f = make_flag(Kind::List, def, help);
  f.int_rule = std::move(rule);
  return declare(name, std::move(f));
}

Cli& Cli::choice_flag(const std::string& name, const std::string& def, const std::string& help,
                      std::vector<std::string> choices) {
  Flag f = make_flag(Kind::Choice, def, help);
  f.choices = std::move(choices);
  return declare(name, std::move(f));
}

Cli& Cli::toggle(const std::string& name, const std::string& help) {
  return declare(name, make_flag(Kind::Toggle, "0", help));
}

std::string Cli::usage() const {
  std::ostringstream os;
  os << "usage: " << program_ << " [flags]\n" << summary_ << "\n\nflags:\n";
  for (const auto& n : order_) {
    const Flag& f = flags_.at(n);
    os << "  --" << n;
    if (f.kind != Kind::Toggle) os << " " << (f.value.empty() ? "VALUE" : f.value);
    os << "\n      " << f.help;
    if (f.kind == Kind::Int) os << "; " << describe(f.int_rule);
    if (f.kind == Kind::Real) os << "; " << describe(f.real_rule);
    if (f.kind == Kind::List) os << "; comma-separated, each " << describe(f.int_rule);
    if (f.kind == Kind::Choice) {
      os << "; one of";
      for (const auto& c : f.choices) os << " " << c;
    }
    os << "\n";
  }
  return os.str();
}

void Cli::check(const std::string& name, const Flag& f) const {
  switch (f.kind) {
    case Kind::Int:
      parse_int(name, f.value, f.int_rule);
      break;
    case Kind::Real:
      parse_real(name, f.value, f.real_rule);
      break;
    case Kind::List:
      i64_list(name);
      break;
    case Kind::Choice: {
      for (const auto& c : f.choices)
        if (f.value == c) return;
      std::string all;
      for (const auto& c : f.choices) all += (all.empty() ? "" : ", ") + c;
      throw CliError("--" + name + " must be one of " + all + ", got '" + f.value + "'");
    }
    case Kind::Text:
    case Kind::Toggle:
      break;
  }
}

bool Cli::parse(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--help" || a == "-h") return false;
    if (a.rfind("--", 0) != 0)
      throw CliError("unexpected argument '" + a + "' (flags start with --)");
    std::string value;
    const size_t eq = a.find('=');
    const bool has_value = eq != std::string::npos;
    if (has_value) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
    }
    auto it = flags_.find(a.substr(2));
    if (it == flags_.end()) throw CliError("unknown flag '" + a + "'");
    Flag& f = it->second;
    if (f.kind == Kind::Toggle) {
      if (has_value) throw CliError(a + " takes no value, got '" + args[i] + "'");
      f.value = "1";
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) throw CliError(a + " needs a value");
      value = args[++i];
    }
    f.value = value;
  }
  for (const auto& n : order_) check(n, flags_.at(n));
  return true;
}

bool Cli::parse(int argc, const char* const* argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return parse(args);
}

void Cli::parse_or_exit(int argc, const char* const* argv) {
  try {
    if (parse(argc, argv)) return;
    std::cout << usage();
    std::exit(0);
  } catch (const CliError& e) {
    std::cerr << program_ << ": " << e.what() << "\nrun '" << program_
              << " --help' for the flags\n";
    std::exit(2);
  }
}

const Cli::Flag& Cli::get(const std::string& name) const {
  auto it = flags_.find(name);
  JOULE_CHECK(it != flags_.end(), program_, ": no flag --", name, " was declared");
  return it->second;
}

std::string Cli::str(const std::string& name) const { return get(name).value; }

int64_t Cli::i64(const std::string& name) const {
  const Flag& f = get(name);
  return parse_int(name, f.value, f.kind == Kind::Int ? f.int_rule : IntRule{});
}

double Cli::f64(const std::string& name) const {
  const Flag& f = get(name);
  return parse_real(name, f.value, f.kind == Kind::Real ? f.real_rule : RealRule{});
}

bool Cli::on(const std::string& name) const { return get(name).value == "1"; }

std::vector<int64_t> Cli::i64_list(const std::string& name) const {
  const Flag& f = get(name);
  const IntRule rule = f.kind == Kind::List ? f.int_rule : IntRule{.min = 1};
  std::vector<int64_t> out;
  std::stringstream ss(f.value);
  std::string item;
  bool ok = !f.value.empty() && f.value.back() != ',';
  while (ok && std::getline(ss, item, ',')) {
    try {
      out.push_back(parse_int(name, item, rule));
    } catch (const CliError&) {
      ok = false;
    }
  }
  if (!ok)
    throw CliError("--" + name + " must be comma-separated integers like 256,128, each " +
                   with_note(range_of(rule), rule.note) + ", got '" + f.value + "'");
  return out;
}

void add_recipe_flags(Cli& cli, const std::string& epochs, const std::string& batch,
                      const std::string& lr, const std::string& momentum,
                      const std::string& weight_decay) {
  cli.int_flag("epochs", epochs, "number of epochs", {.min = 1})
      .int_flag("batch", batch, "batch size (clamped, with a warning, to the training set's size)",
                {.min = 1})
      .real_flag("lr", lr, "initial learning rate (cosine decay to 0 over the run)",
                 {.min = 0, .min_open = true})
      .real_flag("momentum", momentum, "SGD momentum", {.min = 0, .max = 1, .max_open = true})
      .real_flag("weight-decay", weight_decay, "SGD weight decay", {.min = 0})
      .int_flag("seed", "1", "seed for initialisation, shuffling and dropout", {.min = 0});
  add_threads_flag(cli);
  cli.flag("data", "", "folder with the Fashion-MNIST IDX files (default: $JOULE_FASHION_MNIST "
                       "or /usr/share/datasets/fashion-mnist)")
      .toggle("no-progress", "never draw the progress bar");
}

void add_threads_flag(Cli& cli, const std::string& default_value) {
  cli.int_flag("threads", default_value, "OpenMP threads", {.min = 0, .note = "0 = all cores"});
}

int64_t batch_size(const Cli& cli, int64_t examples, std::ostream& warn, const std::string& flag) {
  const int64_t asked = cli.i64(flag);
  if (examples <= 0 || asked <= examples) return asked;
  warn << "warning: --" << flag << " " << asked << " is larger than the " << examples
       << " training examples; using " << examples << std::endl;
  return examples;
}

void add_device_flag(Cli& cli) {
  cli.choice_flag("device", "cpu", "where to train: cpu or cuda (one GPU: cuda or cuda:0)",
                  {"cpu", "cuda", "cuda:0"});
}

Device device_from_flags(const Cli& cli) {
  const std::string v = cli.str("device");
  if (v == "cpu") return Device::cpu();
  JOULE_CHECK(cuda_available(), "--device ", v, ": no CUDA device: ", cuda_unavailable_reason());
  return Device::cuda(0);
}

std::string blas_name(Device device) {
  if (!device.is_cpu()) return "cublas";
  return "eigen-" + std::to_string(EIGEN_WORLD_VERSION) + "." +
         std::to_string(EIGEN_MAJOR_VERSION) + "." + std::to_string(EIGEN_MINOR_VERSION);
}

std::string device_fields(Device device) {
  if (device.is_cpu()) return "device=cpu";
  return "device=" + device.str() + " gpu=\"" + cuda_device_name(device.index) + "\"";
}

int set_threads(int64_t n) {
  if (n > 0) omp_set_num_threads(static_cast<int>(n));
  return omp_get_max_threads();
}

}  // namespace joule::examples
