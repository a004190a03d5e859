#include <gtest/gtest.h>

#include <set>

#include "joule/sparse/pattern.h"
#include "test_util.h"

namespace joule::sparse {
namespace {

// Every CSC entry points at the CSR entry of the same (row, col), columns in order.
void expect_csc_matches_csr(const Pattern& p) {
  const std::vector<int64_t> rows = p.entry_rows();
  int64_t seen = 0;
  for (int64_t c = 0; c < p.cols(); ++c)
    for (int64_t k = p.csc_col_ptr()[c]; k < p.csc_col_ptr()[c + 1]; ++k, ++seen) {
      const int64_t csr = p.csc_perm()[k];
      EXPECT_EQ(p.col()[csr], c);
      EXPECT_EQ(rows[static_cast<size_t>(csr)], p.csc_row()[k]);
      if (k > p.csc_col_ptr()[c]) {
        EXPECT_LT(p.csc_row()[k - 1], p.csc_row()[k]);
      }
    }
  EXPECT_EQ(seen, p.nnz());
}

TEST(SparsePattern, RandomHasExactlyNnzDistinctValidPositions) {
  Generator gen(3);
  for (int64_t nnz : {0, 1, 37, 600, 999, 1000}) {
    Pattern p = Pattern::random(40, 25, nnz, gen);
    EXPECT_EQ(p.nnz(), nnz);
    p.validate("test");
    std::set<std::pair<int64_t, int64_t>> pos;
    const std::vector<int64_t> rows = p.entry_rows();
    for (int64_t k = 0; k < p.nnz(); ++k) pos.insert({rows[static_cast<size_t>(k)], p.col()[k]});
    EXPECT_EQ(static_cast<int64_t>(pos.size()), nnz);
    expect_csc_matches_csr(p);
  }
}

TEST(SparsePattern, RandomSpreadsEntriesOverRowsAndColumns) {
  Generator gen(5);
  Pattern p = Pattern::random(100, 100, 2000, gen);
  std::vector<int64_t> per_col(100, 0);
  for (int64_t k = 0; k < p.nnz(); ++k) ++per_col[static_cast<size_t>(p.col()[k])];
  for (int64_t c = 0; c < 100; ++c) EXPECT_GT(per_col[static_cast<size_t>(c)], 2) << "column " << c;
  for (int64_t r = 0; r < 100; ++r) EXPECT_GT(p.row_ptr()[r + 1] - p.row_ptr()[r], 2) << "row " << r;
}

TEST(SparsePattern, AssignRewritesInPlaceAndReportsWhereEachCoordLanded) {
  Pattern p(3, 4, {0, 2, 3, 4}, {0, 3, 1, 2});
  const int64_t* col_before = p.col();
  const std::vector<Coord> coords = {{2, 0}, {0, 1}, {1, 3}, {0, 0}};
  const std::vector<int64_t> order = p.assign(coords);
  EXPECT_EQ(p.col(), col_before) << "assign must not reallocate";
  EXPECT_EQ(order, (std::vector<int64_t>{3, 1, 2, 0}));
  EXPECT_EQ(p.col_tensor().to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 3, 0}));
  EXPECT_EQ(p.row_ptr_tensor().to_vector<int64_t>(), (std::vector<int64_t>{0, 2, 3, 4}));
  EXPECT_EQ(p.find(1, 3), 2);
  EXPECT_EQ(p.find(1, 2), -1);
  expect_csc_matches_csr(p);
}

TEST(SparsePattern, BadInputIsNamed) {
  using test::error_of;
  using test::expect_has;
  expect_has(error_of([] { Pattern(2, 3, {0, 1}, {0}); }), "row_ptr has 2 entries");
  expect_has(error_of([] { Pattern(2, 3, {0, 2, 2}, {1, 1}); }), "must increase strictly");
  expect_has(error_of([] { Pattern(2, 3, {0, 1, 2}, {0, 3}); }), "column 3 of row 1");
  expect_has(error_of([] {
               Generator g(1);
               Pattern::random(2, 3, 7, g);
             }),
             "nnz must be in [0, 6]");
  Pattern p(2, 2, {0, 1, 2}, {0, 1});
  expect_has(error_of([&] { p.assign({{0, 0}, {0, 0}}); }), "given twice");
  expect_has(error_of([&] { p.assign({{0, 0}}); }), "keeps nnz 2");
}

}  // namespace
}  // namespace joule::sparse
