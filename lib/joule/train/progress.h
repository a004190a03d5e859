// A one-line progress bar, redrawn in place on a terminal; silent when the stream is not a TTY
// (logs and pipes get only the epoch lines).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace joule::train {

class ProgressBar {
 public:
  // Draws on `stream` only if enabled and the stream is a terminal.
  ProgressBar(std::FILE* stream, bool enabled);
  void start(const std::string& label, int64_t total);
  // Redraws at most ~10 times a second.
  void update(int64_t done, const std::string& status);
  // Erases the bar so the next line starts clean.
  void finish();
  bool active() const { return active_; }

 private:
  std::FILE* stream_;
  bool active_;
  std::string label_;
  int64_t total_ = 0;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace joule::train
