#pragma once
// Getting a /dev/fuse connection mounted: mount(2) directly when the
// server may, or through the setuid fusermount3 otherwise.
#include <cstdint>
#include <string>

#include "base/unique_fd.h"
#include "famfs/server/server_options.h"

namespace famlab::famfs::server {

struct FuseMount {
  UniqueFd fd;         // the /dev/fuse connection
  MountMethod method;  // Syscall or Fusermount
};

// What mount(2) gets: the kernel's fuse options. The source argument
// names the filesystem and the type "fuse.famfs" carries the subtype.
std::string syscall_mount_options(int fd, uint32_t uid, uint32_t gid, bool allow_other);
// A client's mount is read-only: MS_RDONLY for mount(2), "ro" for fusermount3.
// What fusermount3 gets: it adds fd=, rootmode=, user_id=, group_id=
// itself and understands fsname= and subtype=.
std::string fusermount_options(const std::string& fsname, bool allow_other, bool read_only = false);

// Auto picks mount(2) when the caller has CAP_SYS_ADMIN in effect.
MountMethod choose_mount_method(MountMethod requested);

// Throws famlab::Error naming the mountpoint and the reason.
FuseMount mount_fuse(const std::string& source, const std::string& mountpoint, MountMethod method,
                     bool allow_other, bool read_only = false);

// Lazy unmount: the connection dies once the last user lets go.
void unmount_fuse(const std::string& mountpoint, MountMethod method);

}  // namespace famlab::famfs::server
