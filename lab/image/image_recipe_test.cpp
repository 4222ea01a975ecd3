#include "lab/image/image_recipe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "base/error.h"
#include "lab/common/paths.h"

using namespace famlab;
using namespace famlab::image;
namespace fs = std::filesystem;

TEST(ImageRecipe, TheShippedRecipeNamesTheToolsAndTheStockModules) {
  ImageRecipe r = load_image_recipe(FAMLAB_SOURCE_DIR);
  EXPECT_EQ(r.tools, (std::vector<std::string>{"cxl", "daxctl", "ndctl", "kmod", "fusermount3"}));
  EXPECT_EQ(r.setuid, (std::vector<std::string>{"fusermount3"}));
  EXPECT_EQ(r.modules.front(), "cxl_acpi");
  EXPECT_NE(std::find(r.modules.begin(), r.modules.end(), "device_dax"), r.modules.end());
}

TEST(ImageRecipe, ModulesOnlyForAModularKernel) {
  ImageRecipe r{{"cxl", "kmod"}, {"cxl_acpi"}, {"kmod"}};
  kernel::Kernel plain;
  ImageSpec a = image_spec_from_recipe(r, plain);
  EXPECT_TRUE(a.modules.empty());
  EXPECT_EQ(a.tools, (std::vector<fs::path>{"/usr/bin/cxl", "/usr/bin/kmod"}));
  EXPECT_EQ(a.kernel, &plain);
  kernel::Kernel stock;
  stock.modules_root = "/somewhere";
  EXPECT_EQ(image_spec_from_recipe(r, stock).modules, r.modules);
  EXPECT_EQ(a.setuid, r.setuid);
  EXPECT_THROW(image_spec_from_recipe({{"no-such-tool-xyz"}, {}, {}}, plain), Error);
}

TEST(ImageRecipe, ErrorsNameTheFileAndLine) {
  RunDir root("famlab-irecipe-");
  fs::create_directories(root.path() / "images");
  std::ofstream(root.path() / "images" / "initramfs.toml") << "tools = ['cxl']\nmodules = ['a', 3]\n";
  try {
    load_image_recipe(root.path());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("initramfs.toml:2"), std::string::npos) << e.what();
  }
}
