#include "lab/common/cache_use.h"

#include <fcntl.h>
#include <sys/stat.h>

namespace famlab {

std::filesystem::path in_use_lock(const std::filesystem::path& entry) { return entry.string() + ".in-use"; }

std::shared_ptr<FileLock> hold_cache_entry(const std::filesystem::path& entry) {
  std::filesystem::create_directories(entry.parent_path());
  return std::make_shared<FileLock>(in_use_lock(entry), std::function<void()>{}, FileLock::Mode::Shared);
}

void mark_used(const std::filesystem::path& entry) {
  // UTIME_NOW on both: the modification time is what `famlab cache` reads.
  utimensat(AT_FDCWD, entry.c_str(), nullptr, 0);
}

}  // namespace famlab
