#include "famfs/server/fuse_mount.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"
#include "base/process.h"
#include "base/unique_fd.h"
#include "famfs/server/capabilities.h"
#include "famfs/server/fd_passing.h"

namespace famlab::famfs::server {
namespace {

std::string errno_text() { return std::strerror(errno); }

// `for_user`: the uid/gid the mount is for (the owner of its fusectl
// files, who may use it); the caller's own by default.
FuseMount mount_with_syscall(const std::string& source, const std::string& mountpoint, bool allow_other,
                             bool read_only, std::optional<std::pair<uint32_t, uint32_t>> for_user) {
  UniqueFd fd(open("/dev/fuse", O_RDWR | O_CLOEXEC));
  if (!fd) throw Error("/dev/fuse: cannot open: " + errno_text());
  auto [uid, gid] = for_user.value_or(std::pair<uint32_t, uint32_t>{getuid(), getgid()});
  std::string options = syscall_mount_options(fd.get(), uid, gid, allow_other);
  unsigned long flags = MS_NOSUID | MS_NODEV | (read_only ? MS_RDONLY : 0);
  if (mount(source.c_str(), mountpoint.c_str(), "fuse.famfs", flags, options.c_str()) != 0)
    throw Error(mountpoint + ": mount(2) failed: " + errno_text() + " (options " + options + ")");
  return FuseMount{std::move(fd), MountMethod::Syscall};
}

FuseMount mount_with_fusermount(const std::string& source, const std::string& mountpoint, bool allow_other,
                                bool read_only) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
    throw Error("socketpair for fusermount3: " + errno_text());
  UniqueFd ours(sv[0]), theirs(sv[1]);
  // Our end closes on exec; fusermount3 inherits its end by number.
  fcntl(ours.get(), F_SETFD, FD_CLOEXEC);
  ProcessOptions opts;
  opts.env["_FUSE_COMMFD"] = std::to_string(theirs.get());
  ProcessResult r = run_process(
      {"fusermount3", "-o", fusermount_options(source, allow_other, read_only), "--", mountpoint}, opts);
  theirs.reset();
  if (r.exit_code != 0)
    throw Error(mountpoint + ": fusermount3 failed (exit " + std::to_string(r.exit_code) + "): " + r.output);
  return FuseMount{UniqueFd(receive_fd(ours.get())), MountMethod::Fusermount};
}

}  // namespace

std::string syscall_mount_options(int fd, uint32_t uid, uint32_t gid, bool allow_other) {
  return "fd=" + std::to_string(fd) + ",rootmode=40000,user_id=" + std::to_string(uid) +
         ",group_id=" + std::to_string(gid) + ",default_permissions" + (allow_other ? ",allow_other" : "");
}

std::string fusermount_options(const std::string& fsname, bool allow_other, bool read_only) {
  // ',' separates options; a path containing one would split fsname.
  std::string name = fsname;
  for (char& c : name)
    if (c == ',') c = '_';
  return "fsname=" + name + ",subtype=famfs,default_permissions" + (allow_other ? ",allow_other" : "") +
         (read_only ? ",ro" : "");
}

MountMethod choose_mount_method(MountMethod requested) {
  if (requested != MountMethod::Auto) return requested;
  return read_credentials().sys_admin.effective ? MountMethod::Syscall : MountMethod::Fusermount;
}

FuseMount mount_fuse(const std::string& source, const std::string& mountpoint, MountMethod method,
                     bool allow_other, bool read_only,
                     std::optional<std::pair<uint32_t, uint32_t>> for_user) {
  return choose_mount_method(method) == MountMethod::Syscall
             ? mount_with_syscall(source, mountpoint, allow_other, read_only, for_user)
             : mount_with_fusermount(source, mountpoint, allow_other, read_only);
}

void unmount_fuse(const std::string& mountpoint, MountMethod method) {
  if (method == MountMethod::Syscall) {
    umount2(mountpoint.c_str(), MNT_DETACH);
    return;
  }
  try {
    run_process({"fusermount3", "-u", "-z", "-q", "--", mountpoint});
  } catch (const Error&) {
    // Nothing more to do: the kernel drops the mount when our fd closes.
  }
}

}  // namespace famlab::famfs::server
