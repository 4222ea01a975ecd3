#include "lab/vm/splat_detector.h"

#include <gtest/gtest.h>

using namespace famlab::vm;

TEST(SplatDetector, QuietLogHasNoSplats) {
  SplatDetector d;
  d.feed("[    0.000000] Linux version 6.12.117");
  d.feed("cxl_region region0: config state: 0");
  d.feed("nd_pmem namespace0.0: unable to guarantee persistence of writes");
  EXPECT_TRUE(d.flush().empty());
  EXPECT_FALSE(d.panicked());
}

TEST(SplatDetector, CutHereWarningIsOneSplatWithTrace) {
  SplatDetector d;
  d.feed("[   12.1] ------------[ cut here ]------------");
  d.feed("[   12.1] WARNING: CPU: 0 PID: 1 at drivers/cxl/core/region.c:235 commit_store+0x141/0x370");
  d.feed("[   12.1] Call Trace:");
  d.feed("[   12.1]  <TASK>");
  d.feed("[   12.1]  commit_store+0x141/0x370");
  d.feed("[   12.1] ---[ end trace 0000000000000000 ]---");
  d.feed("after");
  auto s = d.take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].kind, "WARNING");
  EXPECT_NE(s[0].title.find("region.c:235"), std::string::npos);
  EXPECT_NE(s[0].text.find("commit_store"), std::string::npos);
  EXPECT_EQ(s[0].text.find("after"), std::string::npos);
}

TEST(SplatDetector, KindsAreNamed) {
  const std::pair<const char*, const char*> cases[] = {
      {"BUG: KASAN: slab-out-of-bounds in fuse_fill_super", "KASAN"},
      {"BUG: kernel NULL pointer dereference, address: 0000000000000008", "BUG"},
      {"Oops: 0000 [#1] PREEMPT SMP", "Oops"},
      {"UBSAN: shift-out-of-bounds in fs/fuse/inode.c:1234:5", "UBSAN"},
      {"WARNING: possible circular locking dependency detected", "lockdep"},
      {"INFO: task famfs:123 blocked for more than 120 seconds.", "hung-task"},
  };
  for (auto [line, kind] : cases) {
    SplatDetector d;
    d.feed(line);
    auto s = d.flush();
    ASSERT_EQ(s.size(), 1u) << line;
    EXPECT_EQ(s[0].kind, kind) << line;
  }
}

TEST(SplatDetector, PanicIsRecorded) {
  SplatDetector d;
  d.feed("\x1b[0m[    3.5] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100");
  EXPECT_TRUE(d.panicked());
  EXPECT_NE(d.panic_text().find("Attempted to kill init"), std::string::npos);
  auto s = d.flush();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].kind, "panic");
}

TEST(SplatDetector, NormalizeStripsTimestampsAndEscapes) {
  EXPECT_EQ(normalize_log_line("\x1b[2J\x1b[01;01H[    1.234567] hello\r"), "hello");
  EXPECT_EQ(normalize_log_line("no prefix"), "no prefix");
}
