// Internal to the op table: the row families, defined in op_table.cpp and op_table_nn.cpp and
// joined by op_table().
#pragma once

#include <vector>

#include "ops_table/op_table.h"

namespace joule::optable {

// The reason a large row gives for skipping the gradient test.
inline constexpr const char* kLarge =
    "a threading-threshold size, too large for finite differences; the small rows of the same "
    "op check its gradient";

std::vector<OpRow> math_rows();  // op_table.cpp
std::vector<OpRow> nn_rows();    // op_table_nn.cpp

}  // namespace joule::optable
