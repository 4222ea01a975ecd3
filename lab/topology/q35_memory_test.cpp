#include "lab/topology/q35_memory.h"

#include <gtest/gtest.h>

#include "base/units.h"

using namespace famlab;
using namespace famlab::topology;

TEST(Q35Memory, SmallGuestsAreAllLow) {
  EXPECT_EQ(q35_ram_layout(2 * GiB).low, 2 * GiB);
  EXPECT_EQ(q35_ram_layout(2 * GiB).high, 0u);
  EXPECT_EQ(q35_ram_layout(2 * GiB + 512 * MiB).low, 2 * GiB + 512 * MiB);
}

TEST(Q35Memory, From2750MOnlyTwoGigabytesStayLow) {
  Q35Ram at_split = q35_ram_layout(2 * GiB + 768 * MiB);
  EXPECT_EQ(at_split.low, 2 * GiB);
  EXPECT_EQ(at_split.high, 768 * MiB);
  EXPECT_EQ(q35_ram_layout(6 * GiB).high, 4 * GiB);
}

TEST(Q35Memory, CoverageMatchesThePrototype) {
  EXPECT_FALSE(q35_ram_covers(2 * GiB, 4 * GiB, 512 * MiB));  // read zeros in the prototype
  EXPECT_TRUE(q35_ram_covers(6 * GiB, 4 * GiB, 512 * MiB));   // worked
  EXPECT_TRUE(q35_ram_covers(4 * GiB, 4 * GiB, 2 * GiB));     // memmap=1G!4G-style with -m 4G
  EXPECT_FALSE(q35_ram_covers(4 * GiB, 4 * GiB, 2 * GiB + 2 * MiB));
  EXPECT_TRUE(q35_ram_covers(2 * GiB, 1 * GiB, 1 * GiB));
  EXPECT_FALSE(q35_ram_covers(3 * GiB, 1 * GiB, 1 * GiB + 2 * MiB));  // past the 2G low end
}

TEST(Q35Memory, NeededMemory) {
  EXPECT_EQ(q35_memory_needed(4 * GiB, 512 * MiB), 2 * GiB + 768 * MiB);
  EXPECT_EQ(q35_memory_needed(4 * GiB, 2 * GiB), 4 * GiB);
  EXPECT_EQ(q35_memory_needed(1 * GiB, 1 * GiB), 2 * GiB);
  EXPECT_FALSE(q35_memory_needed(3 * GiB, 512 * MiB).has_value());  // PCI hole
  EXPECT_FALSE(q35_memory_needed(2 * GiB, 1 * GiB).has_value());    // would need low RAM past 2.75G
  // What is needed is also enough.
  for (uint64_t start : {1 * GiB, 4 * GiB, 5 * GiB}) {
    auto needed = q35_memory_needed(start, 256 * MiB);
    ASSERT_TRUE(needed.has_value());
    EXPECT_TRUE(q35_ram_covers(*needed, start, 256 * MiB));
    EXPECT_FALSE(q35_ram_covers(*needed - 2 * MiB, start, 256 * MiB));
  }
}
