// Fashion-MNIST: 70,000 28x28 grey images of clothing in 10 classes (60,000 train, 10,000 test),
// read from the four IDX files, gzip-compressed or not.
//
// Install it on Debian with `sudo apt-get install dataset-fashion-mnist` (files go to
// /usr/share/datasets/fashion-mnist/), or point JOULE_FASHION_MNIST at a folder holding
// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte (each optionally ending in .gz).
#pragma once

#include <string>
#include <vector>

#include "datasets/dataset.h"

namespace joule::data {

enum class Split { Train, Test };

// The folder to read: override_dir if non-empty, else $JOULE_FASHION_MNIST if set and non-empty,
// else /usr/share/datasets/fashion-mnist.
std::string fashion_mnist_dir(const std::string& override_dir = "");

// -> features (N, 784) in [0, 1], labels (N) in [0, 10), sample_shape {1, 28, 28},
// num_classes 10. `dir` is resolved by fashion_mnist_dir. Throws joule::Error saying where it
// looked and how to install the data set when a file is missing.
Dataset load_fashion_mnist(Split split, const std::string& dir = "");

// The 10 class names, indexed by label: "T-shirt/top", "Trouser", ..., "Ankle boot".
const std::vector<std::string>& fashion_mnist_classes();

}  // namespace joule::data
