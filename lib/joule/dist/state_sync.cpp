#include "joule/dist/state_sync.h"

#include <string>
#include <vector>

namespace joule::dist {

namespace {
// FNV-1a over bytes, folded into `h`.
uint64_t fnv1a(uint64_t h, const void* data, size_t bytes) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < bytes; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

// Checks that every rank has the same list of (name, numel): a mismatch would pair the wrong
// buffers in the broadcasts that follow.
void check_same_layout(Communicator& comm, const nn::NamedTensors& state) {
  uint64_t h = 1469598103934665603ull;
  for (const auto& [name, t] : state) {
    h = fnv1a(h, name.data(), name.size());
    const int64_t n = t.numel();
    h = fnv1a(h, &n, sizeof n);
  }
  const std::vector<uint64_t> all = comm.allgather(h);
  for (size_t r = 1; r < all.size(); ++r)
    JOULE_CHECK(all[r] == all[0], "dist::broadcast_state: rank ", r, "'s model has other "
                "parameter or buffer names or sizes than rank 0's (", state.size(), " tensors "
                "here); build the same model on every rank");
}
}  // namespace

void broadcast_tensor(Communicator& comm, Tensor& t, int root) {
  if (comm.size() == 1 || !t.defined() || t.numel() == 0) return;
  const int64_t bytes = t.numel() * static_cast<int64_t>(element_size(t.dtype()));
  if (t.device().is_cpu() && t.is_contiguous()) {
    comm.broadcast(t.raw_data(), bytes, root);
    return;
  }
  Tensor host = t.to(Device::cpu()).contiguous();
  if (host.impl_ptr() == t.impl_ptr()) host = host.clone();
  comm.broadcast(host.raw_data(), bytes, root);
  t.copy_(t.device().is_cpu() ? host : host.to(t.device()));
}

void broadcast_state(Communicator& comm, nn::Module& model, optim::Optimizer* optimizer) {
  if (comm.size() == 1) return;
  nn::NamedTensors state = model.state();
  check_same_layout(comm, state);
  for (auto& [name, t] : state) broadcast_tensor(comm, t);
  model.state_loaded();
  if (!optimizer) return;
  for (auto& g : optimizer->param_groups()) {
    double lrs[2] = {g.lr, g.weight_decay};
    comm.broadcast(lrs, sizeof lrs);
    g.lr = lrs[0];
    g.weight_decay = lrs[1];
    for (size_t i = 0; i < g.state.size(); ++i) {
      optim::ParamState& s = g.state[i];
      int64_t head[3] = {s.step, s.buf1.defined() ? 1 : 0, s.buf2.defined() ? 1 : 0};
      comm.broadcast(head, sizeof head);
      s.step = head[0];
      Tensor* bufs[2] = {&s.buf1, &s.buf2};
      for (int k = 0; k < 2; ++k) {
        if (!head[1 + k]) {
          *bufs[k] = Tensor();
          continue;
        }
        const Tensor& p = g.params[i];
        if (!bufs[k]->defined()) *bufs[k] = Tensor::zeros(p.shape(), DType::Float32, p.device());
        broadcast_tensor(comm, *bufs[k]);
      }
    }
  }
}

uint64_t pattern_fingerprint(const nn::Module& model) {
  uint64_t h = 1469598103934665603ull;
  for (const auto& [name, t] : model.named_buffers()) {
    if (t.dtype() != DType::Int64) continue;
    Tensor host = t.device().is_cpu() ? t.contiguous() : t.to(Device::cpu()).contiguous();
    h = fnv1a(h, host.raw_data(), static_cast<size_t>(host.numel()) * sizeof(int64_t));
  }
  return h;
}

bool has_patterns(const nn::Module& model) {
  for (const auto& [name, t] : model.named_buffers())
    if (t.dtype() == DType::Int64) return true;
  return false;
}

}  // namespace joule::dist
