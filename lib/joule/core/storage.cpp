#include "joule/core/storage.h"

namespace joule {

Storage::Storage(size_t bytes, Device device)
    : data_(backend(device.type).allocate(bytes)), bytes_(bytes), device_(device) {}

Storage::~Storage() {
  if (data_) backend(device_.type).deallocate(data_, bytes_);
}

}  // namespace joule
