#include "format.h"

#include <gtest/gtest.h>

using namespace famlab::agent;

TEST(Format, SizesUseTheLargestExactUnit) {
  EXPECT_EQ(format_bytes(268435456), "256M");
  EXPECT_EQ(format_bytes(uint64_t{4} << 30), "4G");
  EXPECT_EQ(format_bytes(4096), "4K");
  EXPECT_EQ(format_bytes(1000), "1000");
  EXPECT_EQ(format_bytes(0), "0");
  EXPECT_EQ(hex(0x1f), "0x1f");
  EXPECT_EQ(format_seconds(5), "5");
  EXPECT_EQ(format_seconds(0.25), "0.25");
}
