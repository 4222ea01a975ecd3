#include "lab/kernel/user_kernel.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "base/error_of.h"
#include "lab/common/paths.h"
#include "lab/kernel/test_bzimage.h"

using namespace famlab;
using namespace famlab::kernel;
namespace fs = std::filesystem;

namespace {}  // namespace

TEST(UserKernel, ABzImageIsUsedAsIsWithItsHeaderRelease) {
  RunDir dir("famlab-user-");
  test_support::write_fake_bzimage(dir.path() / "bzImage", "6.13.0-rc1 (me@box) #7");
  Kernel k = kernel_from_bzimage(dir.path() / "bzImage", {});
  EXPECT_EQ(k.release, "6.13.0-rc1");
  EXPECT_EQ(k.image, dir.path() / "bzImage");
  EXPECT_TRUE(k.modules_root.empty());
  EXPECT_NE(k.provenance.find("6.13.0-rc1"), std::string::npos);
}

TEST(UserKernel, ModulesMustHoldTheReleaseTheHeaderNames) {
  RunDir dir("famlab-user-");
  test_support::write_fake_bzimage(dir.path() / "bzImage", "6.13.0 (me@box)");
  fs::create_directories(dir.path() / "mods" / "lib" / "modules" / "6.12.0");
  std::string what = error_of([&] { kernel_from_bzimage(dir.path() / "bzImage", dir.path() / "mods"); });
  EXPECT_NE(what.find("lib/modules/6.13.0"), std::string::npos) << what;

  fs::create_directories(dir.path() / "mods" / "lib" / "modules" / "6.13.0");
  Kernel k = kernel_from_bzimage(dir.path() / "bzImage", dir.path() / "mods");
  EXPECT_EQ(k.modules_root, dir.path() / "mods");
}

TEST(UserKernel, WithoutAHeaderTheReleaseComesFromASingleModulesTree) {
  RunDir dir("famlab-user-");
  std::ofstream(dir.path() / "vmlinux") << "not a bzImage";
  EXPECT_NE(error_of([&] { kernel_from_bzimage(dir.path() / "vmlinux", {}); }).find("not a bzImage"),
            std::string::npos);
  fs::create_directories(dir.path() / "mods" / "lib" / "modules" / "6.12.9");
  EXPECT_EQ(kernel_from_bzimage(dir.path() / "vmlinux", dir.path() / "mods").release, "6.12.9");
  fs::create_directories(dir.path() / "mods" / "lib" / "modules" / "6.12.10");
  EXPECT_NE(
      error_of([&] { kernel_from_bzimage(dir.path() / "vmlinux", dir.path() / "mods"); }).find("2 releases"),
      std::string::npos);
}

TEST(UserKernel, MissingImageAndNonTreeAreClearErrors) {
  RunDir dir("famlab-user-");
  EXPECT_NE(error_of([&] { kernel_from_bzimage(dir.path() / "nope", {}); }).find("not found"),
            std::string::npos);
  Variant v{"plain", {}, {}};
  LabBuildEnv env;
  env.cache = dir.path();
  EXPECT_NE(error_of([&] {
              kernel_from_tree(dir.path(), v, env, [](const std::string&) {});
            }).find("not a Linux source tree"),
            std::string::npos);
}
