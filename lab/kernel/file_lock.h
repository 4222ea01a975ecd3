#pragma once
// An exclusive flock(2) on a file, held for the object's lifetime. Two famlab
// runs building the same kernel would otherwise share one object tree.
#include <filesystem>
#include <functional>
#include <string>

#include "base/unique_fd.h"

namespace famlab::kernel {

class FileLock {
 public:
  // Blocks until the lock is ours; `on_wait` is called once if it is not free.
  // With `cancelled`, the wait polls it and throws Error once it says true.
  FileLock(const std::filesystem::path& file, const std::function<void()>& on_wait = {},
           const std::function<bool()>& cancelled = {});
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  UniqueFd fd_;
};

}  // namespace famlab::kernel
