#pragma once
// The famlab kernels report their famfs decision per FUSE connection in
// /sys/fs/fuse/connections/N/famfs (kernel-config/patches/README.md). The
// server reads it right after its INIT reply, so the status shows what the
// kernel decided next to what the server asked.
#include <cstdint>
#include <optional>
#include <string>

namespace famlab::famfs::server {

// The fusectl number N of the FUSE mount at `mountpoint` (an absolute,
// canonical path) from the text of /proc/self/mountinfo: the mount's dev_t
// as the kernel prints it, (major << 20) | minor. The last match wins.
std::optional<uint64_t> fuse_connection_number(const std::string& mountpoint, const std::string& mountinfo);

// The file's line, or "" when this kernel (or this system, without
// fusectl mounted) has none. Never touches the FUSE mount itself: the
// single-threaded server would deadlock answering its own request.
std::string read_kernel_famfs_line(const std::string& mountpoint);

}  // namespace famlab::famfs::server
