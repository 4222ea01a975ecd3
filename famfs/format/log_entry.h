#pragma once
// One record of the append-only metadata log: a directory or a file with
// its map. Each carries a sequence number and a CRC-32C, so replay can tell
// the end of the log, a torn append and a stale record apart (FORMAT.md).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "famfs/format/file_map.h"

namespace famlab::famfs::format {

constexpr uint32_t kLogEntryMagic = 0x474f4c46;  // "FLOG"
constexpr size_t kLogEntryHeaderBytes = 24;
constexpr size_t kMaxLogEntryBytes = 4096;
constexpr size_t kMaxPathBytes = 1024;

enum class EntryType : uint32_t { Mkdir = 1, File = 2 };

struct LogEntry {
  uint64_t seq = 0;  // 1 for the first entry, then +1 each
  EntryType type = EntryType::File;
  std::string path;   // relative to the root, '/'-separated
  uint32_t mode = 0;  // permission bits only
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t mtime = 0;  // unix seconds
  uint64_t size = 0;   // File only
  FileMap map;         // File only
};

// Encoded size is a multiple of 8 and at most kMaxLogEntryBytes; throws
// famlab::Error if the entry cannot be encoded within that.
std::vector<uint8_t> encode_log_entry(const LogEntry& entry);

struct EntryDecode {
  enum class Status {
    Ok,
    End,   // zero header: nothing was ever appended here
    Torn,  // something is here but it is not a whole valid entry
  };
  Status status = Status::End;
  LogEntry entry;
  size_t length = 0;   // bytes the entry occupies (Ok)
  std::string reason;  // Torn: what is wrong
};

// Decodes the entry at the start of `bytes` (the rest of the log).
EntryDecode decode_log_entry(std::span<const uint8_t> bytes);

}  // namespace famlab::famfs::format
