#include "joule/report/run_info.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <thread>

#include "joule/energy/host.h"

namespace joule::report {

std::string make_run_id() {
  std::random_device rd;
  static const char* hex = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 4; ++i) {
    uint32_t r = rd();
    for (int j = 0; j < 8; ++j, r >>= 4) id += hex[r & 0xf];
  }
  return id;
}

std::string login_name() {
  for (const char* var : {"LOGNAME", "USER", "LNAME", "USERNAME"}) {
    const char* u = std::getenv(var);
    if (u && *u) return u;
  }
  struct passwd pw;
  struct passwd* found = nullptr;
  char buf[4096];
  if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &found) == 0 && found && found->pw_name)
    return found->pw_name;
  return "";
}

void fill_host_info(RunInfo& info) {
  if (info.os.empty()) info.os = energy::os_name();
  if (info.cpu_model.empty()) info.cpu_model = energy::cpu_model_name();
  if (info.cpu_count <= 0) info.cpu_count = std::thread::hardware_concurrency();
  if (info.ram_total_gb <= 0) info.ram_total_gb = energy::ram_total_gib();
  if (info.user.empty()) info.user = login_name();
}

}  // namespace joule::report
