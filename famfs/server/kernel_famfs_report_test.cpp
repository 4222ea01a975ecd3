#include "famfs/server/kernel_famfs_report.h"

#include <gtest/gtest.h>

namespace famlab::famfs::server {
namespace {

const char* kMountinfo =
    "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
    "60 27 0:52 / /mnt/famfs rw,nosuid,nodev - fuse.famfs /dev/dax0.0 rw,user_id=0,group_id=0\n"
    "61 27 0:53 / /mnt/with\\040space rw - fuse.famfs /dev/dax1.0 rw\n"
    "62 27 259:3 / /mnt/blk rw - fuseblk /dev/x rw\n"
    "63 27 0:54 / /mnt/famfs rw - fuse.famfs /dev/dax0.0 rw\n"  // mounted again on top
    "64 27 0:55 / /mnt/notfuse rw - tmpfs tmpfs rw\n";

TEST(KernelFamfsReport, ConnectionNumberIsTheMountsDevT) {
  EXPECT_EQ(fuse_connection_number("/mnt/famfs", kMountinfo), 54u);  // the topmost mount
  EXPECT_EQ(fuse_connection_number("/mnt/with space", kMountinfo), 53u);
  EXPECT_EQ(fuse_connection_number("/mnt/blk", kMountinfo), (259u << 20) | 3u);
  EXPECT_FALSE(fuse_connection_number("/mnt/notfuse", kMountinfo));
  EXPECT_FALSE(fuse_connection_number("/proc", kMountinfo));
  EXPECT_FALSE(fuse_connection_number("/nowhere", kMountinfo));
  EXPECT_FALSE(fuse_connection_number("/mnt/famfs", "garbage\n\n1 2\n"));
}

TEST(KernelFamfsReport, NoMountNoLine) { EXPECT_EQ(read_kernel_famfs_line("/definitely/not/mounted"), ""); }

}  // namespace
}  // namespace famlab::famfs::server
