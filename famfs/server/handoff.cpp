#include "famfs/server/handoff.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "base/error.h"
#include "famfs/server/privilege_drop.h"

namespace famlab::famfs::server {
namespace {

// FUSE_DEV_IOC_CLONE: _IOR(229, 0, uint32_t), include/uapi/linux/fuse.h.
constexpr unsigned long kIocClone = _IOR(229, 0, uint32_t);

std::string errno_text() { return std::strerror(errno); }

// Forks; returns in the child. The parent waits and leaves with the child's
// status: it is the privileged task that only stands by.
void fork_and_stand_by(const char* what) {
  pid_t pid = fork();
  if (pid < 0) throw Error(std::string("--cap-drop ") + what + ": fork failed: " + errno_text());
  if (pid == 0) return;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

}  // namespace

bool hands_over_after_init(CapDrop how) {
  return how == CapDrop::CapsetAfterInit || how == CapDrop::HandoffAfterInit ||
         how == CapDrop::CloneAfterInit;
}

void supervise_unprivileged_server(uint32_t uid, uint32_t gid) {
  fork_and_stand_by("supervisor");
  become_user(uid, gid);
}

int hand_over_after_init(CapDrop how, uint32_t uid, uint32_t gid, int fuse_fd) {
  switch (how) {
    case CapDrop::CapsetAfterInit:
      drop_rawio_with_capset();
      return fuse_fd;
    case CapDrop::HandoffAfterInit:
      fork_and_stand_by("handoff-after-init");
      become_user(uid, gid);
      return fuse_fd;
    case CapDrop::CloneAfterInit: {
      fork_and_stand_by("clone-after-init");
      become_user(uid, gid);
      int clone = open("/dev/fuse", O_RDWR | O_CLOEXEC);
      if (clone < 0)
        throw Error("--cap-drop clone-after-init: /dev/fuse as uid " + std::to_string(uid) + ": " +
                    errno_text());
      auto old = static_cast<uint32_t>(fuse_fd);
      if (ioctl(clone, kIocClone, &old) != 0) {
        std::string why = errno_text();
        close(clone);
        throw Error("--cap-drop clone-after-init: FUSE_DEV_IOC_CLONE failed: " + why);
      }
      return clone;  // the caller closes fuse_fd: from now on only the clone answers
    }
    default:
      return fuse_fd;
  }
}

}  // namespace famlab::famfs::server
