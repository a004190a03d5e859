// Test 1 of the op table: every row's autograd gradients against central finite differences.
#include <gtest/gtest.h>

#include "joule/backward/gradcheck.h"
#include "ops_table/op_table.h"

namespace joule::optable {
namespace {

class OpGradient : public ::testing::TestWithParam<OpRow> {};

TEST_P(OpGradient, MatchesFiniteDifferences) {
  const OpRow& row = GetParam();
  if (!row.no_gradcheck.empty()) GTEST_SKIP() << row.no_gradcheck;
  if (!has_differentiable_input(row)) GTEST_SKIP() << "no differentiable input (no autograd)";
  const GradcheckResult r = gradcheck(row.apply, make_inputs(row, Device::cpu()), row.grad);
  EXPECT_TRUE(r.ok) << row.name << ": " << r.message << " (max abs err " << r.max_abs_err
                    << "; eps " << row.grad.eps << ", atol " << row.grad.atol << ", rtol "
                    << row.grad.rtol << ")";
}

INSTANTIATE_TEST_SUITE_P(OpTable, OpGradient, ::testing::ValuesIn(op_table()), RowName());

}  // namespace
}  // namespace joule::optable
