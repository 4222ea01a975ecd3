#pragma once
// How the server answers GET_DAXDEV on the lab kernels: it gives the
// connection the device as an open descriptor (FUSE_DEV_IOC_FAMFS_DAXDEV on
// /dev/fuse, in the server's own context), so the kernel never resolves a
// path in whoever opened a file. The request handler decides; this does the
// ioctl.
#include <cstdint>
#include <functional>

namespace famlab::famfs::server {

// Gives device `index` (descriptor `device_fd`, opened read-write) to the
// connection on `fuse_fd`. Returns 0, or the errno the kernel answered;
// EEXIST (this index was given already, e.g. for an earlier open) is 0.
int give_daxdev(int fuse_fd, uint32_t index, int device_fd);

// What the handler calls for GET_DAXDEV(index): 0 or an errno.
using DaxdevGiver = std::function<int(uint32_t index)>;

}  // namespace famlab::famfs::server
