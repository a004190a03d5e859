// Storage: one RAII buffer on one device. Tensors share a Storage and view into it.
#pragma once

#include <cstddef>
#include <memory>

#include "joule/core/device.h"

namespace joule {

class Storage {
 public:
  Storage(size_t bytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
  Device device_;
};

}  // namespace joule
