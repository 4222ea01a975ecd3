#pragma once
// Checking a filesystem without changing it: the superblock, every log
// entry, the namespace the log builds, and that no two files share space
// and every file lies inside the data area. Safe on any host, while the
// master appends: it reads the log the way a client does.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "famfs/format/device.h"

namespace famlab::famfs::format {

struct FsckReport {
  std::vector<std::string> errors;    // the filesystem is damaged
  std::vector<std::string> warnings;  // not damage: a torn tail (replay ignores it)
  // "torn tail at log offset N: ...": the last append never committed. What
  // a master killed mid-append leaves, and what an append going on right
  // now looks like from another host.
  std::optional<std::string> torn_tail;
  uint32_t format_version = 0;
  std::string master_id;  // as text; empty when none is recorded
  uint64_t entries = 0;
  uint64_t files = 0;
  uint64_t dirs = 0;
  uint64_t log_used = 0;
  uint64_t log_size = 0;
  uint64_t data_bytes = 0;
  uint64_t free_bytes = 0;
  bool clean() const { return errors.empty(); }
};

FsckReport fsck(const Device& device);

}  // namespace famlab::famfs::format
