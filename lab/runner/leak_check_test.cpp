#include "lab/runner/leak_check.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace famlab;
using namespace famlab::runner;

namespace {

// The format of /sys/kernel/debug/kmemleak in 6.12 (mm/kmemleak.c,
// print_unreferenced), after the host symbolized it.
constexpr const char* kTwoLeaks =
    "unreferenced object 0xffff888005a4c300 (size 200):\n"
    "  comm \"sh\", pid 97, jiffies 4294672108\n"
    "  hex dump (first 32 bytes):\n"
    "    66 61 6d 6c 61 62 20 64 65 6c 69 62 65 72 61 74  famlab deliberat\n"
    "    65 20 6c 65 61 6b 20 30 00 00 00 00 00 00 00 00  e leak 0........\n"
    "  backtrace (crc 6a1b2c3d):\n"
    "    kmemleak_alloc+0x4a/0x80 (mm/kmemleak.c:1071)\n"
    "    __kmalloc_cache_noprof+0x1f0/0x3c0 (mm/slub.c:4112)\n"
    "    famlab_provoke_leak_one+0x30/0x80 (lib/famlab_provoke.c:55)\n"
    "    famlab_provoke_write+0xb0/0x140 (lib/famlab_provoke.c:78)\n"
    "    full_proxy_write+0xf6/0x160 (fs/debugfs/file.c:388)\n"
    "unreferenced object 0xffff888005a4c400 (size 200):\n"
    "  comm \"sh\", pid 97, jiffies 4294672108\n"
    "  backtrace (crc 1):\n"
    "    kmemleak_alloc+0x4a/0x80\n"
    "    __kmalloc_cache_noprof+0x1f0/0x3c0\n"
    "    famlab_provoke_leak_one+0x30/0x80\n";

}  // namespace

TEST(LeakCheck, RecordsOfTheReport) {
  auto records = parse_kmemleak_report(kTwoLeaks);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].object, "0xffff888005a4c300 (size 200)");
  EXPECT_EQ(records[0].comm, "sh (pid 97)");
  EXPECT_NE(records[0].text.find("famlab_provoke_write"), std::string::npos);
  EXPECT_EQ(records[0].text.find("0xffff888005a4c400"), std::string::npos);
  EXPECT_EQ(records[1].text.rfind("unreferenced object 0xffff888005a4c400", 0), 0u);
}

TEST(LeakCheck, AnEmptyReportHasNoRecords) {
  EXPECT_TRUE(parse_kmemleak_report("").empty());
  EXPECT_TRUE(parse_kmemleak_report("cat: can't open\n").empty());
}

TEST(LeakCheck, ASplatNamesTheAllocatingFrameNotTheAllocator) {
  auto records = parse_kmemleak_report(kTwoLeaks);
  report::KernelSplat s = kmemleak_splat(records[0]);
  EXPECT_EQ(s.kind, "kmemleak");
  EXPECT_EQ(s.title,
            "unreferenced object 0xffff888005a4c300 (size 200), allocated by sh (pid 97) at "
            "famlab_provoke_leak_one+0x30/0x80 (lib/famlab_provoke.c:55)");
  EXPECT_EQ(s.text, records[0].text);
  // Without symbols the frame is still named.
  EXPECT_NE(kmemleak_splat(records[1]).title.find("at famlab_provoke_leak_one+0x30/0x80"), std::string::npos);
}

// /sys/kernel/debug/kmemleak as a real famfs+debug kernel wrote it after
// `echo leak > /sys/kernel/debug/famlab_provoke` (the same records reached
// the log through kmemleak.verbose), before symbolization.
TEST(LeakCheck, ARealReportHasOneRecordPerLeakNamingTheModule) {
  std::ifstream in(std::string(FAMLAB_SOURCE_DIR) + "/lab/runner/testdata/kmemleak-report.txt");
  ASSERT_TRUE(in);
  std::stringstream text;
  text << in.rdbuf();
  auto records = parse_kmemleak_report(text.str());
  ASSERT_EQ(records.size(), 4u);
  for (const auto& r : records) {
    EXPECT_EQ(r.comm, "sh (pid 51)");
    report::KernelSplat s = kmemleak_splat(r);
    // The allocator's own frame (__kmalloc_cache_noprof) is not the culprit.
    EXPECT_NE(s.title.find("allocated by sh (pid 51) at famlab_provoke_leak_one+0x3f/0x5d"),
              std::string::npos)
        << s.title;
  }
  EXPECT_EQ(records[0].object, "0xffff8880009a4a00 (size 256)");
  EXPECT_NE(records[1].text.find("famlab deliberat"), std::string::npos);
}
