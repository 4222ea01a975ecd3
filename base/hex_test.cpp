#include "base/hex.h"

#include <gtest/gtest.h>

namespace famlab {

TEST(Hex, WritesValuesWithTheirPrefix) {
  EXPECT_EQ(hex(0), "0x0");
  EXPECT_EQ(hex(0x1f), "0x1f");
  EXPECT_EQ(hex(UINT64_MAX), "0xffffffffffffffff");
}

TEST(Hex, PadsToTheDigitsAskedFor) {
  EXPECT_EQ(hex(0x40, 4), "0x0040");
  EXPECT_EQ(hex(0x40000000000ULL, 16), "0x0000040000000000");
  EXPECT_EQ(hex(0x12345, 2), "0x12345");  // never cut
}

TEST(Hex, WritesByteStringsWithoutPrefix) {
  const uint8_t b[] = {0xde, 0xad, 0x00, 0x0f};
  EXPECT_EQ(hex_bytes(b, 4), "dead000f");
  EXPECT_EQ(hex_bytes(b, 0), "");
}

}  // namespace famlab
