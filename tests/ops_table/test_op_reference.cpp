// Test 2 of the op table: every row run with the fast CPU kernels and again under
// ops::ReferenceKernelsGuard (the naive reference twins, kernels/reference/); the outputs and the
// gradients of every input must agree within the row's reference tolerance.
#include <gtest/gtest.h>

#include "joule/ops/reference_mode.h"
#include "ops_table/op_table.h"

namespace joule::optable {
namespace {

class OpReference : public ::testing::TestWithParam<OpRow> {};

TEST_P(OpReference, FastKernelsMatchReference) {
  const OpRow& row = GetParam();
  const OpResult fast = run_op(row, Device::cpu());
  OpResult reference;
  {
    ops::ReferenceKernelsGuard guard;  // forward and backward both run under it
    reference = run_op(row, Device::cpu());
  }
  EXPECT_FALSE(ops::reference_kernels_enabled());
  expect_close(reference, fast, row.reference, row.name + " (fast CPU vs reference)");
}

INSTANTIATE_TEST_SUITE_P(OpTable, OpReference, ::testing::ValuesIn(op_table()), RowName());

}  // namespace
}  // namespace joule::optable
