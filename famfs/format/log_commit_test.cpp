#include "famfs/format/log_commit.h"

#include <gtest/gtest.h>

#include <cstring>

#include "base/error.h"
#include "famfs/format/log_entry.h"

namespace famlab::famfs::format {
namespace {

std::vector<uint8_t> entry(uint64_t seq, size_t name_length) {
  LogEntry e;
  e.seq = seq;
  e.type = EntryType::Mkdir;
  e.path = std::string(name_length, 'n');
  return encode_log_entry(e);
}

struct Log {
  std::vector<uint64_t> words = std::vector<uint64_t>(16384 / 8, 0);  // 8-byte aligned, like the device
  std::span<uint8_t> bytes() { return {reinterpret_cast<uint8_t*>(words.data()), words.size() * 8}; }
};

TEST(LogCommit, AppendedEntryReadsBackWhole) {
  Log log;
  std::vector<uint8_t> e = entry(1, 5);
  append_log_entry(log.bytes(), 0, e);
  LogSlot s = read_log_slot(log.bytes(), 0);
  ASSERT_EQ(s.kind, SlotKind::Committed) << s.reason;
  EXPECT_EQ(s.entry, e);
  EXPECT_EQ(read_log_slot(log.bytes(), e.size()).kind, SlotKind::End);
}

TEST(LogCommit, TheCommitWordIsMagicAndLength) {
  Log log;
  std::vector<uint8_t> e = entry(1, 5);
  append_log_entry(log.bytes(), 0, e);
  uint32_t magic = 0, length = 0;
  std::memcpy(&magic, log.bytes().data(), 4);
  std::memcpy(&length, log.bytes().data() + 4, 4);
  EXPECT_EQ(magic, kLogEntryMagic);
  EXPECT_EQ(length, e.size());
}

TEST(LogCommit, BodyWithoutCommitWordIsUncommitted) {
  Log log;
  std::vector<uint8_t> e = entry(1, 40);
  std::memcpy(log.bytes().data() + 8, e.data() + 8, 16);  // an append cut short
  LogSlot s = read_log_slot(log.bytes(), 0);
  EXPECT_EQ(s.kind, SlotKind::Uncommitted);
  EXPECT_EQ(s.reason, "bytes at log offset 8 but no commit word");
  // A stray byte far into the slot counts too; beyond the largest entry not.
  Log far;
  far.bytes()[kMaxLogEntryBytes - 1] = 1;
  EXPECT_EQ(read_log_slot(far.bytes(), 0).kind, SlotKind::Uncommitted);
  Log beyond;
  beyond.bytes()[kMaxLogEntryBytes] = 1;
  EXPECT_EQ(read_log_slot(beyond.bytes(), 0).kind, SlotKind::End);
}

TEST(LogCommit, ImpossibleCommitWordsAreGarbage) {
  Log log;
  uint32_t word[2] = {kLogEntryMagic, 12};  // shorter than a header
  std::memcpy(log.bytes().data(), word, 8);
  LogSlot s = read_log_slot(log.bytes(), 0);
  EXPECT_EQ(s.kind, SlotKind::Garbage);
  EXPECT_EQ(s.reason, "impossible length 12");
  word[1] = 4096;
  std::memcpy(log.bytes().data() + 16384 - 2048, word, 8);
  EXPECT_EQ(read_log_slot(log.bytes(), 16384 - 2048).reason, "length 4096 runs past the end of the log");
  word[0] = 0xdeadbeef;
  std::memcpy(log.bytes().data(), word, 8);
  EXPECT_EQ(read_log_slot(log.bytes(), 0).reason, "bad magic");
}

// An append after one that was cut short leaves none of its bytes behind,
// also when the new entry is shorter than the torn one.
TEST(LogCommit, AppendClearsWhatATornAppendLeft) {
  Log log;
  std::vector<uint8_t> longer = entry(1, 900);
  std::memcpy(log.bytes().data() + 8, longer.data() + 8, longer.size() - 8);
  std::vector<uint8_t> shorter = entry(1, 3);
  append_log_entry(log.bytes(), 0, shorter);
  EXPECT_EQ(read_log_slot(log.bytes(), 0).entry, shorter);
  EXPECT_EQ(read_log_slot(log.bytes(), shorter.size()).kind, SlotKind::End);
}

TEST(LogCommit, AnEntryThatDoesNotFitIsRefused) {
  Log log;
  std::vector<uint8_t> e = entry(1, 5);
  EXPECT_THROW(append_log_entry(log.bytes(), 16384 - 8, e), Error);
  EXPECT_THROW(append_log_entry(log.bytes(), 4, e), Error);
  EXPECT_THROW(read_log_slot(log.bytes(), 4), Error);
  EXPECT_EQ(read_log_slot(log.bytes(), 16384 - 16).kind, SlotKind::End);  // no room for a header: the end
}

}  // namespace
}  // namespace famlab::famfs::format
