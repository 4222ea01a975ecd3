#pragma once
// Checking a filesystem without changing it: the superblock, every log
// entry, the namespace the log builds, and that no two files share space
// and every file lies inside the data area.
#include <cstdint>
#include <string>
#include <vector>

#include "famfs/format/device.h"

namespace famlab::famfs::format {

struct FsckReport {
  std::vector<std::string> errors;    // the filesystem is damaged
  std::vector<std::string> warnings;  // a torn last append: recoverable, ignored by replay
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
