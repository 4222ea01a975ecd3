#include "lab/common/hash.h"

#include <gtest/gtest.h>

using namespace famlab;

TEST(Hash, PiecesAreLengthPrefixed) {
  EXPECT_NE(Hasher().add("ab").add("c").hex(), Hasher().add("a").add("bc").hex());
  EXPECT_EQ(Hasher().add("ab").add("c").hex(), Hasher().add("ab").add("c").hex());
  EXPECT_EQ(sha256_hex("x").size(), 64u);
}
