#include "famfs/server/fmap_oracle.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace famlab::famfs::server {
namespace {

fuse::FmapVerdict valid() { return {}; }
OpenOutcome refused(int e) { return OpenOutcome{e, 0, "", ""}; }
OpenOutcome opened(int read_errno = 0) { return OpenOutcome{0, read_errno, "", ""}; }
fuse::FmapVerdict malformed(bool unserved = false) {
  fuse::FmapVerdict v;
  v.problems = {"extent 0: zero length", "extents cover 0 bytes"};
  v.malformed = true;
  v.unserved_device = unserved;
  return v;
}
fuse::FmapVerdict unserved() {
  fuse::FmapVerdict v;
  v.problems = {"extent 0: device index 3 is not a device of this connection"};
  v.unserved_device = true;
  return v;
}

TEST(FmapOracle, AgreementIsNoFinding) {
  EXPECT_FALSE(judge_open(valid(), opened()));
  EXPECT_FALSE(judge_open(malformed(), refused(EINVAL)));
  EXPECT_FALSE(judge_open(unserved(), refused(ENODEV)));
  EXPECT_FALSE(judge_open(malformed(true), refused(ENODEV)));
  EXPECT_FALSE(judge_open(malformed(true), refused(EINVAL)));
}

TEST(FmapOracle, EachDisagreementHasItsKind) {
  auto f = judge_open(malformed(), opened());
  ASSERT_TRUE(f);
  EXPECT_EQ(f->kind, "accepted-invalid");
  EXPECT_EQ(f->text, "kernel: opened; rules: EINVAL: extent 0: zero length (+1 more)");
  EXPECT_EQ(judge_open(valid(), refused(EINVAL))->kind, "refused-valid");
  EXPECT_EQ(judge_open(valid(), opened(EIO))->kind, "unreadable");
  EXPECT_EQ(judge_open(valid(), opened(EIO))->text, "kernel: opened, read failed with EIO; rules: valid");
  OpenOutcome misplaced = opened();
  misplaced.data_problem =
      "across an extent end: file offset 2097152 reads 0x00, device offset 4194304 holds 0x10";
  EXPECT_EQ(judge_open(valid(), misplaced)->kind, "wrong-data");
  EXPECT_EQ(judge_open(valid(), misplaced)->detail, "across an extent end");
  EXPECT_EQ(judge_open(malformed(), refused(ENOMEM))->kind, "wrong-errno");
  EXPECT_EQ(judge_open(unserved(), refused(EINVAL))->kind, "wrong-errno");
  EXPECT_EQ(judge_open(unserved(), refused(EINVAL))->text,
            "kernel: EINVAL; rules: ENODEV: extent 0: device index 3 is not a device of this connection");
  auto splat = judge_open(malformed(), {EINVAL, 0, "WARNING: CPU: 0 PID: 7 at fs/fuse/famfs.c:1", ""});
  ASSERT_TRUE(splat);
  EXPECT_EQ(splat->kind, "kernel-trouble");
}

TEST(FmapOracle, KernelTroubleLines) {
  EXPECT_TRUE(is_kernel_trouble("[  1.0] WARNING: CPU: 1 PID: 2 at x"));
  EXPECT_TRUE(is_kernel_trouble("BUG: KASAN: slab-out-of-bounds in famfs_parse_fmap"));
  EXPECT_TRUE(is_kernel_trouble("Oops: 0000 [#1] SMP"));
  EXPECT_FALSE(is_kernel_trouble("famfs: open of node 7 refused (-22): extent wraps around"));
  EXPECT_EQ(rule_of("extent 1 strip 12: reserved field is 4294967295"),
            "extent # strip #: reserved field is #");
  EXPECT_EQ(errno_name(EINVAL), "EINVAL");
  EXPECT_EQ(errno_name(ENODEV), "ENODEV");
}

}  // namespace
}  // namespace famlab::famfs::server
