// Real kernels, opt-in (FAMLAB_REAL=1): a cold "plain" build takes minutes
// of both cores and "stock" downloads ~100 MB. They use the real cache_dir().
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "lab/common/paths.h"
#include "lab/kernel/bzimage_release.h"
#include "lab/kernel/config_check.h"
#include "lab/kernel/kernel.h"

using namespace famlab;
using namespace famlab::kernel;
namespace fs = std::filesystem;

namespace {

famlab::kernel::KernelRequest stock_request() {
  famlab::kernel::KernelRequest r;
  r.spec = "stock";
  return r;
}

bool real_enabled() {
  const char* e = std::getenv("FAMLAB_REAL");
  return e && std::string(e) == "1";
}

void print(const std::string& s) { std::cout << "  [kernel] " << s << std::endl; }

void report(const char* what, const Kernel& k) {
  std::cout << "  [kernel] " << what << ": " << k.release << " hit=" << k.cache_hit
            << " seconds=" << k.seconds << " image=" << k.image << "\n  [kernel] provenance: " << k.provenance
            << std::endl;
}

}  // namespace

TEST(RealKernel, PlainBuildsOnceThenResolvesFromCacheFast) {
  if (!real_enabled()) GTEST_SKIP() << "set FAMLAB_REAL=1";
  Kernel k = resolve_kernel({}, print);
  report("first", k);
  EXPECT_EQ(k.name, "plain");
  EXPECT_TRUE(fs::is_regular_file(k.image));
  EXPECT_EQ(read_bzimage_release(k.image), k.release);
  EXPECT_TRUE(k.modules_root.empty());
  auto config = parse_config(k.config);
  EXPECT_EQ(config["CONFIG_CXL_ACPI"], "y");
  EXPECT_EQ(config["CONFIG_CXL_REGION_INVALIDATION_TEST"], "y");

  Kernel again = resolve_kernel({}, print);
  report("again", again);
  EXPECT_TRUE(again.cache_hit);
  EXPECT_EQ(again.image, k.image);
  EXPECT_LT(again.seconds, 2.0);
}

TEST(RealKernel, StockIsFetchedOnceThenResolvesWithoutApt) {
  if (!real_enabled()) GTEST_SKIP() << "set FAMLAB_REAL=1";
  Kernel k = resolve_kernel(stock_request(), print);
  report("first", k);
  EXPECT_EQ(k.name, "stock");
  EXPECT_TRUE(fs::is_regular_file(k.image));
  EXPECT_EQ(read_bzimage_release(k.image), k.release);
  EXPECT_TRUE(fs::is_regular_file(k.modules_root / "lib" / "modules" / k.release / "modules.dep"));
  EXPECT_EQ(k.release.rfind("6.12.", 0), 0u) << k.release;

  // With nothing on PATH, any apt (or other) child would fail to start.
  std::string path = std::getenv("PATH");
  setenv("PATH", "/nonexistent", 1);
  Kernel again = resolve_kernel(stock_request(), print);
  setenv("PATH", path.c_str(), 1);
  report("again", again);
  EXPECT_TRUE(again.cache_hit);
  EXPECT_EQ(again.image, k.image);
  EXPECT_LT(again.seconds, 1.0);
}
