#include "famfs/format/replay.h"

#include <gtest/gtest.h>

#include <cstring>

#include "famfs/format/filesystem.h"
#include "famfs/format/test_device.h"
#include "famfs/format/test_log_writer.h"

namespace famlab::famfs::format {
namespace {

constexpr uint64_t M2 = kAllocUnit;

struct Fixture {
  TempDeviceFile file{64ull << 20};
  std::unique_ptr<Device> dev = file.open();
  Superblock sb = mkfs(*dev, {});

  // Three entries through the real filesystem code.
  void populate() {
    Filesystem fs(*dev);
    fs.mkdir("d", {});
    fs.create_file("d/a", 100, {}, {},
                   [](uint64_t, std::span<uint8_t> d) { std::memset(d.data(), 'a', d.size()); });
    fs.create_file("b", M2 + 1, {}, {},
                   [](uint64_t, std::span<uint8_t> d) { std::memset(d.data(), 'b', d.size()); });
  }
  std::span<uint8_t> log() { return dev->bytes().subspan(sb.log_offset, sb.log_size); }
  ReplayResult replay() { return replay_log(log(), sb); }
};

TEST(Replay, EmptyLog) {
  Fixture f;
  ReplayResult r = f.replay();
  EXPECT_EQ(r.entries, 0u);
  EXPECT_EQ(r.next_seq, 1u);
  EXPECT_EQ(r.log_used, 0u);
  EXPECT_FALSE(r.torn);
  EXPECT_EQ(r.allocator.free_bytes(), r.allocator.data_bytes());
}

TEST(Replay, RebuildsNamespaceAndSpace) {
  Fixture f;
  f.populate();
  ReplayResult r = f.replay();
  EXPECT_EQ(r.entries, 3u);
  EXPECT_EQ(r.next_seq, 4u);
  EXPECT_FALSE(r.torn);
  EXPECT_TRUE(r.problems.empty());
  ASSERT_TRUE(r.tree.find("d/a"));
  EXPECT_EQ(r.tree.find("d/a")->ino, 3u);  // seq 2 + 1
  EXPECT_EQ(r.tree.find("b")->size, M2 + 1);
  EXPECT_EQ(r.allocator.free_bytes(), r.allocator.data_bytes() - 3 * M2);
}

TEST(Replay, CrashInTheMiddleOfAnAppendTruncated) {
  Fixture f;
  f.populate();
  ReplayResult whole = f.replay();
  // Find where the third entry starts and zero its second half: an append
  // that stopped halfway.
  uint64_t pos = 0;
  for (int i = 0; i < 2; ++i) pos += decode_log_entry(f.log().subspan(pos)).length;
  uint64_t len = whole.log_used - pos;
  std::memset(f.log().data() + pos + len / 2, 0, len - len / 2);

  ReplayResult r = f.replay();
  EXPECT_EQ(r.entries, 2u);
  EXPECT_EQ(r.log_used, pos);
  ASSERT_TRUE(r.torn);
  EXPECT_NE(r.torn->find("checksum mismatch"), std::string::npos) << *r.torn;
  EXPECT_EQ(r.tree.find("b"), nullptr);
  EXPECT_NE(r.tree.find("d/a"), nullptr);

  // The next append takes the torn entry's place and replay is clean again.
  Filesystem fs(*f.dev);
  fs.create_file("c", 10, {}, {}, [](uint64_t, std::span<uint8_t>) {});
  ReplayResult after = f.replay();
  EXPECT_EQ(after.entries, 3u);
  EXPECT_FALSE(after.torn) << *after.torn;
  EXPECT_NE(after.tree.find("c"), nullptr);
}

TEST(Replay, CrashWithOnlyTheHeaderWritten) {
  Fixture f;
  f.populate();
  uint64_t pos = f.replay().log_used;
  LogEntry e;
  e.seq = 4;
  e.type = EntryType::Mkdir;
  e.path = "late";
  std::vector<uint8_t> b = encode_log_entry(e);
  std::memcpy(f.log().data() + pos, b.data(), kLogEntryHeaderBytes);  // the rest never made it
  ReplayResult r = f.replay();
  EXPECT_EQ(r.entries, 3u);
  ASSERT_TRUE(r.torn);
  EXPECT_EQ(r.tree.find("late"), nullptr);
}

TEST(Replay, GarbledLastEntry) {
  Fixture f;
  f.populate();
  ReplayResult whole = f.replay();
  f.log()[whole.log_used - 9] ^= 0xFF;  // inside the last entry's map
  ReplayResult r = f.replay();
  EXPECT_EQ(r.entries, 2u);
  ASSERT_TRUE(r.torn);
  EXPECT_EQ(r.allocator.free_bytes(), r.allocator.data_bytes() - M2);  // only d/a's unit
}

TEST(Replay, StaleEntryWithTheWrongSequenceStopsReplay) {
  Fixture f;
  f.populate();
  uint64_t pos = f.replay().log_used;
  LogEntry old;
  old.seq = 2;  // a whole, valid entry, but from an earlier life of the log
  old.type = EntryType::Mkdir;
  old.path = "ghost";
  write_raw_entry(*f.dev, f.sb, pos, old);
  ReplayResult r = f.replay();
  EXPECT_EQ(r.entries, 3u);
  ASSERT_TRUE(r.torn);
  EXPECT_NE(r.torn->find("sequence number 2 where 4 was due"), std::string::npos) << *r.torn;
}

TEST(Replay, ContradictionsAreProblemsNotCrashes) {
  Fixture f;
  LogEntry orphan;
  orphan.seq = 1;
  orphan.type = EntryType::File;
  orphan.path = "missing/f";
  orphan.size = 1;
  orphan.map = FileMap{FileMap::Kind::Simple, {{f.sb.data_offset, M2}}, 0};
  write_raw_entry(*f.dev, f.sb, 0, orphan);
  ReplayResult r = f.replay();
  EXPECT_EQ(r.entries, 1u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("does not exist"), std::string::npos) << r.problems[0];
}

}  // namespace
}  // namespace famlab::famfs::format
