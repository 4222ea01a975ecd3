#include "lab/common/trace_line.h"

#include <gtest/gtest.h>

using namespace famlab;

TEST(TraceLine, SymbolicFrame) {
  auto f = parse_trace_line(" lkdtm_do_action+0x25/0x40");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->function, "lkdtm_do_action");
  EXPECT_EQ(f->offset, 0x25u);
  EXPECT_EQ(f->size, 0x40u);
  EXPECT_TRUE(f->reliable);
  EXPECT_FALSE(f->exact);
  EXPECT_FALSE(f->annotated);
  EXPECT_EQ(f->begin, 1u);
  EXPECT_EQ(f->end, 26u);
  EXPECT_EQ(frame_symbol_text(*f), "lkdtm_do_action+0x25/0x40");
}

TEST(TraceLine, UnreliableModuleAndCompilerSuffixes) {
  auto f = parse_trace_line(" ? fuse_fill_super.cold+0x1a/0x2b [fuse]\r");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->function, "fuse_fill_super.cold");
  EXPECT_EQ(f->module, "fuse");
  EXPECT_FALSE(f->reliable);
}

TEST(TraceLine, RipAndTitlesAreExact) {
  auto rip = parse_trace_line("RIP: 0010:lkdtm_WARNING+0x1d/0x30");
  ASSERT_TRUE(rip);
  EXPECT_EQ(rip->function, "lkdtm_WARNING");
  EXPECT_TRUE(rip->exact);
  auto kasan = parse_trace_line("BUG: KASAN: slab-use-after-free in lkdtm_READ_AFTER_FREE+0x1c4/0x3a0");
  ASSERT_TRUE(kasan);
  EXPECT_EQ(kasan->function, "lkdtm_READ_AFTER_FREE");
  EXPECT_TRUE(kasan->exact);
  auto lockdep = parse_trace_line(
      "  #0: ffffffff83a4c0e0 (famlab_provoke_b){+.+.}-{4:4}, at: famlab_provoke_write+0x110/0x1c0");
  ASSERT_TRUE(lockdep);
  EXPECT_EQ(lockdep->function, "famlab_provoke_write");
  EXPECT_FALSE(lockdep->exact);
}

TEST(TraceLine, BareAddresses) {
  auto f = parse_trace_line(" ? 0xffffffff812570cf");
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->function.empty());
  EXPECT_EQ(f->address, 0xffffffff812570cfull);
  EXPECT_FALSE(f->reliable);
  EXPECT_EQ(frame_symbol_text(*f), "0xffffffff812570cf");
  auto old = parse_trace_line(" [<ffffffff812570cf>]");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->address, 0xffffffff812570cfull);
  // User space and register dumps are not frames.
  EXPECT_FALSE(parse_trace_line("RIP: 0033:0x7f3a1b2c3d4e"));
  EXPECT_FALSE(parse_trace_line("RAX: ffffffffffffffda RBX: 0000000000000001 RCX: 00007f3a1b2c3d4e"));
}

TEST(TraceLine, OtherLinesAreNotFrames) {
  for (const char* line : {"Call Trace:", " <TASK>", " </TASK>", "", "---[ end trace 0000000000000000 ]---",
                           "Write of size 4 at addr ffff888003a1c004 by task sh/93",
                           "UBSAN: array-index-out-of-bounds in drivers/misc/lkdtm/bugs.c:446:16", "a+0x/0x1",
                           "x+0x1/0x2y", "1abc+0x1/0x2"})
    EXPECT_FALSE(parse_trace_line(line)) << line;
}

TEST(TraceLine, AnnotatedFramesReadBack) {
  auto f = parse_trace_line(
      " lkdtm_do_action+0x25/0x40 (drivers/misc/lkdtm/core.c:223, inlined lkdtm_READ_AFTER_FREE "
      "drivers/misc/lkdtm/heap.c:160)");
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->annotated);
  EXPECT_EQ(f->function, "lkdtm_do_action");
  EXPECT_EQ(f->file, "drivers/misc/lkdtm/core.c");
  EXPECT_EQ(f->line, 223);
  ASSERT_EQ(f->inlined.size(), 1u);
  EXPECT_EQ(f->inlined[0].function, "lkdtm_READ_AFTER_FREE");
  EXPECT_EQ(f->inlined[0].file, "drivers/misc/lkdtm/heap.c");
  EXPECT_EQ(f->inlined[0].line, 160);
  EXPECT_EQ(location_text(*f),
            "drivers/misc/lkdtm/core.c:223, inlined lkdtm_READ_AFTER_FREE drivers/misc/lkdtm/heap.c:160");

  auto bare = parse_trace_line(" ? 0xffffffff812570cf (vfs_write+0x1f/0x90 fs/read_write.c:680)");
  ASSERT_TRUE(bare);
  EXPECT_TRUE(bare->annotated);
  EXPECT_EQ(bare->function, "vfs_write");
  EXPECT_EQ(bare->address, 0xffffffff812570cfull);
  EXPECT_EQ(bare->file, "fs/read_write.c");
  EXPECT_EQ(bare->line, 680);
  EXPECT_FALSE(bare->reliable);

  auto named_only = parse_trace_line(" 0xffffffff812570cf (vfs_write+0x1f/0x90)");
  ASSERT_TRUE(named_only);
  EXPECT_EQ(named_only->function, "vfs_write");
  EXPECT_TRUE(named_only->file.empty());

  // A parenthesis that is not a location leaves the frame unannotated.
  EXPECT_FALSE(parse_trace_line(" foo+0x1/0x2 (not a location)"));
}

TEST(TraceLine, FramesOfABlock) {
  auto frames = parse_trace_frames(
      "WARNING: CPU: 0 PID: 93 at drivers/misc/lkdtm/bugs.c:84 lkdtm_WARNING+0x1d/0x30\n"
      "Call Trace:\n <TASK>\n ? __warn+0x7c/0x110\n lkdtm_do_action+0x25/0x40\n </TASK>\n");
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_TRUE(frames[0].exact);
  EXPECT_EQ(frames[1].function, "__warn");
  EXPECT_FALSE(frames[1].reliable);
  EXPECT_EQ(frames[2].function, "lkdtm_do_action");
}
