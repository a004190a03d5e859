// The heap pad Joule asks glibc for (core/host_heap.h): JOULE_HEAP_TOP_PAD's parsing, and that
// the first host allocation applied it or said why not.
#include <gtest/gtest.h>

#include <string>

#include "joule/core/host_heap.h"
#include "joule/core/tensor.h"
#include "test_util.h"

using namespace joule;

TEST(HostHeap, TopPadParsesBytesAndSuffixes) {
  EXPECT_EQ(parse_heap_top_pad(""), size_t{64} << 20);
  EXPECT_EQ(parse_heap_top_pad("0"), 0u);
  EXPECT_EQ(parse_heap_top_pad("4096"), 4096u);
  EXPECT_EQ(parse_heap_top_pad("16K"), size_t{16} << 10);
  EXPECT_EQ(parse_heap_top_pad("32M"), size_t{32} << 20);
  EXPECT_EQ(parse_heap_top_pad("1G"), size_t{1} << 30);
}

TEST(HostHeap, BadTopPadIsAnErrorNamingTheValue) {
  for (const std::string bad : {"-1", "12MB", "lots", "M", "2G", "1.5M"})
    test::expect_has(test::error_of([&] { parse_heap_top_pad(bad); }), "'" + bad + "'");
}

TEST(HostHeap, TheFirstAllocationAppliedThePadOrSaidWhyNot) {
  const Tensor t = Tensor::zeros({1024});  // a host allocation: the pad is decided by now
  std::string why;
  const size_t pad = tune_host_heap(&why);
  if (pad == 0) {
    EXPECT_FALSE(why.empty());
  } else {
    EXPECT_TRUE(why.empty());
    EXPECT_GE(pad, 4096u);
  }
  EXPECT_EQ(tune_host_heap(), pad);  // once per process
}
