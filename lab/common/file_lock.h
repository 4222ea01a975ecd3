#pragma once
// flock(2) on a file, held for the object's lifetime: exclusive for a
// kernel build or for removing a cache entry, shared for a famlab that
// reads a cache entry (cache_use.h). The lock file may be removed by its
// holder (remove_file): whoever was waiting for it then locks the new file
// of that name, never a removed one.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "base/unique_fd.h"

namespace famlab {

class FileLock {
 public:
  enum class Mode { Exclusive, Shared };

  // Blocks until the lock is ours; `on_wait` is called once if it is not free.
  // With `cancelled`, the wait polls it and throws Error once it says true.
  explicit FileLock(const std::filesystem::path& file, const std::function<void()>& on_wait = {},
                    Mode mode = Mode::Exclusive, const std::function<bool()>& cancelled = {});
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // The lock if it is free now, else nullptr; never waits.
  static std::unique_ptr<FileLock> try_lock(const std::filesystem::path& file, Mode mode = Mode::Exclusive);

  const std::filesystem::path& path() const { return path_; }
  // Unlinks the lock file while the lock is held (exclusively).
  void remove_file();

 private:
  FileLock(const std::filesystem::path& file, Mode mode, bool wait, const std::function<void()>& on_wait,
           const std::function<bool()>& cancelled);

  std::filesystem::path path_;
  UniqueFd fd_;
};

}  // namespace famlab
