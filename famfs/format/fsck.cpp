#include "famfs/format/fsck.h"

#include "base/error.h"
#include "famfs/format/cache_lines.h"
#include "famfs/format/host_id.h"
#include "famfs/format/replay.h"
#include "famfs/format/superblock.h"

namespace famlab::famfs::format {

FsckReport fsck(const Device& device) {
  FsckReport report;
  Superblock sb;
  try {
    drop_cached(device.bytes().data(), kSuperblockBytes);
    sb = decode_superblock(device.bytes(), device.size());
  } catch (const Error& e) {
    report.errors.push_back(e.what());
    return report;
  }
  report.format_version = sb.version;
  if (!is_zero(sb.master_id)) report.master_id = uuid_text(sb.master_id);
  ReplayResult r = replay_log(device.bytes().subspan(sb.log_offset, sb.log_size), sb);
  report.errors = r.problems;
  if (r.damage) report.errors.push_back(*r.damage);
  if (r.torn_tail) {
    report.torn_tail = r.torn_tail;
    report.warnings.push_back(*r.torn_tail);
  }
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
