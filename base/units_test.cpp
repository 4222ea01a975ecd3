#include "base/units.h"

#include <gtest/gtest.h>

using namespace famlab;

TEST(Units, ParsesBinarySuffixes) {
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size("16K"), 16 * KiB);
  EXPECT_EQ(parse_size("256M"), 256 * MiB);
  EXPECT_EQ(parse_size("256MiB"), 256 * MiB);
  EXPECT_EQ(parse_size("4G"), 4 * GiB);
  EXPECT_EQ(parse_size("2g"), 2 * GiB);
  EXPECT_EQ(parse_size("1T"), 1024 * GiB);
}

TEST(Units, RejectsGarbageAndOverflow) {
  EXPECT_FALSE(parse_size(""));
  EXPECT_FALSE(parse_size("M"));
  EXPECT_FALSE(parse_size("12X"));
  EXPECT_FALSE(parse_size("-1"));
  EXPECT_FALSE(parse_size("99999999999999999999"));
  EXPECT_FALSE(parse_size("17179869184T"));
}

TEST(Units, FormatsLargestExactUnit) {
  EXPECT_EQ(format_size(256 * MiB), "256M");
  EXPECT_EQ(format_size(4 * GiB), "4G");
  EXPECT_EQ(format_size(1536 * MiB), "1536M");
  EXPECT_EQ(format_size(100), "100");
  EXPECT_EQ(format_size(0), "0");
}

TEST(Units, SecondsAreShort) {
  EXPECT_EQ(famlab::format_seconds(5), "5");
  EXPECT_EQ(famlab::format_seconds(0.25), "0.25");
}
