#pragma once
// Appending to the metadata log, and reading it while another host appends
// (FORMAT.md, "Sharing the log between hosts"). The first 8 bytes of an
// entry, its magic and length, are its commit word. The writer clears the
// slot, writes the rest of the entry and writes it back to memory; only
// then does it store the commit word, in one aligned 8-byte store, and
// write that back too. A reader that finds the commit word zero stops
// there; one that finds it set reads an entry that was whole before the
// commit word could be seen.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace famlab::famfs::format {

enum class SlotKind {
  End,          // commit word zero, nothing after it: the end of the log
  Uncommitted,  // commit word zero, bytes after it: an append that was cut short (or is going on)
  Committed,    // commit word set: `entry` is a private copy of the whole entry
  Garbage,      // commit word set, but no entry could have that one (magic or length wrong)
};

struct LogSlot {
  SlotKind kind = SlotKind::End;
  std::vector<uint8_t> entry;  // Committed: copied out of shared memory, so checks hold for what is used
  std::string reason;          // Uncommitted, Garbage: what was found
};

// The slot at `offset` (a multiple of 8) of the log region `log`.
LogSlot read_log_slot(std::span<const uint8_t> log, uint64_t offset);

// What `famfs creat|cp|mkdir --die-mid-append` asks for.
enum class AppendFault { None, DieMidAppend };
// The exit status of a famfs process that dies on purpose (here and in
// `famfs mount --die-on`).
constexpr int kDiedOnPurposeExit = 3;

// Publishes `entry` (encode_log_entry's bytes) at `offset` of the log
// region; the caller has checked that it fits. DieMidAppend: clears the
// slot, writes the first half of the entry after the commit word, writes
// that back and _exit()s with kDiedOnPurposeExit, as a master killed in
// the middle of an append would.
void append_log_entry(std::span<uint8_t> log, uint64_t offset, std::span<const uint8_t> entry,
                      AppendFault fault = AppendFault::None);

}  // namespace famlab::famfs::format
