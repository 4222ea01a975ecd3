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

// Two interleaved extents: 2 strips of 4 MiB chunks covering 6 MiB (its
// last chunk half used), then one strip of 2 MiB chunks. File byte 6 MiB
// is the second extent's first, not the first extent's strip 1 at 2 MiB.
FileMap two_stripes() {
  return striped_map({Stripe{3 * M2, 2 * M2, {{10 * M2, 2 * M2}, {20 * M2, 2 * M2}}},
                      Stripe{2 * M2, M2, {{30 * M2, 2 * M2}}}});
}

TEST(FileMap, StripedLocateNeverRunsPastAnExtent) {
  FileMap m = two_stripes();
  EXPECT_EQ(m.extents.size(), 3u);  // every strip, for the overlap checks
  EXPECT_EQ(m.chunk_size, 2 * M2);
  EXPECT_EQ(map_capacity(m), 5 * M2);
  EXPECT_EQ(*locate(m, 0), (Extent{10 * M2, 2 * M2}));
  EXPECT_EQ(*locate(m, 2 * M2 + 5), (Extent{20 * M2 + 5, M2 - 5}));  // chunk 1 is cut at 6 MiB
  EXPECT_EQ(*locate(m, 3 * M2), (Extent{30 * M2, M2}));
  EXPECT_EQ(*locate(m, 4 * M2 + 7), (Extent{31 * M2 + 7, M2 - 7}));
  EXPECT_FALSE(locate(m, 5 * M2));
  EXPECT_TRUE(map_shape_problems(m, 5 * M2).empty());
  EXPECT_NE(describe(m).find("2 extents"), std::string::npos) << describe(m);
}

TEST(FileMap, StripedShapeProblemsNameTheExtent) {
  FileMap m = two_stripes();
  m.stripes[0].nbytes = 5 * M2;  // more than 2 strips of one 4 MiB chunk
  m.stripes[1].chunk_size = 3 * M2;
  auto p = map_shape_problems(m, 4 * M2);
  std::string all;
  for (const auto& x : p) all += x + "; ";
  EXPECT_NE(all.find("interleaved extent 0: covers 10485760 bytes, more than its strips hold"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("interleaved extent 1: chunk size"), std::string::npos) << all;
  FileMap lying = two_stripes();
  lying.extents.pop_back();
  EXPECT_FALSE(map_shape_problems(lying, M2).empty());
}

}  // namespace
}  // namespace famlab::famfs::format
