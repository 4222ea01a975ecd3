#include "famfs/format/fsck.h"

#include "base/error.h"
#include "famfs/format/replay.h"
#include "famfs/format/superblock.h"

namespace famlab::famfs::format {

FsckReport fsck(const Device& device) {
  FsckReport report;
  Superblock sb;
  try {
    sb = decode_superblock(device.bytes(), device.size());
  } catch (const Error& e) {
    report.errors.push_back(e.what());
    return report;
  }
  ReplayResult r = replay_log(device.bytes().subspan(sb.log_offset, sb.log_size), sb);
  if (r.torn) report.warnings.push_back("log ends in a torn entry: " + *r.torn);
  report.errors = r.problems;
  report.entries = r.entries;
  report.files = r.tree.file_count();
  report.dirs = r.tree.dir_count();
  report.log_used = r.log_used;
  report.log_size = sb.log_size;
  report.data_bytes = r.allocator.data_bytes();
  report.free_bytes = r.allocator.free_bytes();
  return report;
}

}  // namespace famlab::famfs::format
