#include "joule/distill/transfer.h"

#include "joule/nn/freeze.h"

namespace joule::distill {

io::LoadReport load_pretrained(const std::string& path, nn::Module& model) {
  return io::load_checkpoint(path, model, nullptr, nullptr,
                             {.strict = false, .load_optimizer = false});
}

std::shared_ptr<nn::Sequential> replace_head(const nn::Sequential& body,
                                             std::shared_ptr<nn::Module> head) {
  JOULE_CHECK(body.size() > 0, "replace_head: the model has no layers to replace");
  JOULE_CHECK(head != nullptr, "replace_head: the new head is null");
  auto out = std::make_shared<nn::Sequential>();
  for (size_t i = 0; i + 1 < body.size(); ++i) out->push_back(body[i]);
  out->push_back(std::move(head));
  out->train(body.is_training());
  return out;
}

std::vector<optim::ParamGroup> param_groups(const nn::Module& model,
                                            const std::vector<GroupSpec>& specs) {
  const nn::NamedTensors params = model.named_parameters();
  std::vector<optim::ParamGroup> groups(specs.size());
  std::vector<bool> taken(params.size(), false);
  for (size_t s = 0; s < specs.size(); ++s) {
    JOULE_CHECK(!specs[s].prefixes.empty(), "param_groups: group ", s, " names no prefix");
    groups[s].lr = specs[s].lr;
    groups[s].weight_decay = specs[s].weight_decay;
    for (const std::string& prefix : specs[s].prefixes) {
      bool any = false;
      for (size_t i = 0; i < params.size(); ++i) {
        if (!nn::name_under(params[i].first, prefix)) continue;
        any = true;
        if (taken[i]) continue;
        taken[i] = true;
        groups[s].params.push_back(params[i].second);
      }
      JOULE_CHECK(any, "param_groups: group ", s, ": no parameter under '", prefix, "'");
    }
    JOULE_CHECK(!groups[s].params.empty(), "param_groups: group ", s, " is empty: an earlier "
                "group took every parameter under its prefixes");
  }
  optim::ParamGroup rest;
  for (size_t i = 0; i < params.size(); ++i)
    if (!taken[i]) rest.params.push_back(params[i].second);
  if (!rest.params.empty()) groups.push_back(std::move(rest));
  return groups;
}

}  // namespace joule::distill
