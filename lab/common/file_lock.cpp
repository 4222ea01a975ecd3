#include "lab/common/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"

namespace famlab {
namespace {

// Whether `fd` is still the file at `path`: a holder may have removed it
// (and someone created a new one) while we waited for the lock.
bool still_at(int fd, const std::filesystem::path& path) {
  struct stat held, named;
  if (fstat(fd, &held) != 0 || stat(path.c_str(), &named) != 0) return false;
  return held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

}  // namespace

FileLock::FileLock(const std::filesystem::path& file, const std::function<void()>& on_wait, Mode mode,
                   const std::function<bool()>& cancelled)
    : FileLock(file, mode, true, on_wait, cancelled) {}

FileLock::FileLock(const std::filesystem::path& file, Mode mode, bool wait,
                   const std::function<void()>& on_wait, const std::function<bool()>& cancelled)
    : path_(file) {
  const int op = mode == Mode::Shared ? LOCK_SH : LOCK_EX;
  bool told = false;
  for (;;) {
    fd_.reset(open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd_) throw Error(Location{file.string()}, std::string("cannot open lock file: ") + strerror(errno));
    if (flock(fd_.get(), op | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK && errno != EINTR)
        throw Error(Location{file.string()}, std::string("cannot lock: ") + strerror(errno));
      if (!wait) {
        fd_.reset();
        return;
      }
      if (on_wait && !told) on_wait();
      told = true;
      // Cancellable: poll, so a signal to famlab is seen within 200 ms.
      while (flock(fd_.get(), op | (cancelled ? LOCK_NB : 0)) != 0) {
        if (errno != EINTR && errno != EWOULDBLOCK)
          throw Error(Location{file.string()}, std::string("cannot lock: ") + strerror(errno));
        if (cancelled && cancelled()) throw Error(Location{file.string()}, "interrupted while waiting for this lock");
        if (cancelled) usleep(200 * 1000);
      }
    }
    if (still_at(fd_.get(), file)) return;
    // Locked a file its holder removed before letting go: lock the new one.
  }
}

std::unique_ptr<FileLock> FileLock::try_lock(const std::filesystem::path& file, Mode mode) {
  std::unique_ptr<FileLock> lock(new FileLock(file, mode, false, {}, {}));
  if (!lock->fd_) return nullptr;
  return lock;
}

void FileLock::remove_file() {
  if (unlink(path_.c_str()) != 0 && errno != ENOENT)
    throw Error(Location{path_.string()}, std::string("cannot remove lock file: ") + strerror(errno));
}

// Closing the descriptor (UniqueFd) releases the lock.
FileLock::~FileLock() = default;

}  // namespace famlab
