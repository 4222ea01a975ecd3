#include "famfs/format/fsck.h"

#include <gtest/gtest.h>

#include "famfs/format/filesystem.h"
#include "famfs/format/test_device.h"
#include "famfs/format/test_log_writer.h"

namespace famlab::famfs::format {
namespace {

constexpr uint64_t M2 = kAllocUnit;

bool mentions(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& l : lines)
    if (l.find(text) != std::string::npos) return true;
  return false;
}

struct Fixture {
  TempDeviceFile file{64ull << 20};
  std::unique_ptr<Device> dev = file.open();
  Superblock sb = mkfs(*dev, {});
  uint64_t used = 0;
  FileMap a_map;

  Fixture() {
    Filesystem fs(*dev);
    a_map = fs.create_file("a", 2 * M2, {}, {}, [](uint64_t, std::span<uint8_t>) {}).map;
    used = fs.state().log_used;
  }
  void add_raw_file(const std::string& path, FileMap map, uint64_t size) {
    LogEntry e;
    e.seq = 2;
    e.type = EntryType::File;
    e.path = path;
    e.size = size;
    e.map = std::move(map);
    used = write_raw_entry(*dev, sb, used, e);
  }
};

TEST(Fsck, CleanFilesystem) {
  Fixture f;
  FsckReport r = fsck(*f.dev);
  EXPECT_TRUE(r.clean());
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(r.entries, 1u);
  EXPECT_EQ(r.files, 1u);
  EXPECT_EQ(r.free_bytes, r.data_bytes - 2 * M2);
}

TEST(Fsck, CatchesTwoFilesSharingSpace) {
  Fixture f;
  // b starts in the middle of a.
  f.add_raw_file("b", FileMap{FileMap::Kind::Simple, {{f.a_map.extents[0].offset + M2, 2 * M2}}, 0}, 2 * M2);
  FsckReport r = fsck(*f.dev);
  EXPECT_FALSE(r.clean());
  EXPECT_TRUE(mentions(r.errors, "('b'): overlaps 'a'")) << (r.errors.empty() ? "" : r.errors[0]);
}

TEST(Fsck, CatchesAStripOverlappingAnotherFile) {
  Fixture f;
  uint64_t free_at = f.a_map.extents[0].end();
  f.add_raw_file(
      "s", FileMap{FileMap::Kind::Interleaved, {{free_at, 2 * M2}, {f.a_map.extents[0].offset, 2 * M2}}, M2},
      4 * M2);
  EXPECT_TRUE(mentions(fsck(*f.dev).errors, "overlaps 'a'"));
}

TEST(Fsck, CatchesFilesOutsideTheDataArea) {
  Fixture f;
  f.add_raw_file("beyond", FileMap{FileMap::Kind::Simple, {{62ull << 20, 4 * M2}}, 0}, M2);
  FsckReport r = fsck(*f.dev);
  EXPECT_TRUE(mentions(r.errors, "('beyond'): extent")) << (r.errors.empty() ? "" : r.errors[0]);
  EXPECT_TRUE(mentions(r.errors, "outside the data area"));
}

TEST(Fsck, CatchesAFileInTheLog) {
  Fixture f;
  f.add_raw_file("inlog", FileMap{FileMap::Kind::Simple, {{f.sb.log_offset, M2}}, 0}, M2);
  EXPECT_TRUE(mentions(fsck(*f.dev).errors, "outside the data area"));
}

TEST(Fsck, CatchesAMapTooSmallForItsFile) {
  Fixture f;
  f.add_raw_file("short", FileMap{FileMap::Kind::Simple, {{40ull << 20, M2}}, 0}, 3 * M2);
  EXPECT_TRUE(mentions(fsck(*f.dev).errors, "less than the file size"));
}

TEST(Fsck, TornTailIsAWarningOnly) {
  Fixture f;
  f.dev->bytes()[f.sb.log_offset + f.used + 8] = 0x46;  // bytes where the next entry goes, no commit word
  FsckReport r = fsck(*f.dev);
  EXPECT_TRUE(r.clean());
  ASSERT_TRUE(r.torn_tail);
  EXPECT_EQ(
      r.torn_tail->rfind("torn tail at log offset " + std::to_string(f.used) + ": uncommitted entry", 0), 0u)
      << *r.torn_tail;
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0], *r.torn_tail);
  EXPECT_EQ(r.entries, 1u);
}

TEST(Fsck, AStrayCommitWordIsDamage) {
  Fixture f;
  f.dev->bytes()[f.sb.log_offset + f.used] = 0x46;
  FsckReport r = fsck(*f.dev);
  EXPECT_FALSE(r.clean());
  EXPECT_FALSE(r.torn_tail);
  EXPECT_TRUE(mentions(r.errors, "damaged log at log offset " + std::to_string(f.used) +
                                     ": committed entry has "
                                     "bad magic"))
      << (r.errors.empty() ? "" : r.errors[0]);
}

TEST(Fsck, ReportsTheFormatAndTheMaster) {
  TempDeviceFile file{64ull << 20};
  auto dev = file.open();
  HostId master{};
  master[0] = 0x12;
  master[15] = 0x34;
  mkfs(*dev, {kDefaultLogSize, false, master});
  FsckReport r = fsck(*dev);
  EXPECT_EQ(r.format_version, 2u);
  EXPECT_EQ(r.master_id, "12000000-0000-0000-0000-000000000034");
}

TEST(Fsck, CorruptSuperblock) {
  Fixture f;
  f.dev->bytes()[0] = 0;
  FsckReport r = fsck(*f.dev);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("bad magic"), std::string::npos);
}

}  // namespace
}  // namespace famlab::famfs::format
