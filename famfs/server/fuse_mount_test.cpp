#include "famfs/server/fuse_mount.h"

#include <gtest/gtest.h>

#include "famfs/server/capabilities.h"

namespace famlab::famfs::server {
namespace {

TEST(FuseMount, KernelOptionsCarryTheConnection) {
  EXPECT_EQ(syscall_mount_options(5, 0, 0, false),
            "fd=5,rootmode=40000,user_id=0,group_id=0,default_permissions");
  EXPECT_EQ(syscall_mount_options(7, 1000, 100, true),
            "fd=7,rootmode=40000,user_id=1000,group_id=100,default_permissions,allow_other");
}

TEST(FuseMount, FusermountOptionsNameTheFilesystem) {
  EXPECT_EQ(fusermount_options("/dev/dax0.0", false), "fsname=/dev/dax0.0,subtype=famfs,default_permissions");
  EXPECT_EQ(fusermount_options("/dev/dax0.0", false, true),
            "fsname=/dev/dax0.0,subtype=famfs,default_permissions,ro");  // a client
  EXPECT_EQ(fusermount_options("/tmp/a,b", true),
            "fsname=/tmp/a_b,subtype=famfs,default_permissions,allow_other");
}

TEST(FuseMount, AutoFollowsCapSysAdmin) {
  EXPECT_EQ(choose_mount_method(MountMethod::Fusermount), MountMethod::Fusermount);
  EXPECT_EQ(choose_mount_method(MountMethod::Syscall), MountMethod::Syscall);
  MountMethod expected =
      read_credentials().sys_admin.effective ? MountMethod::Syscall : MountMethod::Fusermount;
  EXPECT_EQ(choose_mount_method(MountMethod::Auto), expected);
}

}  // namespace
}  // namespace famlab::famfs::server
