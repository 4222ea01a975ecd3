#pragma once
// Rebuilding the namespace and the space map from the log. Replay stops at
// the first place that is not a whole valid entry with the next sequence
// number: a clean end (zeros), or a torn append, which it reports.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "famfs/format/allocator.h"
#include "famfs/format/superblock.h"
#include "famfs/format/tree.h"

namespace famlab::famfs::format {

struct ReplayResult {
  ReplayResult(const Superblock& sb) : allocator(sb.data_offset, sb.device_size) {}

  Tree tree;
  Allocator allocator;
  uint64_t entries = 0;               // valid entries replayed
  uint64_t next_seq = 1;              // what the next append carries
  uint64_t log_used = 0;              // bytes from the log start to the end of the last entry
  std::optional<std::string> torn;    // where and why replay stopped early
  std::vector<std::string> problems;  // valid entries that contradict the rest
};

// `log` is the whole log region of the device.
ReplayResult replay_log(std::span<const uint8_t> log, const Superblock& sb);

}  // namespace famlab::famfs::format
