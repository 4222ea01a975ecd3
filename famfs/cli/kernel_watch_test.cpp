#include "famfs/cli/kernel_watch.h"

#include <gtest/gtest.h>

namespace famlab::famfs::cli {
namespace {

TEST(KernelWatch, KmsgRecordsGiveTheirText) {
  EXPECT_EQ(kmsg_text("6,1234,5678901,-;famfs: open of node 7 refused (-22): extent wraps around\n"),
            "famfs: open of node 7 refused (-22): extent wraps around");
  EXPECT_EQ(kmsg_text("4,9,1,c;WARNING: CPU: 0 PID: 1 at x\n SUBSYSTEM=fuse\n"),
            "WARNING: CPU: 0 PID: 1 at x");
  EXPECT_EQ(kmsg_text("no header"), "no header");
}

TEST(KernelWatch, MeminfoValues) {
  const std::string meminfo =
      "MemTotal:        2000000 kB\nSlab:              12345 kB\nSReclaimable:       7000 kB\n"
      "SUnreclaim:         5345 kB\n";
  EXPECT_EQ(meminfo_kb(meminfo, "SUnreclaim"), 5345u);
  EXPECT_EQ(meminfo_kb(meminfo, "Slab"), 12345u);
  EXPECT_FALSE(meminfo_kb(meminfo, "SReclaim"));
  EXPECT_FALSE(meminfo_kb("SUnreclaim: lots\n", "SUnreclaim"));
}

}  // namespace
}  // namespace famlab::famfs::cli
