// save_checkpoint: the root attributes and /model here; /optimizer in optimizer_io.cpp,
// /training and /energy in training_state_io.cpp. The layout is in checkpoint.h and LAYOUT.md.
#include <ctime>
#include <set>

#include "joule/io/checkpoint.h"
#include "joule/io/hdf5_util.h"
#include "joule/io/optimizer_io.h"
#include "joule/io/tensor_io.h"
#include "joule/io/training_state_io.h"

namespace joule::io {

namespace {

// The current time as ISO 8601 UTC, "2025-01-31T12:00:00Z".
std::string iso_time_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

// One dataset per defined parameter and buffer, in registration order.
void write_model(hid_t root, const nn::Module& model) {
  h5::Group g = h5::create_group(root, "model");
  std::set<std::string> seen;
  auto write = [&](const std::string& name, const Tensor& t, const char* kind) {
    if (!t.defined()) return;  // an unset optional buffer: nothing to save
    JOULE_CHECK(!name.empty() && name.find('/') == std::string::npos, "tensor name '", name,
                "' cannot name an HDF5 dataset (empty or holding '/')");
    JOULE_CHECK(seen.insert(name).second, "two tensors are named '", name, "'");
    h5::Dataset d = detail::write_tensor(g, name, t);
    h5::write_attr_string(d, "kind", kind);
  };
  for (const auto& [name, t] : model.named_parameters()) write(name, t, "parameter");
  for (const auto& [name, t] : model.named_buffers()) write(name, t, "buffer");
}

}  // namespace

void save_checkpoint(const std::string& path, const nn::Module& model,
                     const optim::Optimizer* optimizer, const TrainingState& state) {
  h5::Quiet quiet;
  try {
    h5::write_file_atomically(path, [&](hid_t root) {
      h5::write_attr_string(root, "format", kCheckpointFormat);
      h5::write_attr_int(root, "version", kCheckpointVersion);
      h5::write_attr_string(root, "created", iso_time_now());
      write_model(root, model);
      if (optimizer) detail::write_optimizer(root, *optimizer, model);
      detail::write_training_state(root, state);
    });
  } catch (const Error& e) {
    // The temp file is gone (AtomicFile); whatever was at `path` before is untouched.
    throw Error("save_checkpoint: cannot write " + path + ": " + e.what());
  }
}

}  // namespace joule::io
