#include "famfs/format/log_commit.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "base/error.h"
#include "famfs/format/cache_lines.h"
#include "famfs/format/log_entry.h"

namespace famlab::famfs::format {
namespace {

constexpr size_t kCommitBytes = 8;

// The commit word is an aligned 8-byte location in shared memory, written
// by one process and read by others: single-copy atomic on x86-64 (and on
// arm64), so a reader sees all of it or none of it.
uint64_t load_commit(const uint8_t* at) {
  return __atomic_load_n(reinterpret_cast<const uint64_t*>(at), __ATOMIC_ACQUIRE);
}

void store_commit(uint8_t* at, uint64_t value) {
  __atomic_store_n(reinterpret_cast<uint64_t*>(at), value, __ATOMIC_RELEASE);
}

uint64_t commit_word_of(std::span<const uint8_t> entry) {
  uint64_t word = 0;
  std::memcpy(&word, entry.data(), kCommitBytes);
  return word;
}

// The first nonzero 8-byte word in [from, to), or `to`. Loads are atomic:
// another host may be writing these bytes right now.
uint64_t first_nonzero(const uint8_t* base, uint64_t from, uint64_t to) {
  for (uint64_t at = from; at + 8 <= to; at += 8)
    if (__atomic_load_n(reinterpret_cast<const uint64_t*>(base + at), __ATOMIC_RELAXED) != 0) return at;
  return to;
}

}  // namespace

LogSlot read_log_slot(std::span<const uint8_t> log, uint64_t offset) {
  LogSlot slot;
  if (offset % 8 != 0) throw Error("log slot at offset " + std::to_string(offset) + " is not 8-byte aligned");
  if (offset + kLogEntryHeaderBytes > log.size()) return slot;  // no room for another entry: the end
  const uint8_t* at = log.data() + offset;
  uint64_t slot_end = std::min<uint64_t>(log.size(), offset + kMaxLogEntryBytes);

  drop_cached(at, kCommitBytes);
  uint64_t commit = load_commit(at);
  if (commit == 0) {
    drop_cached(at, slot_end - offset);
    uint64_t stray = first_nonzero(log.data(), offset + kCommitBytes, slot_end);
    if (stray < slot_end) {
      slot.kind = SlotKind::Uncommitted;
      slot.reason = "bytes at log offset " + std::to_string(stray) + " but no commit word";
    }
    return slot;
  }
  uint32_t magic = static_cast<uint32_t>(commit);
  uint32_t length = static_cast<uint32_t>(commit >> 32);
  slot.kind = SlotKind::Garbage;
  if (magic != kLogEntryMagic) {
    slot.reason = "bad magic";
    return slot;
  }
  if (length < kLogEntryHeaderBytes || length % 8 != 0 || length > kMaxLogEntryBytes) {
    slot.reason = "impossible length " + std::to_string(length);
    return slot;
  }
  if (offset + length > log.size()) {
    slot.reason = "length " + std::to_string(length) + " runs past the end of the log";
    return slot;
  }
  // The acquire load above ordered these reads after it; dropping the lines
  // makes them come from memory on a host without coherence.
  drop_cached(at, length);
  slot.kind = SlotKind::Committed;
  slot.entry.assign(at, at + length);
  return slot;
}

void append_log_entry(std::span<uint8_t> log, uint64_t offset, std::span<const uint8_t> entry,
                      AppendFault fault) {
  if (entry.size() < kLogEntryHeaderBytes || entry.size() % 8 != 0 || offset % 8 != 0 ||
      offset + entry.size() > log.size())
    throw Error("log append of " + std::to_string(entry.size()) + " bytes at log offset " +
                std::to_string(offset) + " does not fit the log");
  uint8_t* at = log.data() + offset;
  uint64_t slot_end = std::min<uint64_t>(log.size(), offset + kMaxLogEntryBytes);

  // 1. Clear the slot: an append cut short earlier may have left bytes
  //    here, and nothing of them may end up inside or right after this one.
  store_commit(at, 0);
  std::memset(at + kCommitBytes, 0, slot_end - offset - kCommitBytes);
  write_back(at, slot_end - offset);

  // 2. Everything but the commit word, then to memory.
  size_t body = entry.size() - kCommitBytes;
  if (fault == AppendFault::DieMidAppend) body /= 2;
  std::memcpy(at + kCommitBytes, entry.data() + kCommitBytes, body);
  write_back(at + kCommitBytes, body);
  if (fault == AppendFault::DieMidAppend) _exit(kDiedOnPurposeExit);

  // 3. The commit word, last, in one store; then to memory.
  store_commit(at, commit_word_of(entry));
  write_back(at, kCommitBytes);
}

}  // namespace famlab::famfs::format
