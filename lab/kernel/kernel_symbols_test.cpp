#include "lab/kernel/kernel_symbols.h"

#include <gtest/gtest.h>

#include "base/small_file.h"
#include "lab/common/paths.h"

using namespace famlab;
using namespace famlab::kernel;
namespace fs = std::filesystem;

namespace {

void touch(const fs::path& p, const std::string& text = "x\n") {
  fs::create_directories(p.parent_path());
  write_small_file(p, text);
}

}  // namespace

TEST(KernelSymbols, LabEntryPrefersVmlinuxAndReadsItsConfig) {
  RunDir d{"famlab-syms-"};
  fs::path entry = d.path() / "famfs+debug-0123";
  touch(entry / "bzImage");
  touch(entry / "System.map");
  touch(entry / "config", "# CONFIG_RANDOMIZE_BASE is not set\nCONFIG_KASAN=y\n");
  SymbolFile s = find_symbols(entry / "bzImage");
  EXPECT_EQ(s.path, entry / "System.map");
  EXPECT_TRUE(s.fixed_addresses);
  touch(entry / "vmlinux");
  EXPECT_EQ(find_symbols(entry / "bzImage").path, entry / "vmlinux");
}

TEST(KernelSymbols, StockUsesItsDebugPackageElseItsSystemMapAndIsRelocated) {
  RunDir d{"famlab-syms-"};
  fs::path entry = d.path() / "linux-image-6.12.95+deb12-amd64_6.12.95-1";
  const std::string r = "6.12.95+deb12-amd64";
  touch(entry / "boot" / ("vmlinuz-" + r));
  touch(entry / "boot" / ("System.map-" + r));
  touch(entry / "boot" / ("config-" + r), "CONFIG_RANDOMIZE_BASE=y\n");
  SymbolFile s = find_symbols(entry / "boot" / ("vmlinuz-" + r));
  EXPECT_EQ(s.path, entry / "boot" / ("System.map-" + r));
  EXPECT_FALSE(s.fixed_addresses);
  touch(entry / "usr" / "lib" / "debug" / "boot" / ("vmlinux-" + r));
  EXPECT_EQ(find_symbols(entry / "boot" / ("vmlinuz-" + r)).path,
            entry / "usr" / "lib" / "debug" / "boot" / ("vmlinux-" + r));
}

TEST(KernelSymbols, ABzImageInsideABuiltTreeFindsTheTreesVmlinux) {
  RunDir d{"famlab-syms-"};
  fs::path tree = d.path() / "linux";
  touch(tree / "arch" / "x86" / "boot" / "bzImage");
  touch(tree / "vmlinux");
  touch(tree / ".config", "CONFIG_X=y\n");
  SymbolFile s = find_symbols(tree / "arch" / "x86" / "boot" / "bzImage");
  EXPECT_EQ(s.path, tree / "vmlinux");
  EXPECT_TRUE(s.fixed_addresses);
}

TEST(KernelSymbols, NothingBesideTheImageIsNoSymbolsAndNoTrust) {
  RunDir d{"famlab-syms-"};
  touch(d.path() / "bzImage");
  SymbolFile s = find_symbols(d.path() / "bzImage");
  EXPECT_TRUE(s.path.empty());
  EXPECT_FALSE(s.fixed_addresses);
}
