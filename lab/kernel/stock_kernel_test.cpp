#include "lab/kernel/stock_kernel.h"

#include <gtest/gtest.h>

#include "base/error.h"

using namespace famlab;
using namespace famlab::kernel;

// Trimmed from `apt-cache show linux-image-amd64/bookworm-backports` on the
// lab host.
static const char* kShow = R"(Package: linux-image-amd64
Source: linux-signed-amd64 (6.12.95+1~bpo12+1)
Version: 6.12.95-1~bpo12+1
Installed-Size: 13
Depends: linux-image-6.12.95+deb12-amd64 (= 6.12.95-1~bpo12+1)
Description: Linux for 64-bit PCs (meta-package)

Package: linux-image-amd64
Version: 6.1.192-2
Depends: linux-image-6.1.0-56-amd64 (= 6.1.192-2)
)";

TEST(StockKernel, TheMetapackageDependsNamesTheConcretePackage) {
  StockPackage p = parse_metapackage_depends(kShow, "linux-image-amd64");
  EXPECT_EQ(p.name, "linux-image-6.12.95+deb12-amd64");
  EXPECT_EQ(p.version, "6.12.95-1~bpo12+1");
}

TEST(StockKernel, AMetapackageWithoutAnExactImageDependencyIsAnError) {
  try {
    parse_metapackage_depends(
        "Package: linux-image-amd64\nDepends: linux-image-6.1 | foo\n\n"
        "Package: x\nDepends: linux-image-9 (= 9)\n",
        "linux-image-amd64");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("linux-image-amd64"), std::string::npos) << e.what();
  }
}
