// The heap pad Joule asks glibc for (core/host_heap.h): JOULE_HEAP_TOP_PAD's parsing, and that
// the first host allocation applied it or said why not.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "joule/core/host_heap.h"
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

TEST(HostHeap, ThePadWasAppliedBeforeMainUnlessTurnedOff) {
  std::string why;
  const size_t pad = tune_host_heap(&why);
  EXPECT_EQ(host_heap_pad_at_start(), pad);  // decided once, before main
  const char* env = std::getenv("JOULE_HEAP_TOP_PAD");
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  const bool off = (env && std::string(env) == "0") ||
                   (tunables && std::string(tunables).find("glibc.malloc.") != std::string::npos);
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
  if (!off && !env) {
    EXPECT_EQ(pad, size_t{64} << 20) << why;
  }
#endif
  if (off) {
    EXPECT_EQ(pad, 0u);
    EXPECT_FALSE(why.empty());
  }
  if (pad == 0) {
    EXPECT_FALSE(why.empty());
  }
}
