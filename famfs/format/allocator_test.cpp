#include "famfs/format/allocator.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "base/error_of.h"
#include "famfs/format/layout.h"

namespace famlab::famfs::format {
namespace {

constexpr uint64_t M2 = kAllocUnit;
constexpr uint64_t kData = 5 * M2;  // superblock + 8 MiB log

TEST(Allocator, SimpleIsFirstFitAndRoundsUp) {
  Allocator a(kData, kData + 10 * M2);
  EXPECT_EQ(a.data_bytes(), 10 * M2);
  FileMap f1 = a.allocate_simple(1, 2);
  ASSERT_EQ(f1.extents.size(), 1u);
  EXPECT_EQ(f1.extents[0], (Extent{kData, M2}));
  FileMap f2 = a.allocate_simple(M2 + 1, 3);
  EXPECT_EQ(f2.extents[0], (Extent{kData + M2, 2 * M2}));
  EXPECT_EQ(a.free_bytes(), 7 * M2);
}

TEST(Allocator, SimpleExhaustion) {
  Allocator a(kData, kData + 4 * M2);
  a.allocate_simple(3 * M2, 2);
  std::string e = error_of([&] { a.allocate_simple(2 * M2, 3); });
  EXPECT_NE(e.find("no room for 4M: the largest free run is 2M (2M free in all)"), std::string::npos) << e;
  EXPECT_EQ(a.free_bytes(), M2);  // the failure claimed nothing
  a.allocate_simple(M2, 4);
  EXPECT_EQ(a.free_bytes(), 0u);
  EXPECT_NE(error_of([&] { a.allocate_simple(1, 5); }).find("no room"), std::string::npos);
  EXPECT_NE(error_of([&] { a.allocate_simple(UINT64_MAX, 5); }).find("no room"), std::string::npos);
  EXPECT_NE(error_of([&] { a.allocate_simple(0, 5); }).find("more than 0"), std::string::npos);
}

TEST(Allocator, InterleavedStripsAreEqualAndDistinct) {
  Allocator a(kData, kData + 32 * M2);
  // 10 MiB over 3 strips of 2 MiB chunks: 2 rows -> each strip 4 MiB.
  FileMap m = a.allocate_interleaved(10ull << 20, 3, M2, 2);
  EXPECT_EQ(m.kind, FileMap::Kind::Interleaved);
  EXPECT_EQ(m.chunk_size, M2);
  ASSERT_EQ(m.extents.size(), 3u);
  for (const auto& s : m.extents) EXPECT_EQ(s.length, 2 * M2);
  EXPECT_EQ(m.extents[1].offset, m.extents[0].end());
  EXPECT_GE(map_capacity(m), 10ull << 20);
  EXPECT_TRUE(map_shape_problems(m, 10ull << 20).empty());
}

TEST(Allocator, InterleavedParameterAndExhaustionErrors) {
  Allocator a(kData, kData + 8 * M2);
  EXPECT_NE(error_of([&] { a.allocate_interleaved(M2, 0, M2, 2); }).find("strip count 0"), std::string::npos);
  EXPECT_NE(error_of([&] { a.allocate_interleaved(M2, 17, M2, 2); }).find("strip count 17 outside 1..16"),
            std::string::npos);
  EXPECT_NE(error_of([&] { a.allocate_interleaved(M2, 2, 3 * M2, 2); }).find("not a power of two"),
            std::string::npos);
  EXPECT_NE(error_of([&] { a.allocate_interleaved(M2, 2, 4096, 2); }).find("not a power of two"),
            std::string::npos);
  // 16 MiB over 3 strips needs 3 rows of 2 MiB per strip: 18 MiB in a
  // 16 MiB data area, so the third strip fails after two were placed.
  std::string e = error_of([&] { a.allocate_interleaved(8 * M2, 3, M2, 2); });
  EXPECT_NE(e.find("no room for 3 strips of 6M"), std::string::npos) << e;
  EXPECT_NE(error_of([&] { a.allocate_interleaved(9 * M2, 1, M2, 2); }).find("holds only 16M"),
            std::string::npos);
  EXPECT_EQ(a.free_bytes(), 8 * M2);  // strips placed before the failure were released
}

TEST(Allocator, ClaimReportsOverlapAndOutside) {
  Allocator a(kData, kData + 8 * M2);
  EXPECT_FALSE(a.claim({kData, 2 * M2}, 2));
  auto overlap = a.claim({kData + M2, 2 * M2}, 3);
  ASSERT_TRUE(overlap);
  EXPECT_EQ(overlap->kind, Allocator::Conflict::Kind::Overlap);
  EXPECT_EQ(overlap->other_owner, 2u);
  auto outside = a.claim({kData + 7 * M2, 2 * M2}, 4);
  ASSERT_TRUE(outside);
  EXPECT_EQ(outside->kind, Allocator::Conflict::Kind::OutsideData);
  auto in_log = a.claim({M2, M2}, 5);
  ASSERT_TRUE(in_log);
  EXPECT_EQ(in_log->kind, Allocator::Conflict::Kind::OutsideData);
  EXPECT_TRUE(a.claim({UINT64_MAX - 10, 100}, 6));  // no wrap-around
}

}  // namespace
}  // namespace famlab::famfs::format
