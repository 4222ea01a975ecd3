#include "famfs/format/file_map.h"

#include <gtest/gtest.h>

#include "famfs/format/layout.h"

namespace famlab::famfs::format {
namespace {

constexpr uint64_t M2 = kAllocUnit;

TEST(FileMap, SimpleLocateWalksExtentsInOrder) {
  FileMap m{FileMap::Kind::Simple, {{10 * M2, M2}, {4 * M2, 2 * M2}}, 0};
  EXPECT_EQ(map_capacity(m), 3 * M2);
  EXPECT_EQ(locate(m, 0), (Extent{10 * M2, M2}));
  EXPECT_EQ(locate(m, M2 - 1), (Extent{11 * M2 - 1, 1}));
  EXPECT_EQ(locate(m, M2 + 5), (Extent{4 * M2 + 5, 2 * M2 - 5}));
  EXPECT_FALSE(locate(m, 3 * M2));
}

TEST(FileMap, InterleavedLocateGoesRoundRobin) {
  // 3 strips of 2 chunks each (chunk = 2 MiB): chunk i -> strip i % 3, row i / 3.
  FileMap m{FileMap::Kind::Interleaved, {{10 * M2, 2 * M2}, {20 * M2, 2 * M2}, {30 * M2, 2 * M2}}, M2};
  EXPECT_EQ(map_capacity(m), 6 * M2);
  EXPECT_EQ(locate(m, 0)->offset, 10 * M2);
  EXPECT_EQ(locate(m, M2)->offset, 20 * M2);
  EXPECT_EQ(locate(m, 2 * M2)->offset, 30 * M2);
  EXPECT_EQ(locate(m, 3 * M2)->offset, 11 * M2);  // row 1 of strip 0
  EXPECT_EQ(locate(m, 5 * M2 + 7)->offset, 31 * M2 + 7);
  EXPECT_EQ(locate(m, 5 * M2 + 7)->length, M2 - 7);
  EXPECT_FALSE(locate(m, 6 * M2));
}

TEST(FileMap, ShapeProblems) {
  FileMap ok{FileMap::Kind::Simple, {{4 * M2, M2}}, 0};
  EXPECT_TRUE(map_shape_problems(ok, M2).empty());
  EXPECT_FALSE(map_shape_problems(ok, M2 + 1).empty());  // too small for the file
  FileMap misaligned{FileMap::Kind::Simple, {{4 * M2 + 4096, M2}}, 0};
  EXPECT_FALSE(map_shape_problems(misaligned, 1).empty());
  FileMap chunk3{FileMap::Kind::Interleaved, {{4 * M2, 6 * M2}}, 3 * M2};
  EXPECT_FALSE(map_shape_problems(chunk3, 1).empty());
  FileMap uneven{FileMap::Kind::Interleaved, {{4 * M2, 2 * M2}, {8 * M2, M2}}, M2};
  EXPECT_FALSE(map_shape_problems(uneven, 1).empty());
  EXPECT_FALSE(map_shape_problems(FileMap{}, 1).empty());
}

TEST(FileMap, Describe) {
  FileMap m{FileMap::Kind::Interleaved, {{0x400000, M2}, {0x600000, M2}}, M2};
  EXPECT_EQ(describe(m), "interleaved, 2 strips, chunk 2M: [0x400000, +2M) [0x600000, +2M)");
  FileMap s{FileMap::Kind::Simple, {{0x400000, 2 * M2}}, 0};
  EXPECT_EQ(describe(s), "simple, 1 extent: [0x400000, +4M)");
}

}  // namespace
}  // namespace famlab::famfs::format
