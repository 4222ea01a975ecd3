#include "lab/image/cpio_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "base/error.h"
#include "base/process.h"
#include "lab/common/paths.h"

using namespace famlab;
using namespace famlab::image;
namespace fs = std::filesystem;

namespace {

std::string bytes_of(const CpioWriter& w) {
  std::ostringstream out;
  w.write(out);
  return out.str();
}

std::string slurp(const fs::path& f) {
  std::ifstream in(f, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A writer with one of each kind of entry, added in the given order.
CpioWriter sample(const fs::path& host_file, bool reversed) {
  CpioWriter w;
  auto a = [&] { w.add_file("/usr/bin/tool", host_file, 0755); };
  auto b = [&] { w.add_bytes("etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0644); };
  auto c = [&] { w.add_symlink("/bin/sh", "/bin/busybox"); };
  auto d = [&] { w.add_char_device("/dev/console", 5, 1); };
  auto e = [&] { w.add_dir("/tmp", 01777); };
  if (reversed) {
    e();
    d();
    c();
    b();
    a();
  } else {
    a();
    b();
    c();
    d();
    e();
  }
  return w;
}

}  // namespace

TEST(CpioWriter, TheRealCpioListsAndExtractsWhatWeWrote) {
  RunDir dir("famlab-cpio-");
  fs::path host = dir.path() / "tool";
  std::ofstream(host) << "#!/bin/sh\necho odd-length-content\n";
  fs::path archive = dir.path() / "a.cpio";
  std::ofstream(archive, std::ios::binary) << bytes_of(sample(host, false));

  std::string list = run_checked({"cpio", "-t", "--quiet", "-F", archive.string()}, "cpio -t");
  EXPECT_EQ(list, "bin\nbin/sh\ndev\ndev/console\netc\netc/passwd\ntmp\nusr\nusr/bin\nusr/bin/tool\n")
      << list;

  std::string verbose = run_checked({"cpio", "-tv", "--quiet", "-F", archive.string()}, "cpio -tv");
  EXPECT_NE(verbose.find("crw-------   1 root     root       5,   1"), std::string::npos) << verbose;
  EXPECT_NE(verbose.find("drwxrwxrwt"), std::string::npos) << verbose;  // sticky /tmp
  EXPECT_NE(verbose.find("bin/sh -> /bin/busybox"), std::string::npos) << verbose;
  EXPECT_NE(verbose.find("-rwxr-xr-x   1 root     root"), std::string::npos) << verbose;

  fs::path out = dir.path() / "x";
  fs::create_directories(out);
  ProcessOptions in_out;
  in_out.cwd = out;
  run_checked({"cpio", "-id", "--no-absolute-filenames", "-F", archive.string()}, "cpio -i", in_out);
  EXPECT_EQ(slurp(out / "usr/bin/tool"), slurp(host));
  EXPECT_EQ(slurp(out / "etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
  EXPECT_EQ(fs::read_symlink(out / "bin/sh"), "/bin/busybox");
  EXPECT_EQ(fs::status(out / "usr/bin/tool").permissions() & fs::perms::all, static_cast<fs::perms>(0755));
  if (geteuid() == 0) {
    EXPECT_TRUE(fs::is_character_file(out / "dev/console"));
  }
}

TEST(CpioWriter, TheSameEntriesGiveTheSameBytesInAnyOrder) {
  RunDir dir("famlab-cpio-");
  fs::path host = dir.path() / "tool";
  std::ofstream(host) << "abc";
  std::string a = bytes_of(sample(host, false));
  std::string b = bytes_of(sample(host, true));
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.substr(0, 6), "070701");
  EXPECT_EQ(a.size() % 4, 0u);
  EXPECT_NE(a.find("TRAILER!!!"), std::string::npos);

  Hasher ha, hb;
  sample(host, false).hash_into(ha);
  sample(host, true).hash_into(hb);
  EXPECT_EQ(ha.hex(), hb.hex());
  std::ofstream(host) << "abd";  // same size, different content
  Hasher hc;
  sample(host, false).hash_into(hc);
  EXPECT_NE(ha.hex(), hc.hex());
}

TEST(CpioWriter, BadPathsAndDuplicatesAreErrors) {
  CpioWriter w;
  EXPECT_THROW(w.add_dir("/"), Error);
  EXPECT_THROW(w.add_bytes("/a/../b", "", 0644), Error);
  EXPECT_THROW(w.add_bytes("a//b", "", 0644), Error);
  EXPECT_THROW(w.add_file("/x", "/nonexistent/file", 0644), Error);
  w.add_bytes("/etc/passwd", "", 0644);
  EXPECT_THROW(w.add_bytes("etc/passwd", "again", 0644), Error);
  EXPECT_THROW(w.add_symlink("/etc/passwd/sub", "x"), Error);  // parent is a file
  w.add_dir("/etc", 0700);                                     // an existing directory is fine
  EXPECT_TRUE(w.contains("etc"));
  EXPECT_TRUE(w.contains("/etc/passwd"));
  EXPECT_FALSE(w.contains("/etc/group"));
}
