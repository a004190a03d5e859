#include "joule/sparse/pattern.h"

#include <algorithm>
#include <numeric>

namespace joule::sparse {

Pattern::Pattern(int64_t rows, int64_t cols, std::vector<int64_t> row_ptr,
                 std::vector<int64_t> col)
    : rows_(rows), cols_(cols) {
  JOULE_CHECK(rows > 0 && cols > 0, "sparse pattern: sizes must be positive, got ", rows, "x",
              cols);
  JOULE_CHECK(static_cast<int64_t>(row_ptr.size()) == rows + 1, "sparse pattern: row_ptr has ",
              row_ptr.size(), " entries, a ", rows, "-row matrix needs ", rows + 1);
  row_ptr_ = Tensor::from_vector(row_ptr, Shape{rows + 1});
  col_ = Tensor::from_vector(col, Shape{static_cast<int64_t>(col.size())});
  validate("sparse pattern");
  rebuild_csc();
}

Pattern Pattern::random(int64_t rows, int64_t cols, int64_t nnz, Generator& gen) {
  JOULE_CHECK(rows > 0 && cols > 0, "sparse pattern: sizes must be positive, got ", rows, "x",
              cols);
  JOULE_CHECK(nnz >= 0 && nnz <= rows * cols, "sparse pattern: nnz must be in [0, ", rows * cols,
              "] for a ", rows, "x", cols, " matrix, got ", nnz);
  // How many entries each row gets: nnz draws of a uniformly random non-full row.
  std::vector<int64_t> count(static_cast<size_t>(rows), 0);
  if (nnz * 2 > rows * cols) {  // dense-ish: start full and remove at random
    std::fill(count.begin(), count.end(), cols);
    for (int64_t left = rows * cols - nnz; left > 0;) {
      auto r = static_cast<size_t>(gen.below(static_cast<uint64_t>(rows)));
      if (count[r] > 0) --count[r], --left;
    }
  } else {
    for (int64_t left = nnz; left > 0;) {
      auto r = static_cast<size_t>(gen.below(static_cast<uint64_t>(rows)));
      if (count[r] < cols) ++count[r], --left;
    }
  }
  std::vector<int64_t> row_ptr(static_cast<size_t>(rows) + 1, 0), col;
  col.reserve(static_cast<size_t>(nnz));
  std::vector<int64_t> picked;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t k = count[static_cast<size_t>(r)];
    picked.clear();
    if (k * 2 > cols) {  // choose the columns to leave out instead
      std::vector<char> keep(static_cast<size_t>(cols), 1);
      for (int64_t left = cols - k; left > 0;) {
        auto c = static_cast<size_t>(gen.below(static_cast<uint64_t>(cols)));
        if (keep[c]) keep[c] = 0, --left;
      }
      for (int64_t c = 0; c < cols; ++c)
        if (keep[static_cast<size_t>(c)]) picked.push_back(c);
    } else {  // Floyd's sampling of k distinct columns
      for (int64_t j = cols - k; j < cols; ++j) {
        const auto t = static_cast<int64_t>(gen.below(static_cast<uint64_t>(j + 1)));
        const bool seen = std::find(picked.begin(), picked.end(), t) != picked.end();
        picked.push_back(seen ? j : t);
      }
      std::sort(picked.begin(), picked.end());
    }
    col.insert(col.end(), picked.begin(), picked.end());
    row_ptr[static_cast<size_t>(r) + 1] = static_cast<int64_t>(col.size());
  }
  return Pattern(rows, cols, std::move(row_ptr), std::move(col));
}

Pattern Pattern::full(int64_t rows, int64_t cols) {
  std::vector<int64_t> row_ptr(static_cast<size_t>(rows) + 1), col;
  col.reserve(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r <= rows; ++r) row_ptr[static_cast<size_t>(r)] = r * cols;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) col.push_back(c);
  return Pattern(rows, cols, std::move(row_ptr), std::move(col));
}

double Pattern::density() const {
  return static_cast<double>(nnz()) / (static_cast<double>(rows_) * static_cast<double>(cols_));
}

int64_t Pattern::find(int64_t row, int64_t c) const {
  const int64_t* rp = row_ptr();
  const int64_t* begin = col() + rp[row];
  const int64_t* end = col() + rp[row + 1];
  const int64_t* it = std::lower_bound(begin, end, c);
  return (it != end && *it == c) ? static_cast<int64_t>(it - col()) : -1;
}

std::vector<int64_t> Pattern::entry_rows() const {
  std::vector<int64_t> rows(static_cast<size_t>(nnz()));
  const int64_t* rp = row_ptr();
  for (int64_t r = 0; r < rows_; ++r)
    std::fill(rows.begin() + rp[r], rows.begin() + rp[r + 1], r);
  return rows;
}

std::vector<int64_t> Pattern::assign(const std::vector<Coord>& coords) {
  JOULE_CHECK(static_cast<int64_t>(coords.size()) == nnz(), "sparse pattern: assign keeps nnz ",
              nnz(), " but got ", coords.size(), " positions");
  std::vector<int64_t> order(coords.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    const Coord &x = coords[static_cast<size_t>(a)], &y = coords[static_cast<size_t>(b)];
    return x.row != y.row ? x.row < y.row : x.col < y.col;
  });
  int64_t* rp = row_ptr_.data<int64_t>();
  int64_t* cl = col_.data<int64_t>();
  std::fill(rp, rp + rows_ + 1, 0);
  for (size_t k = 0; k < order.size(); ++k) {
    const Coord& c = coords[static_cast<size_t>(order[k])];
    JOULE_CHECK(c.row >= 0 && c.row < rows_ && c.col >= 0 && c.col < cols_,
                "sparse pattern: position (", c.row, ", ", c.col, ") is outside the ", rows_, "x",
                cols_, " matrix");
    if (k > 0) {
      const Coord& p = coords[static_cast<size_t>(order[k - 1])];
      JOULE_CHECK(p.row != c.row || p.col != c.col, "sparse pattern: position (", c.row, ", ",
                  c.col, ") given twice");
    }
    cl[k] = c.col;
    ++rp[c.row + 1];
  }
  for (int64_t r = 0; r < rows_; ++r) rp[r + 1] += rp[r];
  rebuild_csc();
  return order;
}

Pattern::Arrays Pattern::arrays(Device device) const {
  const bool empty = nnz() == 0;
  if (device.is_cpu())
    return {row_ptr(), empty ? nullptr : col(), csc_col_ptr_.data(), csc_row_.data(),
            csc_perm_.data()};
  if (mirror_version_ != version_ || mirror_device_ != device) {
    auto up = [&](const std::vector<int64_t>& v) {
      return Tensor::from_vector(v, Shape{static_cast<int64_t>(v.size())}).to(device);
    };
    mirror_ = {row_ptr_.to(device), col_.to(device), up(csc_col_ptr_), up(csc_row_),
               up(csc_perm_)};
    mirror_version_ = version_;
    mirror_device_ = device;
  }
  auto p = [&](size_t i) { return empty && i != 0 && i != 2 ? nullptr : mirror_[i].data<int64_t>(); };
  return {p(0), p(1), p(2), p(3), p(4)};
}

void Pattern::rebuild_csc() {
  ++version_;
  const int64_t n = nnz();
  const int64_t* rp = row_ptr();
  const int64_t* cl = n ? col() : nullptr;
  csc_col_ptr_.assign(static_cast<size_t>(cols_) + 1, 0);
  csc_row_.resize(static_cast<size_t>(n));
  csc_perm_.resize(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) ++csc_col_ptr_[static_cast<size_t>(cl[k]) + 1];
  for (int64_t c = 0; c < cols_; ++c) csc_col_ptr_[c + 1] += csc_col_ptr_[c];
  std::vector<int64_t> next(csc_col_ptr_.begin(), csc_col_ptr_.end() - 1);
  for (int64_t r = 0; r < rows_; ++r)  // rows visited in order: rows increase within a column
    for (int64_t k = rp[r]; k < rp[r + 1]; ++k) {
      const int64_t slot = next[static_cast<size_t>(cl[k])]++;
      csc_row_[static_cast<size_t>(slot)] = r;
      csc_perm_[static_cast<size_t>(slot)] = k;
    }
}

void Pattern::validate(const std::string& who) const {
  JOULE_CHECK(row_ptr_.defined() && row_ptr_.dtype() == DType::Int64 &&
                  row_ptr_.numel() == rows_ + 1,
              who, ": row_ptr must be int64 with ", rows_ + 1, " entries");
  JOULE_CHECK(col_.defined() && col_.dtype() == DType::Int64, who, ": col must be int64");
  const int64_t* rp = row_ptr();
  const int64_t n = nnz();
  JOULE_CHECK(rp[0] == 0 && rp[rows_] == n, who, ": row_ptr must run from 0 to nnz=", n,
              ", got ", rp[0], " .. ", rp[rows_]);
  const int64_t* cl = n ? col() : nullptr;
  for (int64_t r = 0; r < rows_; ++r) {
    JOULE_CHECK(rp[r] <= rp[r + 1], who, ": row_ptr decreases at row ", r, " (", rp[r], " > ",
                rp[r + 1], ")");
    for (int64_t k = rp[r]; k < rp[r + 1]; ++k) {
      JOULE_CHECK(cl[k] >= 0 && cl[k] < cols_, who, ": column ", cl[k], " of row ", r,
                  " is outside [0, ", cols_, ")");
      JOULE_CHECK(k == rp[r] || cl[k - 1] < cl[k], who, ": columns of row ", r,
                  " must increase strictly, got ", cl[k - 1], " then ", cl[k]);
    }
  }
}

SparseIndex index_of(const std::shared_ptr<const Pattern>& pattern) {
  JOULE_CHECK(pattern != nullptr, "sparse::index_of: no pattern");
  SparseIndex index;
  index.rows = pattern->rows();
  index.cols = pattern->cols();
  index.nnz = pattern->nnz();
  index.arrays = [pattern](Device device) { return pattern->arrays(device); };
  return index;
}

}  // namespace joule::sparse
