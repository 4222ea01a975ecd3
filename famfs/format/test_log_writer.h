#pragma once
// Tests write log entries behind the filesystem's back (crafted overlaps,
// torn appends, a log filled to the brim).
#include <cstring>
#include <vector>

#include "famfs/format/device.h"
#include "famfs/format/log_entry.h"
#include "famfs/format/superblock.h"

namespace famlab::famfs::format {

// Writes `entry` at `log_pos` bytes into the log; returns the next position.
inline uint64_t write_raw_entry(Device& dev, const Superblock& sb, uint64_t log_pos, const LogEntry& entry) {
  std::vector<uint8_t> b = encode_log_entry(entry);
  std::memcpy(dev.bytes().data() + sb.log_offset + log_pos, b.data(), b.size());
  return log_pos + b.size();
}

}  // namespace famlab::famfs::format
