// Post-accumulate-grad hooks: called once per backward, after every contribution to the leaf.
#include <gtest/gtest.h>

#include <vector>

#include "joule/autograd/hooks.h"
#include "joule/joule.h"

using namespace joule;

TEST(PostAccumulateGradHook, RunsOnceAfterTheLastContribution) {
  Tensor w = Tensor::from_vector(std::vector<float>{2.0f}, Shape{1});
  w.set_requires_grad(true);
  Tensor v = Tensor::from_vector(std::vector<float>{3.0f}, Shape{1});
  v.set_requires_grad(true);
  std::vector<std::pair<char, float>> calls;
  auto hw = autograd::register_post_accumulate_grad_hook(
      w, [&](const Tensor& t) { calls.emplace_back('w', t.grad().data<float>()[0]); });
  auto hv = autograd::register_post_accumulate_grad_hook(
      v, [&](const Tensor& t) { calls.emplace_back('v', t.grad().data<float>()[0]); });
  // y = w*w*v + w: dy/dw = 2wv + 1 = 13 (three edges into w), dy/dv = w*w = 4
  Tensor y = sum(mul(mul(w, w), v) + w);
  y.backward();
  ASSERT_EQ(calls.size(), 2u);
  for (const auto& [name, g] : calls) EXPECT_FLOAT_EQ(g, name == 'w' ? 13.0f : 4.0f);
  hw.remove();
  calls.clear();
  sum(mul(w, v)).backward();
  ASSERT_EQ(calls.size(), 1u);  // only v's hook is left
  EXPECT_EQ(calls[0].first, 'v');
}

TEST(PostAccumulateGradHook, HandleRemovesOnDestructionAndChecksTheLeaf) {
  Tensor w = Tensor::from_vector(std::vector<float>{1.0f, 2.0f}, Shape{2});
  w.set_requires_grad(true);
  int calls = 0;
  {
    auto h = autograd::register_post_accumulate_grad_hook(w, [&](const Tensor&) { ++calls; });
    sum(w).backward();
    EXPECT_EQ(calls, 1);
  }
  EXPECT_EQ(w.impl().hooks, nullptr);
  sum(w).backward();
  EXPECT_EQ(calls, 1);
  Tensor plain = Tensor::from_vector(std::vector<float>{1.0f}, Shape{1});
  EXPECT_THROW(autograd::register_post_accumulate_grad_hook(plain, [](const Tensor&) {}), Error);
  Tensor computed = w * 2.0f;
  EXPECT_THROW(autograd::register_post_accumulate_grad_hook(computed, [](const Tensor&) {}), Error);
}
