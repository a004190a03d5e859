// joule::Error: what() is the plain message a user reads; the source location is kept apart.
#include <gtest/gtest.h>

#include "joule/core/check.h"

namespace {

TEST(Check, WhatIsThePlainMessageAndWhereTheLocation) {
  int line = 0;
  try {
    line = __LINE__ + 1;
    JOULE_CHECK(1 + 1 == 3, "arith: 1 + 1 must be ", 3, ", got ", 1 + 1);
    FAIL() << "JOULE_CHECK did not throw";
  } catch (const joule::Error& e) {
    EXPECT_STREQ(e.what(), "arith: 1 + 1 must be 3, got 2");
    EXPECT_EQ(e.file(), "test_check.cpp");
    EXPECT_EQ(e.line(), line);
    EXPECT_EQ(e.where(), "test_check.cpp:" + std::to_string(line));
  }
}

TEST(Check, ErrorWithoutLocation) {
  const joule::Error e("load: cannot read x.h5");
  EXPECT_STREQ(e.what(), "load: cannot read x.h5");
  EXPECT_EQ(e.where(), "");
  EXPECT_EQ(e.line(), 0);
}

TEST(Check, PassingCheckDoesNotThrow) {
  EXPECT_NO_THROW(JOULE_CHECK(2 > 1, "never"));
}

}  // namespace
