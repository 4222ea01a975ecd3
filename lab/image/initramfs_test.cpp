#include "lab/image/initramfs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "base/process.h"
#include "lab/common/paths.h"
#include "lab/image/test_cache.h"
#include "lab/image/test_modules.h"

using namespace famlab;
using namespace famlab::image;
namespace fs = std::filesystem;

namespace {

void quiet(const std::string&) {}

std::string slurp(const fs::path& f) {
  std::ifstream in(f, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string listing(const fs::path& cpio) {
  return run_checked({"cpio", "-tv", "-F", cpio.string()}, "cpio -tv");
}

bool lists(const std::string& listing, const std::string& needle) {
  return listing.find(needle) != std::string::npos;
}

ImageSpec base_spec() {
  ImageSpec spec;
  spec.agent = "/bin/true";  // a dynamic binary: its libraries must come along
  spec.tools = {"/usr/bin/cxl", "/usr/bin/kmod"};
  return spec;
}

}  // namespace

TEST(Initramfs, HoldsInitBusyboxToolsLibrariesAndUsers) {
  test_support::PrivateCache cache;
  kernel::Kernel monolithic;
  monolithic.name = "plain";
  ImageSpec spec = base_spec();
  spec.kernel = &monolithic;
  spec.modules = {"cxl_acpi"};  // ignored: nothing to load on a monolithic kernel
  Image img = build_initramfs(spec, quiet);
  EXPECT_FALSE(img.cache_hit);
  EXPECT_EQ(img.cpio, cache.path() / "images" / (img.hash + ".cpio"));
  EXPECT_EQ(img.bytes, fs::file_size(img.cpio));

  std::string l = listing(img.cpio);
  for (const char* want : {" init\n", " bin/busybox\n", "bin/sh -> /bin/busybox", "usr/bin/cxl\n",
                           "lib/x86_64-linux-gnu/libcxl.so.1\n", "lib/x86_64-linux-gnu/libc.so.6\n",
                           "lib64/ld-linux-x86-64.so.2\n", "sbin/kmod\n", "sbin/modprobe -> kmod",
                           "sbin/lsmod -> kmod", "etc/passwd\n", "etc/group\n", "drwxrwxrwt", " tmp\n"})
    EXPECT_TRUE(lists(l, want)) << "missing " << want;
  EXPECT_TRUE(lists(l, "crw-------   1 root     root       5,   1")) << "no /dev/console";
  EXPECT_FALSE(lists(l, "sbin/modprobe -> /bin/busybox"));
  EXPECT_FALSE(lists(l, "etc/famlab/modules"));
  EXPECT_FALSE(lists(l, "lib/modules"));

  RunDir out("famlab-img-");
  ProcessOptions in_out;
  in_out.cwd = out.path();
  run_checked(
      {"cpio", "-id", "--no-absolute-filenames", "-F", img.cpio.string(), "etc/passwd", "etc/group", "init"},
      "cpio -i", in_out);
  EXPECT_TRUE(lists(slurp(out.path() / "etc/passwd"), "famlab:x:1000:1000:"));
  EXPECT_TRUE(lists(slurp(out.path() / "etc/group"), "famlab:x:1000:"));
  EXPECT_EQ(slurp(out.path() / "init"), slurp("/bin/true"));
}

TEST(Initramfs, ASecondBuildIsAFastHitAndARebuildIsByteIdentical) {
  test_support::PrivateCache cache;
  Image first = build_initramfs(base_spec(), quiet);
  std::string bytes = slurp(first.cpio);

  // A hit writes nothing: the same file, not a new one renamed into place.
  // (How fast a hit is, is make bench's to measure: a time limit here failed
  // on a loaded machine, 1.1 s against 1.0.)
  struct stat before {};
  ASSERT_EQ(stat(first.cpio.c_str(), &before), 0);
  Image again = build_initramfs(base_spec(), quiet);
  struct stat after {};
  ASSERT_EQ(stat(again.cpio.c_str(), &after), 0);
  EXPECT_TRUE(again.cache_hit);
  EXPECT_EQ(again.hash, first.hash);
  EXPECT_EQ(after.st_ino, before.st_ino);
  EXPECT_EQ(slurp(again.cpio), bytes);

  fs::remove(first.cpio);
  Image rebuilt = build_initramfs(base_spec(), quiet);
  EXPECT_FALSE(rebuilt.cache_hit);
  EXPECT_EQ(slurp(rebuilt.cpio), bytes);
}

TEST(Initramfs, PayloadsLandWhereAskedAndChangeTheHash) {
  test_support::PrivateCache cache;
  RunDir dir("famlab-img-");
  fs::path script = dir.path() / "smoke.sh";
  std::ofstream(script) << "#!/bin/sh\necho hi\n";
  fs::permissions(script, static_cast<fs::perms>(0755));
  ImageSpec spec = base_spec();
  spec.payloads = {{"/famlab/smoke.sh", script}};
  Image a = build_initramfs(spec, quiet);
  std::string l = listing(a.cpio);
  size_t at = l.find(" famlab/smoke.sh\n");
  ASSERT_NE(at, std::string::npos) << l;
  EXPECT_EQ(l.substr(l.rfind('\n', at) + 1, 10), "-rwxr-xr-x");
  std::ofstream(script) << "#!/bin/sh\necho ho\n";
  Image b = build_initramfs(spec, quiet);
  EXPECT_NE(a.hash, b.hash);
  EXPECT_FALSE(b.cache_hit);

  spec.payloads = {{"/famlab/x", dir.path() / "missing"}};
  EXPECT_THROW(build_initramfs(spec, quiet), Error);
}

TEST(Initramfs, AModularKernelGetsTheModuleClosureAndWorkingIndexes) {
  test_support::PrivateCache cache;
  RunDir root("famlab-kroot-");
  test_support::make_module_tree(root.path(), "6.12.0-test");
  kernel::Kernel modular;
  modular.name = "stock";
  modular.release = "6.12.0-test";
  modular.modules_root = root.path();
  ImageSpec spec = base_spec();
  spec.kernel = &modular;
  spec.modules = {"mod_b", "builtin_c"};
  Image img = build_initramfs(spec, quiet);

  std::string l = listing(img.cpio);
  EXPECT_TRUE(lists(l, "lib/modules/6.12.0-test/kernel/drivers/test/mod_a.ko\n"));  // decompressed
  EXPECT_FALSE(lists(l, "mod_a.ko.xz"));
  EXPECT_TRUE(lists(l, "lib/modules/6.12.0-test/kernel/drivers/test/mod_b.ko\n"));
  EXPECT_FALSE(lists(l, "mod_unused.ko"));
  EXPECT_TRUE(lists(l, "lib/modules/6.12.0-test/modules.dep.bin\n"));

  RunDir out("famlab-img-");
  ProcessOptions in_out;
  in_out.cwd = out.path();
  run_checked({"cpio", "-id", "--no-absolute-filenames", "-F", img.cpio.string()}, "cpio -i", in_out);
  EXPECT_EQ(slurp(out.path() / "etc/famlab/modules"), "mod_b\nbuiltin_c\n");
  // The extracted image's own indexes resolve the dependency, as the guest's modprobe will.
  std::string shown = run_checked(
      {"modprobe", "-d", out.path().string(), "-S", "6.12.0-test", "--show-depends", "mod_b"}, "modprobe -D");
  EXPECT_TRUE(lists(shown, "mod_a.ko \n")) << shown;
  EXPECT_TRUE(lists(shown, "mod_b.ko")) << shown;

  spec.modules = {"mod_b", "nonesuch"};
  EXPECT_THROW(build_initramfs(spec, quiet), Error);
}
