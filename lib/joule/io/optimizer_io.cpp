#include "joule/io/optimizer_io.h"

#include <map>
#include <unordered_map>

#include "joule/autograd/grad_mode.h"
#include "joule/io/hdf5_util.h"
#include "joule/io/tensor_io.h"

namespace joule::io::detail {

namespace {

// Each parameter's dotted name in the model, by tensor identity.
using NameMap = std::unordered_map<const TensorImpl*, std::string>;

NameMap parameter_names(const nn::Module& model) {
  NameMap names;
  for (const auto& [name, t] : model.named_parameters())
    if (t.defined()) names.emplace(t.impl_ptr().get(), name);
  return names;
}

std::string name_of(const NameMap& names, const Tensor& p) {
  auto it = p.defined() ? names.find(p.impl_ptr().get()) : names.end();
  return it == names.end() ? "" : it->second;
}

// A saved parameter state, as read from /optimizer/group<g>/param<i>.
struct SavedParam {
  size_t group, index;
  std::string name;  // "" when the model did not hold it
  int64_t step;
  Tensor buf1, buf2;
  bool used = false;
};

struct SavedGroup {
  double lr, initial_lr, weight_decay;
  std::vector<SavedParam> params;
};

// "optimizer:0.weight", or "optimizer:group0.param3" for a parameter without a name.
std::string label(const std::string& name, size_t group, size_t index) {
  return "optimizer:" + (name.empty() ? "group" + std::to_string(group) + ".param" +
                                            std::to_string(index)
                                      : name);
}

Tensor read_buffer(hid_t param_group, const char* name) {
  if (!h5::has_link(param_group, name)) return Tensor();
  h5::Dataset d = h5::open_dataset(param_group, name);
  const h5::ArrayInfo info = h5::array_info(d);
  JOULE_CHECK(info.is_float(4), h5::describe({param_group, name}),
              " should be float32, found ", info.str());
  return read_tensor(d, Shape(info.dims), DType::Float32);
}

std::vector<SavedGroup> read_saved(hid_t optimizer_group) {
  std::vector<SavedGroup> saved;
  const int64_t num_groups = h5::read_attr_int(optimizer_group, "num_groups");
  for (int64_t g = 0; g < num_groups; ++g) {
    h5::Group gg = h5::open_group(optimizer_group, "group" + std::to_string(g));
    SavedGroup sg{h5::read_attr_double(gg, "lr"), h5::read_attr_double(gg, "initial_lr"),
                  h5::read_attr_double(gg, "weight_decay"), {}};
    const int64_t num_params = h5::read_attr_int(gg, "num_params");
    for (int64_t i = 0; i < num_params; ++i) {
      h5::Group pg = h5::open_group(gg, "param" + std::to_string(i));
      sg.params.push_back({static_cast<size_t>(g), static_cast<size_t>(i),
                           h5::read_attr_string(pg, "name"), h5::read_attr_int(pg, "step"),
                           read_buffer(pg, "buf1"), read_buffer(pg, "buf2")});
    }
    saved.push_back(std::move(sg));
  }
  return saved;
}

// "" when the saved buffers fit `param`; otherwise what differs.
std::string buffer_mismatch(const SavedParam& s, const Tensor& param) {
  std::string why;
  for (const auto& [buf, name] : {std::pair{&s.buf1, "buf1"}, std::pair{&s.buf2, "buf2"}})
    if (buf->defined() && buf->shape() != param.shape())
      why += std::string(why.empty() ? "" : ", ") + "model " +
             tensor_str(param.shape(), param.dtype()) + ", checkpoint " + name + " " +
             tensor_str(buf->shape(), buf->dtype());
  return why;
}

// Stages `s` for the optimizer's parameter (g, i), or records why it does not fit.
void match(const SavedParam& s, size_t g, size_t i, const Tensor& param, const std::string& name,
           OptimizerPlan& plan, LoadReport& report, std::vector<std::string>& problems) {
  const std::string why = buffer_mismatch(s, param);
  if (!why.empty()) {
    report.mismatched.push_back(label(name, g, i));
    report.mismatch_details.push_back(why);
    problems.push_back("optimizer state of '" + label(name, g, i) + "': " + why);
    return;
  }
  plan.params.push_back({g, i, s.buf1, s.buf2, s.step});
  report.loaded.push_back(label(name, g, i));
}

void stage_strict(const std::vector<SavedGroup>& saved, const optim::Optimizer& optimizer,
                  const NameMap& names, OptimizerPlan& plan, LoadReport& report,
                  std::vector<std::string>& problems) {
  const auto& groups = optimizer.param_groups();
  if (saved.size() != groups.size()) {
    problems.push_back("the optimizer has " + std::to_string(groups.size()) +
                       " parameter group(s), the checkpoint " + std::to_string(saved.size()));
    return;
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    const auto& params = groups[g].params;
    if (saved[g].params.size() != params.size()) {
      problems.push_back("optimizer group " + std::to_string(g) + " has " +
                         std::to_string(params.size()) + " parameter(s), the checkpoint " +
                         std::to_string(saved[g].params.size()));
      continue;
    }
    plan.groups.push_back({g, saved[g].lr, saved[g].initial_lr, saved[g].weight_decay});
    for (size_t i = 0; i < params.size(); ++i) {
      const SavedParam& s = saved[g].params[i];
      const std::string name = name_of(names, params[i]);
      if (!name.empty() && !s.name.empty() && name != s.name) {
        problems.push_back("optimizer group " + std::to_string(g) + " parameter " +
                           std::to_string(i) + " is '" + name + "' in the model, '" + s.name +
                           "' in the checkpoint");
        continue;
      }
      match(s, g, i, params[i], name, plan, report, problems);
    }
  }
}

void stage_by_name(std::vector<SavedGroup>& saved, const optim::Optimizer& optimizer,
                   const NameMap& names, OptimizerPlan& plan, LoadReport& report) {
  std::map<std::string, SavedParam*> by_name;
  for (SavedGroup& sg : saved)
    for (SavedParam& s : sg.params)
      if (!s.name.empty()) by_name.emplace(s.name, &s);
  std::vector<std::string> ignored;  // non-strict: mismatches are reported, not problems
  const auto& groups = optimizer.param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    if (g < saved.size())
      plan.groups.push_back({g, saved[g].lr, saved[g].initial_lr, saved[g].weight_decay});
    for (size_t i = 0; i < groups[g].params.size(); ++i) {
      const std::string name = name_of(names, groups[g].params[i]);
      SavedParam* s = nullptr;
      if (!name.empty()) {
        auto it = by_name.find(name);
        if (it != by_name.end()) s = it->second;
      } else if (g < saved.size() && i < saved[g].params.size()) {
        s = &saved[g].params[i];
      }
      if (s == nullptr || s->used) {
        report.missing.push_back(label(name, g, i));
        continue;
      }
      s->used = true;
      match(*s, g, i, groups[g].params[i], name, plan, report, ignored);
    }
  }
  for (const SavedGroup& sg : saved)
    for (const SavedParam& s : sg.params)
      if (!s.used) report.unexpected.push_back(label(s.name, s.group, s.index));
}

// The options `optimizer` names that /optimizer holds (older files: nesterov as int64, no lr or
// weight_decay), checked by setting them and setting the optimizer's own back.
optim::OptionValues saved_options(hid_t optimizer_group, optim::Optimizer& optimizer) {
  const optim::OptionValues own = optimizer.options_by_name();
  optim::OptionValues saved;
  for (const auto& [name, value] : own)
    if (h5::has_attr(optimizer_group, name))
      saved.emplace_back(name, h5::read_attr_double(optimizer_group, name));
  if (!saved.empty()) {
    optimizer.set_options(saved);  // throws, changing nothing, on a value it refuses
    optimizer.set_options(own);
  }
  return saved;
}

}  // namespace

void write_optimizer(hid_t root, const optim::Optimizer& optimizer, const nn::Module& model) {
  h5::Group og = h5::create_group(root, "optimizer");
  const auto& groups = optimizer.param_groups();
  h5::write_attr_string(og, "type", optimizer.type());
  h5::write_attr_int(og, "num_groups", static_cast<int64_t>(groups.size()));
  for (const auto& [name, value] : optimizer.options_by_name()) {
    JOULE_CHECK(name != "type" && name != "num_groups" && name != "state_names",
                "save_checkpoint: ", optimizer.type(), " names an option '", name,
                "', a name /optimizer keeps for itself");
    h5::write_attr_double(og, name, value);
  }
  h5::write_attr_strings(og, "state_names", optimizer.state_names());
  const NameMap names = parameter_names(model);
  for (size_t g = 0; g < groups.size(); ++g) {
    const optim::ParamGroup& group = groups[g];
    h5::Group gg = h5::create_group(og, "group" + std::to_string(g));
    h5::write_attr_double(gg, "lr", group.lr);
    h5::write_attr_double(gg, "initial_lr", group.initial_lr);
    h5::write_attr_double(gg, "weight_decay", group.weight_decay);
    h5::write_attr_int(gg, "num_params", static_cast<int64_t>(group.params.size()));
    for (size_t i = 0; i < group.params.size(); ++i) {
      h5::Group pg = h5::create_group(gg, "param" + std::to_string(i));
      h5::write_attr_string(pg, "name", name_of(names, group.params[i]));
      const optim::ParamState none;
      const optim::ParamState& s = i < group.state.size() ? group.state[i] : none;
      h5::write_attr_int(pg, "step", s.step);
      if (s.buf1.defined()) write_tensor(pg, "buf1", s.buf1);
      if (s.buf2.defined()) write_tensor(pg, "buf2", s.buf2);
    }
  }
}

OptimizerPlan stage_optimizer(hid_t root, optim::Optimizer& optimizer,
                              const nn::Module& model, bool strict, LoadReport& report,
                              std::vector<std::string>& problems) {
  OptimizerPlan plan;
  if (!h5::has_link(root, "optimizer")) {
    report.missing.push_back("optimizer");
    if (strict) problems.push_back("the checkpoint holds no optimizer state");
    return plan;
  }
  h5::Group og = h5::open_group(root, "optimizer");
  const std::string saved_type = h5::read_attr_string(og, "type");
  const std::string& type = optimizer.type();
  if (saved_type != type) {
    report.mismatched.push_back("optimizer");
    report.mismatch_details.push_back("model " + type + ", checkpoint " + saved_type);
    if (strict) problems.push_back("the optimizer is " + type + ", the checkpoint's " + saved_type);
    return plan;
  }
  // Files written before state_names existed hold the state of SGD, Adam or AdamW in their
  // fixed order: what state_names() gives today.
  if (h5::has_attr(og, "state_names")) {
    const std::vector<std::string> saved_names = h5::read_attr_strings(og, "state_names");
    if (saved_names != optimizer.state_names()) {
      auto joined = [](const std::vector<std::string>& v) {
        std::string s;
        for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
        return "(" + s + ")";
      };
      const std::string why = "model state " + joined(optimizer.state_names()) +
                              ", checkpoint state " + joined(saved_names);
      report.mismatched.push_back("optimizer");
      report.mismatch_details.push_back(why);
      if (strict) problems.push_back("the optimizer's " + why);
      return plan;
    }
  }
  plan.options = saved_options(og, optimizer);
  std::vector<SavedGroup> saved = read_saved(og);
  const NameMap names = parameter_names(model);
  if (strict)
    stage_strict(saved, optimizer, names, plan, report, problems);
  else
    stage_by_name(saved, optimizer, names, plan, report);
  return plan;
}

void apply(const OptimizerPlan& plan, optim::Optimizer& optimizer) {
  NoGradGuard no_grad;
  if (!plan.options.empty()) optimizer.set_options(plan.options);
  auto& groups = optimizer.param_groups();
  for (const auto& v : plan.groups) {
    groups[v.group].lr = v.lr;
    groups[v.group].initial_lr = v.initial_lr;
    groups[v.group].weight_decay = v.weight_decay;
  }
  for (const auto& v : plan.params) {
    optim::ParamGroup& group = groups[v.group];
    if (group.state.size() < group.params.size()) group.state.resize(group.params.size());
    optim::ParamState& s = group.state[v.index];
    const Device device = group.params[v.index].device();
    // Into the existing buffer when it has the shape, so handles to it stay valid.
    auto restore = [&](Tensor& dst, const Tensor& src) {
      if (!src.defined())
        dst = Tensor();
      else if (dst.defined() && dst.shape() == src.shape() && dst.device() == device)
        dst.copy_(src.to(device));
      else
        dst = src.to(device);
    };
    restore(s.buf1, v.buf1);
    restore(s.buf2, v.buf2);
    s.step = v.step;
  }
}

}  // namespace joule::io::detail
