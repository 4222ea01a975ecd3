#include "lab/kernel/bzimage_release.h"

#include <gtest/gtest.h>

#include <fstream>

#include "lab/common/paths.h"
#include "lab/kernel/test_bzimage.h"

using namespace famlab;
using namespace famlab::kernel;
namespace fs = std::filesystem;

TEST(BzImageRelease, ReadsTheFirstWordOfTheVersionString) {
  RunDir dir("famlab-bz-");
  test_support::write_fake_bzimage(dir.path() / "bzImage", "6.12.117-famlab (famlab@famlab) #1 SMP");
  EXPECT_EQ(read_bzimage_release(dir.path() / "bzImage"), "6.12.117-famlab");
}

TEST(BzImageRelease, NotABzImageGivesNothing) {
  RunDir dir("famlab-bz-");
  EXPECT_FALSE(read_bzimage_release(dir.path() / "missing"));
  std::ofstream(dir.path() / "short") << "HdrS";
  EXPECT_FALSE(read_bzimage_release(dir.path() / "short"));
  std::ofstream(dir.path() / "text") << std::string(0x1000, 'x');
  EXPECT_FALSE(read_bzimage_release(dir.path() / "text"));
}

TEST(BzImageRelease, APointerPastTheEndOrToGarbageGivesNothing) {
  RunDir dir("famlab-bz-");
  fs::path f = dir.path() / "bzImage";
  test_support::write_fake_bzimage(f, "6.1");
  {
    std::fstream io(f, std::ios::in | std::ios::out | std::ios::binary);
    io.seekp(0x20e);
    io.put(static_cast<char>(0xff)).put(static_cast<char>(0xff));  // 0x200 + 0xffff: beyond the file
  }
  EXPECT_FALSE(read_bzimage_release(f));
  test_support::write_fake_bzimage(f, "\x01\x02garbage");
  EXPECT_FALSE(read_bzimage_release(f));
}
