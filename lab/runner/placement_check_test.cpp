#include "lab/runner/placement_check.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <vector>

#include "base/units.h"
#include "lab/plan/placement.h"
#include "protocol/pattern.h"

using namespace famlab;
using famlab::famfs::format::FileMap;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t M2 = 2 * MiB;

// A 2-way region (granularity 256) over two sparse 64 MiB backing files,
// and a "guest" that writes words where the real arithmetic puts them.
class FakeBacking : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "famlab-placement-XXXXXX").string();
    ASSERT_TRUE(mkdtemp(tmpl.data()));
    dir_ = tmpl;
    topology::Region r;
    r.devices = {"mem0", "mem1"};
    r.granularity = 256;
    r.size = 2 * 64 * MiB;
    topo_.regions.push_back(r);
    for (const char* id : {"mem0", "mem1"}) {
      fs::path f = dir_ / id;
      int fd = open(f.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
      ASSERT_GE(fd, 0);
      ASSERT_EQ(ftruncate(fd, 64 * MiB), 0);
      close(fd);
      backing_.push_back({id, "volatile", f, 64 * MiB});
    }
  }
  void TearDown() override {
    for (auto& [id, fd] : fds_) close(fd);
    fs::remove_all(dir_);
  }

  // Writes word by word through the region (as the guest's dax device would).
  void write_region_word(uint64_t region_offset, uint64_t word) {
    plan::Placement p = plan::locate(topo_, 0, region_offset);
    int& fd = fds_[p.device_id];
    if (fd == 0) fd = open((dir_ / p.device_id).c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GT(fd, 0);
    ASSERT_EQ(pwrite(fd, &word, 8, static_cast<off_t>(p.file_offset)), 8);
  }
  void write_file(const FileMap& map, uint64_t size, uint64_t seed) {
    for (uint64_t o = 0; o < size; o += 8)
      write_region_word(famfs::format::locate(map, o)->offset, protocol::pattern_word(seed, o));
  }

  fs::path dir_;
  topology::Topology topo_;
  std::vector<plan::BackingFile> backing_;
  std::map<std::string, int> fds_;
};

TEST_F(FakeBacking, RegionPatternIsFoundWhereTheInterleavePutsIt) {
  for (uint64_t o = 0; o < 64 * KiB; o += 8) write_region_word(o, protocol::pattern_word(3, o));
  runner::PlacementReport rep = runner::check_placement(topo_, backing_, 0, 64 * KiB, 3);
  EXPECT_EQ(rep.mismatches, 0u) << rep.summary();
  EXPECT_EQ(rep.words_checked, 64 * KiB / 8);
  EXPECT_EQ(rep.granules_checked, 64 * KiB / 256);
  // Another seed was never written: every word is wrong.
  EXPECT_EQ(runner::check_placement(topo_, backing_, 0, 64 * KiB, 4).mismatches, 64 * KiB / 8);
}

// A 3-strip interleaved file, 2 MiB chunks, not a whole number of chunks
// (7 MiB + 4 KiB), written where famfs and then CXL interleave put it.
FileMap three_strips() {
  return FileMap{FileMap::Kind::Interleaved, {{6 * M2, 2 * M2}, {10 * M2, 2 * M2}, {14 * M2, 2 * M2}}, M2};
}
constexpr uint64_t kFileSize = 7 * MiB + 4 * KiB;

TEST_F(FakeBacking, FamfsFileIsFoundThroughBothInterleaves) {
  write_file(three_strips(), kFileSize, 9);
  auto rep = runner::check_file_placement(topo_, backing_, 0, "/i3", three_strips(), kFileSize, 9);
  EXPECT_EQ(rep.mismatches, 0u) << rep.summary();
  EXPECT_EQ(rep.words_checked, kFileSize / 8);
}

TEST_F(FakeBacking, SwappedStripsAreCaught) {
  write_file(three_strips(), kFileSize, 9);
  FileMap swapped = three_strips();
  std::swap(swapped.extents[0], swapped.extents[1]);
  auto rep = runner::check_file_placement(topo_, backing_, 0, "/i3", swapped, kFileSize, 9);
  // Chunks 0 and 1 (4 MiB) and most of chunk 3 sit on the swapped strips.
  EXPECT_GE(rep.mismatches, 4 * MiB / 8) << rep.summary();
  ASSERT_FALSE(rep.first_problems.empty());
  EXPECT_NE(rep.first_problems[0].find("file /i3 offset 0x0"), std::string::npos) << rep.first_problems[0];
}

TEST_F(FakeBacking, AWrongChunkSizeIsCaught) {
  write_file(three_strips(), kFileSize, 9);
  FileMap wrong = three_strips();
  wrong.chunk_size = 4 * MiB;  // a kernel that used another chunk size
  wrong.extents = {{6 * M2, 4 * M2}, {10 * M2, 4 * M2}, {14 * M2, 4 * M2}};
  auto rep = runner::check_file_placement(topo_, backing_, 0, "/i3", wrong, kFileSize, 9);
  EXPECT_GT(rep.mismatches, 0u);
  EXPECT_LT(rep.mismatches, rep.words_checked);  // the first 2 MiB agree
}

TEST_F(FakeBacking, AnOffByOneGranuleDeviceOrderIsCaught) {
  write_file(three_strips(), kFileSize, 9);
  topology::Topology swapped = topo_;
  swapped.regions[0].devices = {"mem1", "mem0"};  // CXL target order reversed
  auto rep = runner::check_file_placement(swapped, backing_, 0, "/i3", three_strips(), kFileSize, 9);
  EXPECT_EQ(rep.mismatches, rep.words_checked);
}

TEST_F(FakeBacking, AMapTooSmallForTheFileCountsTheRestAsMisplaced) {
  write_file(three_strips(), kFileSize, 9);
  FileMap small{FileMap::Kind::Simple, {{6 * M2, M2}}, 0};
  auto rep = runner::check_file_placement(topo_, backing_, 0, "/s", small, 4 * MiB, 9);
  EXPECT_EQ(rep.words_checked, 4 * MiB / 8);
  EXPECT_GE(rep.mismatches, 2 * MiB / 8);
  EXPECT_NE(rep.summary().find("no place"), std::string::npos) << rep.summary();
}

}  // namespace
