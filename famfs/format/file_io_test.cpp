#include "famfs/format/file_io.h"

#include <gtest/gtest.h>

#include <numeric>

#include "famfs/format/layout.h"

namespace famlab::famfs::format {
namespace {

constexpr uint64_t M2 = kAllocUnit;

TEST(FileIo, ReadAndWriteAreClampedToTheFileSize) {
  std::vector<uint8_t> dev(8 * M2, 0);
  Node f;
  f.size = 100;
  f.map = FileMap{FileMap::Kind::Simple, {{4 * M2, M2}}, 0};
  std::vector<uint8_t> data(150);
  std::iota(data.begin(), data.end(), 0);
  EXPECT_EQ(write_file(dev, f, 0, data), 100u);  // never grows the file
  EXPECT_EQ(dev[4 * M2 + 99], 99);
  EXPECT_EQ(dev[4 * M2 + 100], 0);
  std::vector<uint8_t> out(64);
  EXPECT_EQ(read_file(dev, f, 90, out), 10u);
  EXPECT_EQ(out[0], 90);
  EXPECT_EQ(read_file(dev, f, 100, out), 0u);
  EXPECT_EQ(read_file(dev, f, UINT64_MAX, out), 0u);
}

TEST(FileIo, CrossesExtentAndChunkBoundaries) {
  std::vector<uint8_t> dev(16 * M2, 0);
  Node f;
  f.size = 4 * M2;
  f.map = FileMap{FileMap::Kind::Interleaved, {{2 * M2, 2 * M2}, {8 * M2, 2 * M2}}, M2};
  std::vector<uint8_t> data(M2 + 20, 7);
  EXPECT_EQ(write_file(dev, f, M2 - 10, data), data.size());
  EXPECT_EQ(dev[3 * M2 - 10], 7);  // end of chunk 0 (strip 0)
  EXPECT_EQ(dev[8 * M2], 7);       // all of chunk 1 (strip 1)
  EXPECT_EQ(dev[3 * M2 + 9], 7);   // start of chunk 2 (strip 0, row 1)
  EXPECT_EQ(dev[3 * M2 + 10], 0);
}

TEST(FileIo, MapOutsideTheDeviceIsAnError) {
  std::vector<uint8_t> dev(4 * M2, 0);
  Node f;
  f.size = 10;
  f.map = FileMap{FileMap::Kind::Simple, {{8 * M2, M2}}, 0};
  std::vector<uint8_t> out(10);
  EXPECT_FALSE(read_file(dev, f, 0, out));
  EXPECT_FALSE(write_file(dev, f, 0, out));
}

}  // namespace
}  // namespace famlab::famfs::format
