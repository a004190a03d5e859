#include "common/distributed.h"

#include <cstdlib>
#include <iostream>

namespace joule::examples {

Distributed::Distributed(const std::string& program) {
  try {
    env_ = std::make_unique<dist::Environment>();
  } catch (const Error& e) {
    std::cerr << program << ": " << e.what() << std::endl;
    std::exit(2);
  }
  if (!is_root()) cout_buf_ = std::cout.rdbuf(&null_);
}

Distributed::~Distributed() {
  if (cout_buf_) std::cout.rdbuf(cout_buf_);
}

data::LoaderOptions Distributed::shard(data::LoaderOptions o) const {
  o.world_size = size();
  o.rank = rank();
  return o;
}

std::string Distributed::fields() const {
  std::string s = "world_size=" + std::to_string(size());
  if (size() > 1) s += " mpi=\"" + env_->library() + "\"";
  return s;
}

void Distributed::add_callbacks(train::Trainer& trainer, Metering& m) {
  add_data_parallel(trainer);
  add_metering(trainer, m);
}

void Distributed::add_data_parallel(train::Trainer& trainer) {
  if (size() == 1) return;
  data_parallel_ = std::make_shared<dist::DataParallel>(env_->world());
  trainer.add_callback(data_parallel_);
}

void Distributed::add_metering(train::Trainer& trainer, Metering& m) {
  if (size() == 1) {
    examples::add_metering(trainer, m);  // the metering callback and the energy forecast
    return;
  }
  auto summed = std::make_unique<dist::SummedMeter>(std::move(m.meter), env_->world(),
                                                    env_->local_rank() == 0);
  dist::SummedMeter& meter = *summed;
  m.meter = std::move(summed);
  m.callback = std::make_shared<train::MeteringCallback>(*m.meter, m.carbon);
  examples::add_metering(trainer, m);
  trainer.add_callback(std::make_shared<dist::RankJoules>(meter, env_->world(), m.callback.get()));
}

int64_t Distributed::resume(const std::string& dir, train::Trainer& trainer,
                            const train::CheckpointParts& parts) {
  dist::Communicator& comm = env_->world();
  int64_t head[2] = {1, 0};  // next epoch, schedule step
  if (is_root()) {
    head[0] = train::resume(dir, trainer, parts);
    head[1] = parts.scheduler ? parts.scheduler->steps() : 0;
  }
  if (size() == 1) return head[0];
  comm.broadcast(head, sizeof head);
  trainer.set_start_epoch(head[0]);
  if (parts.scheduler) parts.scheduler->set_step(head[1]);
  for (const auto& [name, gen] : parts.generators) {
    Generator::State st = gen->state();
    comm.broadcast(&st, sizeof st);
    gen->set_state(st);
  }
  return head[0];
}

int Distributed::fail(const std::string& program, const std::exception& e) {
  std::cerr << program << ": ";
  if (size() > 1) std::cerr << "rank " << rank() << " of " << size() << ": ";
  std::cerr << e.what() << std::endl;
  if (size() > 1) env_->world().abort(1);
  return 1;
}

}  // namespace joule::examples
