#include "joule/report/epoch_csv.h"

#include "joule/io/atomic_file.h"
#include "joule/report/format.h"

namespace joule::report {

using detail::csv_row;
using detail::num;

void write_epoch_csv(const std::string& path, const std::vector<energy::EpochRecord>& epochs) {
  std::vector<std::string> header = {"epoch", "loss", "train_acc", "val_acc", "test_acc", "lr",
                                     "train_s", "eval_s"};
  for (const char* w : {"train", "eval"})
    for (const char* f : {"_window_s", "_cpu_j", "_dram_j", "_gpu_j", "_j", "_w", "_source",
                          "_kind"})
      header.push_back(std::string(w) + f);
  for (const char* f : {"epoch_j", "epoch_w", "cumulative_j", "emissions_g"}) header.push_back(f);

  auto acc = [](double a) { return a < 0 ? std::string() : num(a); };
  std::string text = csv_row(header);
  for (const auto& e : epochs) {
    std::vector<std::string> row = {num(e.epoch), num(e.loss),  num(e.train_acc), acc(e.val_acc),
                                    acc(e.test_acc), num(e.lr), num(e.train_s),  num(e.eval_s)};
    for (const energy::Measurement* m : {&e.train, &e.eval}) {
      for (const std::string& s :
           {num(m->seconds), num(m->joules.cpu_j), num(m->joules.dram_j), num(m->joules.gpu_j),
            num(m->total_j()), num(m->watts()), m->source, std::string(m->kind())})
        row.push_back(s);
    }
    for (double x : {e.joules(), e.watts(), e.cumulative_joules, e.emissions_g})
      row.push_back(num(x));
    text += csv_row(row);
  }
  io::write_file_atomically(path, text, "write_epoch_csv");
}

}  // namespace joule::report
