// Uses the installed joule through its public header: y = sum(A·A), then checks dy/dA against
// the gradient worked out by hand. Exits non-zero on any mismatch.
#include <joule/joule.h>

#include <cmath>
#include <cstdio>
#include <vector>

int main() {
  // A = [[1, 2], [3, 4]]
  const std::vector<float> a_values{1.f, 2.f, 3.f, 4.f};
  joule::Tensor a = joule::Tensor::from_vector(a_values, {2, 2});
  a.set_requires_grad();

  joule::Tensor y = joule::sum(joule::matmul(a, a));
  y.backward();

  // Y = A·A = [[7, 10], [15, 22]], so y = 54.
  // With G = dy/dY = all ones: dy/dA = G·Aᵀ + Aᵀ·G.
  //   (G·Aᵀ)[i][j] = sum_k A[j][k] (row sums of A: 3, 7)    -> [[3, 7], [3, 7]]
  //   (Aᵀ·G)[i][j] = sum_k A[k][i] (column sums of A: 4, 6) -> [[4, 4], [6, 6]]
  //   dy/dA = [[7, 11], [9, 13]]
  const float expected_y = 54.f;
  const std::vector<float> expected_grad{7.f, 11.f, 9.f, 13.f};

  int failures = 0;
  const float y_value = y.to_vector<float>().at(0);
  if (std::fabs(y_value - expected_y) > 1e-4f) {
    std::fprintf(stderr, "consumer: y = %g, expected %g\n", y_value, expected_y);
    ++failures;
  }

  const std::vector<float> grad = a.grad().to_vector<float>();
  if (grad.size() != expected_grad.size()) {
    std::fprintf(stderr, "consumer: grad has %zu values, expected %zu\n", grad.size(),
                 expected_grad.size());
    return 1;
  }
  for (size_t i = 0; i < grad.size(); ++i) {
    if (std::fabs(grad[i] - expected_grad[i]) > 1e-4f) {
      std::fprintf(stderr, "consumer: grad[%zu] = %g, expected %g\n", i, grad[i],
                   expected_grad[i]);
      ++failures;
    }
  }

  if (failures != 0) return 1;
  std::printf("consumer: y=%g grad=[%g %g %g %g] ok\n", y_value, grad[0], grad[1], grad[2],
              grad[3]);
  return 0;
}
