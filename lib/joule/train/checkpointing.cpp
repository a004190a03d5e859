#include "joule/train/checkpointing.h"

#include <filesystem>

#include "joule/io/checkpoint.h"

namespace joule::train {

std::string checkpoint_path(const std::string& dir) {
  return (std::filesystem::path(dir) / "last.h5").string();
}

CheckpointCallback::CheckpointCallback(std::string dir, CheckpointParts parts)
    : dir_(std::move(dir)), path_(checkpoint_path(dir_)), parts_(std::move(parts)) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  JOULE_CHECK(!ec, "CheckpointCallback: cannot create the folder ", dir_, ": ", ec.message());
}

void CheckpointCallback::on_epoch_end(Trainer& t, EpochRecord& rec) {
  io::TrainingState st;
  st.epoch = rec.epoch;
  for (const auto& g : t.optimizer().param_groups())
    for (const auto& s : g.state) st.step = std::max(st.step, s.step);
  st.scheduler_step = parts_.scheduler ? parts_.scheduler->steps() : 0;
  for (const auto& [name, gen] : parts_.generators) st.generators.emplace_back(name, gen->state());
  if (parts_.metering) st.energy_history = parts_.metering->history();
  st.attributes = parts_.attributes;
  io::save_checkpoint(path_, t.model(), &t.optimizer(), st);
  rec.set("checkpoint", path_);
}

int64_t resume(const std::string& dir, Trainer& trainer, const CheckpointParts& parts) {
  const std::string path = checkpoint_path(dir);
  if (!std::filesystem::exists(path)) return 1;
  io::TrainingState st;
  io::load_checkpoint(path, trainer.model(), &trainer.optimizer(), &st);
  for (const auto& [name, gen] : parts.generators) {
    bool found = false;
    for (const auto& [saved, state] : st.generators)
      if (saved == name) {
        gen->set_state(state);
        found = true;
      }
    JOULE_CHECK(found, "resume: ", path, " holds no state for the generator '", name, "'");
  }
  if (parts.scheduler) parts.scheduler->set_step(st.scheduler_step);
  if (parts.metering) parts.metering->restore(st.energy_history);
  trainer.set_start_epoch(st.epoch + 1);
  return st.epoch + 1;
}

}  // namespace joule::train
