// Structured pruning: whole slices along one dimension (dim 0: the output neurons of a Linear
// weight [out, in], the output channels of a Conv2d weight [out, in, kh, kw]) chosen by their Ln
// norm, as torch.nn.utils.prune.ln_structured. The bias is left as it is (as in PyTorch).
#pragma once

#include <string>

#include "joule/prune/mask.h"

namespace joule::prune {

// Prunes `amount` of the remaining slices of parameter `name` along `dim` (negative counts from
// the end), those with the smallest Ln norm (`n` > 0, or INFINITY for the largest |w|), ties to
// the lower index. A slice remains while any of its entries is unpruned; a fraction applies to the
// remaining slices. The norm is taken over the slice's current values (pruned entries are 0).
void ln_structured(nn::Module& model, const std::string& name, Amount amount, double n = 2,
                   int64_t dim = 0);

}  // namespace joule::prune
