#include "famfs/server/daxdev_giver.h"

#include <sys/ioctl.h>

#include <cerrno>

#include "famfs/fuse/famfs_wire.h"

namespace famlab::famfs::server {

int give_daxdev(int fuse_fd, uint32_t index, int device_fd) {
  fuse::FamfsDaxdevReg reg{index, device_fd, 0};
  if (::ioctl(fuse_fd, fuse::kIocFamfsDaxdev, &reg) == 0) return 0;
  return errno == EEXIST ? 0 : errno;
}

}  // namespace famlab::famfs::server
