// idx_to_hdf5 IMAGES.idx[.gz] LABELS.idx[.gz] OUT.h5
//
// Converts an IDX image/label pair (MNIST, Fashion-MNIST) to one HDF5 file that
// read_hdf5_dataset, Hdf5Reader and h5py read: /X (N, rows*cols) uint8 pixels with scale 1/255,
// /y (N) int64, root attributes num_classes and sample_shape ([1, rows, cols]). Prints
//   wrote=OUT.h5 samples=N features=D classes=C
#include <cstdio>

#include "datasets/hdf5.h"
#include "datasets/idx.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s IMAGES.idx[.gz] LABELS.idx[.gz] OUT.h5\n", argv[0]);
    return 2;
  }
  try {
    const joule::data::Dataset ds = joule::data::load_idx_dataset(argv[1], argv[2]);
    joule::data::write_hdf5_dataset(argv[3], ds);
    std::printf("wrote=%s samples=%lld features=%lld classes=%lld\n", argv[3],
                static_cast<long long>(ds.size()), static_cast<long long>(ds.feature_dim()),
                static_cast<long long>(ds.num_classes));
  } catch (const joule::Error& e) {
    std::fprintf(stderr, "idx_to_hdf5: %s\n", e.what());
    return 1;
  }
  return 0;
}
