// Parameter initialisers (torch.nn.init), in place, drawing from an explicit Generator.
#pragma once

#include "joule/core/tensor.h"

namespace joule::nn::init {

void uniform_(Tensor& t, Generator& gen, float low, float high);
void normal_(Tensor& t, Generator& gen, float mean, float stddev);
// fan_in of a (out, in, ...) weight: in * prod(kernel sizes)
int64_t fan_in(const Tensor& weight);
// Kaiming-uniform with leaky-ReLU slope a: bound = sqrt(6 / ((1 + a^2) fan_in)).
// a = sqrt(5) is PyTorch's default for Linear and Conv weights (bound = 1/sqrt(fan_in)).
void kaiming_uniform_(Tensor& t, Generator& gen, double a);
void zeros_(Tensor& t);

}  // namespace joule::nn::init
