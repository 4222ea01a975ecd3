#include "lab/vm/splat_detector.h"

#include <gtest/gtest.h>

#include <fstream>

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

TEST(SplatDetector, KasanReportEndsAtItsClosingRuleEvenWhenLong) {
  SplatDetector d;
  d.feed("==================================================================");
  d.feed("BUG: KASAN: slab-use-after-free in lkdtm_READ_AFTER_FREE+0x1c4/0x3a0");
  d.feed("Read of size 4 at addr ffff888004a4a004 by task sh/95");
  for (int i = 0; i < 120; ++i) d.feed(" frame_" + std::to_string(i) + "+0x1/0x2");
  d.feed("==================================================================");
  d.feed("Disabling lock debugging due to kernel taint");
  auto s = d.take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].kind, "KASAN");
  EXPECT_NE(s[0].text.find("frame_119"), std::string::npos);
  EXPECT_EQ(s[0].text.find("Disabling lock debugging"), std::string::npos);
}

TEST(SplatDetector, LockdepReportEndsAfterTheBacktraceNotAtTheChainStacks) {
  SplatDetector d;
  d.feed("======================================================");
  d.feed("WARNING: possible circular locking dependency detected");
  d.feed("6.12.117 #1 Not tainted");
  d.feed("the existing dependency chain (in reverse order) is:");
  d.feed("-> #1 (famlab_provoke_a){+.+.}-{4:4}:");
  d.feed("       lock_acquire+0xd0/0x2d0");
  d.feed("       famlab_provoke_lock_inversion+0x30/0xa0");
  d.feed("stack backtrace:");
  d.feed("Call Trace:");
  d.feed(" <TASK>");
  d.feed(" famlab_provoke_lock_inversion+0x70/0xa0");
  d.feed(" </TASK>");
  d.feed("famlab_provoke: lock-inversion done");
  auto s = d.take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].kind, "lockdep");
  EXPECT_EQ(s[0].title, "WARNING: possible circular locking dependency detected");
  EXPECT_NE(s[0].text.find("-> #1 (famlab_provoke_a)"), std::string::npos);
  EXPECT_EQ(s[0].text.find("lock-inversion done"), std::string::npos);
}

TEST(SplatDetector, EveryLockdepReportIsLockdep) {
  for (const char* line :
       {"WARNING: inconsistent lock state", "WARNING: bad unlock balance detected!",
        "WARNING: possible irq lock inversion dependency detected",
        "WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected", "WARNING: held lock freed!",
        "WARNING: sh/93 still has locks held!", "WARNING: lock held when returning to user space!"}) {
    SplatDetector d;
    d.feed(line);
    auto s = d.flush();
    ASSERT_EQ(s.size(), 1u) << line;
    EXPECT_EQ(s[0].kind, "lockdep") << line;
  }
}

TEST(SplatDetector, UbsanAfterCutHereIsUbsanUntilEndTrace) {
  SplatDetector d;
  d.feed("------------[ cut here ]------------");
  d.feed("UBSAN: array-index-out-of-bounds in drivers/misc/lkdtm/bugs.c:446:16");
  d.feed("index 8 is out of range for type 'char [8]'");
  d.feed("Call Trace:");
  d.feed(" lkdtm_ARRAY_BOUNDS+0x1d8/0x2a0");
  d.feed("---[ end trace ]---");
  d.feed("lkdtm: FAIL: survived array bounds overflow!");
  auto s = d.take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].kind, "UBSAN");
  EXPECT_NE(s[0].title.find("bugs.c:446"), std::string::npos);
  EXPECT_EQ(s[0].text.find("FAIL"), std::string::npos);
}

TEST(SplatDetector, VerboseKmemleakRecordsAreSplatsWithTheirBacktrace) {
  SplatDetector d;
  d.feed("kmemleak: unreferenced object 0xffff888005a4c300 (size 200):");
  d.feed("kmemleak:   comm \"sh\", pid 97, jiffies 4294672108");
  d.feed("kmemleak:   backtrace (crc 6a1b2c3d):");
  d.feed("kmemleak:     famlab_provoke_leak_one+0x30/0x80");
  d.feed("kmemleak: unreferenced object 0xffff888005a4c400 (size 200):");
  d.feed("kmemleak:     famlab_provoke_leak_one+0x30/0x80");
  d.feed("kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)");
  d.feed("sh: done");
  auto s = d.take();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].kind, "kmemleak");
  EXPECT_EQ(s[0].title, "kmemleak: unreferenced object 0xffff888005a4c300 (size 200):");
  EXPECT_NE(s[0].text.find("famlab_provoke_leak_one"), std::string::npos);
  EXPECT_EQ(s[0].text.find("0xffff888005a4c400"), std::string::npos);
  EXPECT_EQ(s[1].title, "kmemleak: unreferenced object 0xffff888005a4c400 (size 200):");
  EXPECT_EQ(s[2].kind, "kmemleak");
  EXPECT_EQ(s[2].text, "kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)\n");
}

TEST(SplatDetector, KmemleakScanResultIsAOneLineSplat) {
  SplatDetector d;
  d.feed("kmemleak: 4 new suspected memory leaks (see /sys/kernel/debug/kmemleak)");
  d.feed("next line");
  auto s = d.take();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].kind, "kmemleak");
  EXPECT_EQ(s[0].text, "kmemleak: 4 new suspected memory leaks (see /sys/kernel/debug/kmemleak)\n");
}

// The kernel log of a real famfs+debug boot (harness/tests/test_debug_kernel.py):
// UBSAN, lockdep, KASAN and kmemleak reports one after the other, with
// LKDTM's own lines between them.
TEST(SplatDetector, ARealDebugKernelLogSplitsIntoOneSplatPerReport) {
  std::ifstream in(std::string(FAMLAB_SOURCE_DIR) + "/lab/vm/testdata/famfs-debug-provoked.dmesg");
  ASSERT_TRUE(in);
  SplatDetector d;
  for (std::string line; std::getline(in, line);) d.feed(line);
  auto s = d.flush();
  std::vector<std::string> kinds;
  for (const auto& sp : s) kinds.push_back(sp.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"UBSAN", "lockdep", "KASAN", "kmemleak", "kmemleak", "kmemleak",
                                             "kmemleak", "kmemleak"}));
  ASSERT_EQ(s.size(), 8u);
  EXPECT_EQ(s[0].title, "UBSAN: array-index-out-of-bounds in ../src/drivers/misc/lkdtm/bugs.c:406:16");
  EXPECT_NE(s[0].text.find("---[ end trace ]---"), std::string::npos);
  EXPECT_EQ(s[0].text.find("lkdtm: FAIL"), std::string::npos);
  // lockdep: both dependency stacks and the backtrace, nothing after it.
  EXPECT_NE(s[1].text.find("-> #1 (famlab_provoke_b)"), std::string::npos);
  EXPECT_NE(s[1].text.find("*** DEADLOCK ***"), std::string::npos);
  EXPECT_TRUE(s[1].text.ends_with(" </TASK>\n")) << s[1].text;
  // KASAN: the access, both stacks, the shadow memory, up to its rule.
  EXPECT_EQ(s[2].title, "BUG: KASAN: slab-use-after-free in lkdtm_READ_AFTER_FREE+0x14f/0x25f");
  for (const char* part : {"Read of size 4", "Allocated by task", "Freed by task", "The buggy address"})
    EXPECT_NE(s[2].text.find(part), std::string::npos) << part;
  EXPECT_EQ(s[2].text.find("lkdtm: FAIL"), std::string::npos);
  EXPECT_NE(s[3].text.find("famlab_provoke_leak_one+0x3f/0x5d"), std::string::npos);
  EXPECT_EQ(s[3].text.find("0xffff8880009a4c00"), std::string::npos);
  EXPECT_EQ(s[7].title, "kmemleak: 4 new suspected memory leaks (see /sys/kernel/debug/kmemleak)");
}
