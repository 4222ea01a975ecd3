#include "lab/image/host_binaries.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "base/error.h"

using namespace famlab;
using namespace famlab::image;
namespace fs = std::filesystem;

namespace {
bool has(const std::vector<fs::path>& v, const fs::path& p) {
  return std::find(v.begin(), v.end(), p) != v.end();
}
}  // namespace

TEST(HostBinaries, ParsesLddIncludingTheLoaderAndSkippingTheVdso) {
  auto libs = parse_ldd_output(
      "\tlinux-vdso.so.1 (0x00007ffd)\n"
      "\tlibcxl.so.1 => /lib/x86_64-linux-gnu/libcxl.so.1 (0x00007f10)\n"
      "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f20)\n"
      "\t/lib64/ld-linux-x86-64.so.2 (0x00007f30)\n",
      "cxl");
  ASSERT_EQ(libs.size(), 3u);
  EXPECT_EQ(libs[0], "/lib/x86_64-linux-gnu/libcxl.so.1");
  EXPECT_EQ(libs[2], "/lib64/ld-linux-x86-64.so.2");
  EXPECT_TRUE(parse_ldd_output("\tnot a dynamic executable\n", "busybox").empty());
  EXPECT_TRUE(parse_ldd_output("\tstatically linked\n", "agent").empty());
}

TEST(HostBinaries, AMissingLibraryIsAnErrorNamingIt) {
  try {
    parse_ldd_output("\tlibgone.so.3 => not found\n", "/usr/bin/famfs");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("libgone.so.3"), std::string::npos) << what;
    EXPECT_NE(what.find("/usr/bin/famfs"), std::string::npos) << what;
  }
}

TEST(HostBinaries, RealToolsAndBusybox) {
  auto cxl = shared_libraries("/usr/bin/cxl");
  EXPECT_TRUE(has(cxl, "/lib/x86_64-linux-gnu/libcxl.so.1"));
  EXPECT_TRUE(has(cxl, "/lib64/ld-linux-x86-64.so.2"));
  for (const auto& lib : cxl) EXPECT_TRUE(fs::exists(lib)) << lib;
  EXPECT_TRUE(shared_libraries("/bin/busybox").empty());  // busybox-static

  auto applets = busybox_applets("/bin/busybox");
  EXPECT_NE(std::find(applets.begin(), applets.end(), "bin/sh"), applets.end());
  EXPECT_NE(std::find(applets.begin(), applets.end(), "sbin/modprobe"), applets.end());
  EXPECT_THROW(shared_libraries("/nonexistent/tool"), Error);
}
