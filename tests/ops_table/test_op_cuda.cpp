// Test 3 of the op table: every row run on the GPU (inputs moved to Device::cuda(), forward and
// backward there) and compared with the CPU run. Without a GPU, or in a build without the CUDA
// backend, every case skips with the reason; a row whose op has no CUDA kernel skips with its own.
#include <gtest/gtest.h>

#include "cuda/cuda_test_util.h"
#include "ops_table/op_table.h"

namespace joule::optable {
namespace {

class OpCuda : public ::testing::TestWithParam<OpRow> {
 protected:
  void SetUp() override { JOULE_REQUIRE_CUDA(); }
};

TEST_P(OpCuda, MatchesCpu) {
  const OpRow& row = GetParam();
  if (!row.no_cuda.empty()) GTEST_SKIP() << "no CUDA kernel: " << row.no_cuda;
  const OpResult cpu = run_op(row, Device::cpu());
  const OpResult gpu = run_op(row, Device::cuda());
  expect_close(cpu, gpu, row.cuda, row.name + " (CUDA vs CPU)");
}

INSTANTIATE_TEST_SUITE_P(OpTable, OpCuda, ::testing::ValuesIn(op_table()), RowName());

}  // namespace
}  // namespace joule::optable
