// Test 4 of the op table: every public op has a row. The ops are read from the code, not from a
// hand-kept list: the declarations of functions returning Tensor (or void, for the in-place ops)
// in lib/joule/ops/*.h, and the view and copy methods of Tensor (lib/joule/core/tensor.h, the
// "views and copies" section), found under JOULE_SOURCE_DIR (set in tests/CMakeLists.txt).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "ops_table/op_table.h"

namespace joule::optable {
namespace {

namespace fs = std::filesystem;

// Public names that need no row, each with its reason.
const std::map<std::string, std::string> kExempt = {
    {"contiguous_float", "dispatch helper inside lib/joule/ops/ (a dtype check and a copy)"},
    {"Tensor::detach", "cuts the graph: nothing to differentiate or to compute"},
    {"Tensor::to", "the device copy itself: the CUDA test moves every input with it"},
};

// op name -> the header that declares it, for the failure message.
using Declared = std::map<std::string, std::string>;

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Free functions returning Tensor or void at the start of a line: `Tensor relu(const Tensor& x);`
// (inline ones too; operators are spelled `operator+(` and do not match).
void scan_ops_header(const fs::path& header, const std::string& shown, Declared& out) {
  static const std::regex decl(R"(^\s*(?:inline\s+)?(?:Tensor|void)\s+([A-Za-z_]\w*)\s*\()");
  std::istringstream lines(read(header));
  std::smatch m;
  for (std::string line; std::getline(lines, line);)
    if (std::regex_search(line, m, decl)) out.emplace(m[1].str(), shown);
}

// Tensor's methods between the "views and copies" and "autograd" markers, as "Tensor::name".
void scan_tensor_views(const fs::path& header, Declared& out) {
  static const std::regex decl(R"(^\s*Tensor&?\s+([A-Za-z_]\w*)\s*\()");
  std::istringstream lines(read(header));
  bool inside = false;
  std::smatch m;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("---- views and copies") != std::string::npos) inside = true;
    if (line.find("---- autograd") != std::string::npos) inside = false;
    // In-place value writes (copy_, fill_, zero_) return Tensor& and are not ops.
    if (inside && std::regex_search(line, m, decl) && line.find("Tensor&") == std::string::npos)
      out.emplace("Tensor::" + m[1].str(), "lib/joule/core/tensor.h");
  }
}

Declared declared_ops() {
  const fs::path root = JOULE_SOURCE_DIR;
  Declared ops;
  for (const auto& entry : fs::directory_iterator(root / "lib/joule/ops"))
    if (entry.path().extension() == ".h")
      scan_ops_header(entry.path(), "lib/joule/ops/" + entry.path().filename().string(), ops);
  scan_tensor_views(root / "lib/joule/core/tensor.h", ops);
  return ops;
}

TEST(OpTableCompleteness, EveryPublicOpHasARow) {
  const Declared ops = declared_ops();
  // A broken path or pattern must not pass by finding nothing.
  ASSERT_GE(ops.size(), 30u) << "found only " << ops.size() << " ops under " << JOULE_SOURCE_DIR;
  std::set<std::string> covered;
  for (const OpRow& row : op_table()) covered.insert(row.op);
  for (const auto& [op, header] : ops) {
    if (kExempt.count(op)) continue;
    EXPECT_TRUE(covered.count(op)) << "op '" << op << "' (declared in " << header
                                   << ") has no row in the op table (tests/ops_table/): add "
                                   << "one, see docs/testing.md";
  }
}

TEST(OpTableCompleteness, EveryRowNamesADeclaredOp) {
  const Declared ops = declared_ops();
  for (const OpRow& row : op_table())
    EXPECT_TRUE(ops.count(row.op))
        << "row '" << row.name << "' covers '" << row.op << "', which no scanned header declares";
  for (const auto& [op, reason] : kExempt)
    EXPECT_TRUE(ops.count(op)) << "exemption '" << op << "' is stale: no such op any more";
}

TEST(OpTableCompleteness, RowNamesAreUniqueAndValid) {
  std::set<std::string> names;
  const std::regex valid("[A-Za-z0-9_]+");
  for (const OpRow& row : op_table()) {
    EXPECT_TRUE(names.insert(row.name).second) << "duplicate row name '" << row.name << "'";
    EXPECT_TRUE(std::regex_match(row.name, valid)) << "row name '" << row.name << "' must be "
                                                   << "letters, digits and '_' only";
    EXPECT_TRUE(row.apply) << "row '" << row.name << "' has no function";
  }
}

}  // namespace
}  // namespace joule::optable
