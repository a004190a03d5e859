#include "joule/train/progress.h"

#include <unistd.h>

namespace joule::train {

ProgressBar::ProgressBar(std::FILE* stream, bool enabled)
    : stream_(stream), active_(enabled && stream && isatty(fileno(stream))) {}

void ProgressBar::start(const std::string& label, int64_t total) {
  label_ = label;
  total_ = total;
  last_ = {};
}

void ProgressBar::update(int64_t done, const std::string& status) {
  if (!active_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  constexpr int kWidth = 30;
  const int filled = total_ > 0 ? static_cast<int>(kWidth * done / total_) : kWidth;
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kWidth) bar += '>' + std::string(static_cast<size_t>(kWidth - filled - 1), ' ');
  std::fprintf(stream_, "\r%s [%s] %lld/%lld %s\033[K", label_.c_str(), bar.c_str(),
               static_cast<long long>(done), static_cast<long long>(total_), status.c_str());
  std::fflush(stream_);
}

void ProgressBar::finish() {
  if (!active_) return;
  std::fprintf(stream_, "\r\033[K");
  std::fflush(stream_);
}

}  // namespace joule::train
