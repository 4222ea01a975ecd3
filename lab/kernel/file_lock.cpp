#include "lab/kernel/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"

namespace famlab::kernel {

FileLock::FileLock(const std::filesystem::path& file, const std::function<void()>& on_wait,
                   const std::function<bool()>& cancelled) {
  fd_.reset(open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd_) throw Error(Location{file.string()}, std::string("cannot open lock file: ") + strerror(errno));
  if (flock(fd_.get(), LOCK_EX | LOCK_NB) == 0) return;
  if (on_wait) on_wait();
  if (cancelled) {
    while (flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK && errno != EINTR)
        throw Error(Location{file.string()}, std::string("cannot lock: ") + strerror(errno));
      if (cancelled()) throw Error(Location{file.string()}, "interrupted while waiting for this lock");
      usleep(200 * 1000);
    }
    return;
  }
  while (flock(fd_.get(), LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    throw Error(Location{file.string()}, std::string("cannot lock: ") + strerror(errno));
  }
}

// Closing the descriptor (UniqueFd) releases the lock.
FileLock::~FileLock() = default;

}  // namespace famlab::kernel
