#include "famfs/format/replay.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "base/error.h"
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
  EXPECT_FALSE(r.torn_tail);
  EXPECT_FALSE(r.damage);
  EXPECT_EQ(r.allocator.free_bytes(), r.allocator.data_bytes());
}

TEST(Replay, RebuildsNamespaceAndSpace) {
  Fixture f;
  f.populate();
  ReplayResult r = f.replay();
  EXPECT_EQ(r.entries, 3u);
  EXPECT_EQ(r.next_seq, 4u);
  EXPECT_FALSE(r.torn_tail);
  EXPECT_FALSE(r.damage);
  EXPECT_TRUE(r.problems.empty());
  ASSERT_TRUE(r.tree.find("d/a"));
  EXPECT_EQ(r.tree.find("d/a")->ino, 3u);  // seq 2 + 1
  EXPECT_EQ(r.tree.find("b")->size, M2 + 1);
  EXPECT_EQ(r.allocator.free_bytes(), r.allocator.data_bytes() - 3 * M2);
}

TEST(Replay, ResumesWhereItStopped) {
  Fixture f;
  ReplayResult r = f.replay();
  f.populate();
  EXPECT_EQ(replay_more(f.log(), r), 3u);
  EXPECT_EQ(replay_more(f.log(), r), 0u);
  {
    Filesystem fs(*f.dev);
    fs.mkdir("later", {});
  }
  EXPECT_EQ(replay_more(f.log(), r), 1u);
  EXPECT_EQ(r.entries, 4u);
  EXPECT_NE(r.tree.find("later"), nullptr);
  EXPECT_NE(r.tree.find("d/a"), nullptr);
  EXPECT_EQ(r.log_used, f.replay().log_used);
}

// What a master killed in the middle of an append leaves: the body half
// written, the commit word never stored.
TEST(Replay, UncommittedAppendIsATornTail) {
  Fixture f;
  f.populate();
  uint64_t pos = f.replay().log_used;
  LogEntry e;
  e.seq = 4;
  e.type = EntryType::Mkdir;
  e.path = "late";
  std::vector<uint8_t> b = encode_log_entry(e);
  std::memcpy(f.log().data() + pos + 8, b.data() + 8, (b.size() - 8) / 2);

  ReplayResult r = f.replay();
  EXPECT_EQ(r.entries, 3u);
  EXPECT_EQ(r.log_used, pos);
  EXPECT_FALSE(r.damage);
  ASSERT_TRUE(r.torn_tail);
  EXPECT_EQ(r.torn_tail->rfind("torn tail at log offset " + std::to_string(pos) + ": uncommitted entry", 0),
            0u)
      << *r.torn_tail;
  EXPECT_NE(r.torn_tail->find("replay stops after entry 3"), std::string::npos) << *r.torn_tail;
  EXPECT_EQ(r.tree.find("late"), nullptr);

  // The next append takes the torn entry's place and replay is clean again.
  Filesystem fs(*f.dev);
  fs.create_file("c", 10, {}, {}, [](uint64_t, std::span<uint8_t>) {});
  ReplayResult after = f.replay();
  EXPECT_EQ(after.entries, 4u);
  EXPECT_FALSE(after.torn_tail) << *after.torn_tail;
  EXPECT_NE(after.tree.find("c"), nullptr);
  EXPECT_EQ(after.tree.find("late"), nullptr);
}

// With the commit word written last, a committed entry that does not check
// out was damaged afterwards: replay stops, and it is not called torn.
TEST(Replay, CommittedEntryThatFailsItsChecksIsDamage) {
  Fixture f;
  f.populate();
  ReplayResult whole = f.replay();
  uint64_t pos = 0;
  for (int i = 0; i < 2; ++i) pos += decode_log_entry(f.log().subspan(pos)).length;
  f.log()[whole.log_used - 9] ^= 0xFF;  // inside the last entry's map

  ReplayResult r = f.replay();
  EXPECT_EQ(r.entries, 2u);
  EXPECT_FALSE(r.torn_tail);
  ASSERT_TRUE(r.damage);
  EXPECT_EQ(r.damage->rfind("damaged log at log offset " + std::to_string(pos) +
                                ": committed entry fails its "
                                "checks: checksum mismatch",
                            0),
            0u)
      << *r.damage;
  EXPECT_EQ(r.allocator.free_bytes(), r.allocator.data_bytes() - M2);  // only d/a's unit

  // Nothing is appended behind damage.
  Filesystem fs(*f.dev);
  std::vector<uint8_t> before(f.log().begin(), f.log().end());
  try {
    fs.mkdir("after", {});
    ADD_FAILURE() << "appended to a damaged log";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the metadata log is damaged"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(std::equal(before.begin(), before.end(), f.log().begin()));
}

TEST(Replay, ImpossibleCommitWordIsDamage) {
  Fixture f;
  f.populate();
  uint64_t pos = f.replay().log_used;
  uint32_t word[2] = {0x474f4c46, 4097};  // FLOG, but longer than any entry
  std::memcpy(f.log().data() + pos, word, 8);
  ReplayResult r = f.replay();
  ASSERT_TRUE(r.damage);
  EXPECT_NE(r.damage->find("impossible length 4097"), std::string::npos) << *r.damage;
  word[0] = 0x12345678;
  word[1] = 64;
  std::memcpy(f.log().data() + pos, word, 8);
  r = f.replay();
  ASSERT_TRUE(r.damage);
  EXPECT_NE(r.damage->find("bad magic"), std::string::npos) << *r.damage;
}

TEST(Replay, StaleEntryWithTheWrongSequenceIsDamage) {
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
  ASSERT_TRUE(r.damage);
  EXPECT_NE(r.damage->find("sequence number 2 where 4 was due"), std::string::npos) << *r.damage;
}

// Version 1 wrote entries in one go, so there a bad last entry is what a
// crash leaves: a torn tail, as it always was.
TEST(Replay, VersionOneCallsABadEntryATornTail) {
  Fixture f;
  f.populate();
  ReplayResult whole = f.replay();
  f.log()[whole.log_used - 9] ^= 0xFF;
  Superblock v1 = f.sb;
  v1.version = 1;
  ReplayResult r = replay_log(f.log(), v1);
  EXPECT_EQ(r.entries, 2u);
  EXPECT_FALSE(r.damage);
  ASSERT_TRUE(r.torn_tail);
  EXPECT_NE(r.torn_tail->find("checksum mismatch"), std::string::npos) << *r.torn_tail;
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
