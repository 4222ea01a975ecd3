#include "famfs/server/daxdev_giver.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>

#include "famfs/fuse/famfs_wire.h"

namespace famlab::famfs::server {
namespace {

// The number the lab kernels define in include/uapi/linux/fuse.h (patch
// 0010): _IOW(FUSE_DEV_IOC_MAGIC=229, 64, 16-byte struct), written out.
TEST(DaxdevGiver, TheIoctlNumberIsTheKernelsOne) { EXPECT_EQ(fuse::kIocFamfsDaxdev, 0x4010e540ul); }

TEST(DaxdevGiver, AnswersTheKernelsErrnoOnADescriptorThatIsNotFuse) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  EXPECT_EQ(give_daxdev(p[0], 0, p[1]), ENOTTY);
  EXPECT_EQ(give_daxdev(-1, 0, p[1]), EBADF);
  close(p[0]);
  close(p[1]);
}

}  // namespace
}  // namespace famlab::famfs::server
