#include "famfs/fuse/fmap_layout.h"

#include <gtest/gtest.h>

namespace famlab::famfs::fuse {
namespace {

constexpr uint64_t M2 = 2ull << 20;

TEST(FmapLayout, SimpleExtentsFollowEachOther) {
  FmapMessage m = simple_fmap(5 * M2, {{0, 10 * M2, 2 * M2}, {0, 40 * M2, 4 * M2}});
  auto p = fmap_locate(m, 0);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->offset, 10 * M2);
  EXPECT_EQ(p->run, 2 * M2);
  p = fmap_locate(m, 2 * M2 + 5);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->offset, 40 * M2 + 5);
  EXPECT_EQ(p->run, 4 * M2 - 5);
  EXPECT_FALSE(fmap_locate(m, 6 * M2));
  EXPECT_EQ(fmap_seams(m, 5 * M2, 10), std::vector<uint64_t>{2 * M2});
}

TEST(FmapLayout, InterleavedChunksGoRoundTheStrips) {
  // Two strips, 4 MiB chunks: chunk 0 on strip 0, 1 on strip 1, 2 on strip 0 row 1.
  FmapMessage m = interleaved_fmap(5 * M2, 2 * M2, {{0, 10 * M2, 4 * M2}, {0, 20 * M2, 4 * M2}});
  m.interleaved[0].nbytes = 5 * M2;  // chunk 2 half used
  EXPECT_EQ(fmap_locate(m, 0)->offset, 10 * M2);
  EXPECT_EQ(fmap_locate(m, 0)->run, 2 * M2);
  EXPECT_EQ(fmap_locate(m, 2 * M2 + 7)->offset, 20 * M2 + 7);
  EXPECT_EQ(fmap_locate(m, 4 * M2)->offset, 12 * M2);
  EXPECT_EQ(fmap_locate(m, 4 * M2)->run, M2);  // the extent ends inside the chunk
  // A second extent after the partly used chunk starts a run of its own.
  FmapMessage two = m;
  FmapInterleave next = m.interleaved[0];
  next.strips = {{0, 40 * M2, M2}};
  next.nstrips = 1;
  next.nbytes = M2;
  two.interleaved.push_back(next);
  two.nextents = 2;
  EXPECT_EQ(fmap_locate(two, 5 * M2 - 1)->run, 1u);
  EXPECT_EQ(fmap_locate(two, 5 * M2)->offset, 40 * M2);
  EXPECT_EQ(fmap_seams(two, 6 * M2, 10), (std::vector<uint64_t>{2 * M2, 4 * M2, 5 * M2}));
  EXPECT_EQ(fmap_seams(two, 6 * M2, 2).size(), 2u);
  EXPECT_FALSE(fmap_locate(two, 6 * M2));
}

}  // namespace
}  // namespace famlab::famfs::fuse
