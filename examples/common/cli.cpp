#include "common/cli.h"

#include <omp.h>

#include <Eigen/Core>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "joule/core/check.h"
#include "joule/core/cuda_backend.h"

namespace joule::examples {

Cli::Cli(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

Cli& Cli::flag(const std::string& name, const std::string& def, const std::string& help) {
  flags_[name] = Flag{def, help, false};
  order_.push_back(name);
  return *this;
}

Cli& Cli::toggle(const std::string& name, const std::string& help) {
  flags_[name] = Flag{"0", help, true};
  order_.push_back(name);
  return *this;
}

std::string Cli::usage() const {
  std::ostringstream os;
  os << "usage: " << program_ << " [flags]\n" << summary_ << "\n\nflags:\n";
  for (const auto& n : order_) {
    const Flag& f = flags_.at(n);
    os << "  --" << n << (f.is_toggle ? "" : " " + (f.value.empty() ? "VALUE" : f.value)) << "\n      "
       << f.help << "\n";
  }
  return os.str();
}

void Cli::parse(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << usage();
      std::exit(0);
    }
    std::string value;
    bool has_value = false;
    if (a.rfind("--", 0) == 0 && a.find('=') != std::string::npos) {
      value = a.substr(a.find('=') + 1);
      a = a.substr(0, a.find('='));
      has_value = true;
    }
    auto it = a.rfind("--", 0) == 0 ? flags_.find(a.substr(2)) : flags_.end();
    if (it == flags_.end()) {
      std::cerr << program_ << ": unknown argument '" << argv[i] << "'\n\n" << usage();
      std::exit(2);
    }
    if (it->second.is_toggle) {
      it->second.value.assign(1, '1');
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        std::cerr << program_ << ": flag --" << it->first << " needs a value\n";
        std::exit(2);
      }
      value = argv[++i];
    }
    it->second.value = value;
  }
}

std::string Cli::str(const std::string& name) const { return flags_.at(name).value; }

int64_t Cli::i64(const std::string& name) const {
  const std::string& v = str(name);
  char* end = nullptr;
  const long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0') {
    std::cerr << program_ << ": --" << name << " expects an integer, got '" << v << "'\n";
    std::exit(2);
  }
  return x;
}

double Cli::f64(const std::string& name) const {
  const std::string& v = str(name);
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0') {
    std::cerr << program_ << ": --" << name << " expects a number, got '" << v << "'\n";
    std::exit(2);
  }
  return x;
}

bool Cli::on(const std::string& name) const { return str(name) == "1"; }

std::vector<int64_t> Cli::i64_list(const std::string& name) const {
  std::vector<int64_t> out;
  std::stringstream ss(str(name));
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    const long long x = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || x <= 0) {
      std::cerr << program_ << ": --" << name << " expects positive integers like 256,128, got '"
                << str(name) << "'\n";
      std::exit(2);
    }
    out.push_back(x);
  }
  return out;
}

void add_recipe_flags(Cli& cli, const std::string& epochs, const std::string& batch,
                      const std::string& lr) {
  cli.flag("epochs", epochs, "number of epochs")
      .flag("batch", batch, "batch size")
      .flag("lr", lr, "initial learning rate (cosine decay to 0 over the run)")
      .flag("momentum", "0.9", "SGD momentum")
      .flag("weight-decay", "0", "SGD weight decay")
      .flag("seed", "1", "seed for initialisation, shuffling and dropout")
      .flag("threads", "0", "OpenMP threads (0: all cores)")
      .flag("data", "", "folder with the Fashion-MNIST IDX files (default: $JOULE_FASHION_MNIST "
                        "or /usr/share/datasets/fashion-mnist)")
      .toggle("no-progress", "never draw the progress bar");
}

void add_device_flag(Cli& cli) {
  cli.flag("device", "cpu", "where to train: cpu or cuda (one GPU: cuda or cuda:0)");
}

Device device_from_flags(const Cli& cli) {
  const std::string v = cli.str("device");
  if (v == "cpu") return Device::cpu();
  if (v != "cuda" && v != "cuda:0") {
    std::cerr << "--device expects cpu or cuda, got '" << v << "'\n";
    std::exit(2);
  }
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
