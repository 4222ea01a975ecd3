#include "lab/image/module_closure.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "lab/common/paths.h"
#include "lab/image/test_modules.h"

using namespace famlab;
using namespace famlab::image;
namespace fs = std::filesystem;

TEST(ModuleClosure, IncludesDependenciesAndNamesBuiltins) {
  RunDir root("famlab-mods-");
  fs::path dir = test_support::make_module_tree(root.path(), "6.12.0-test");
  ModuleClosure c = module_closure(dir, {"mod_b", "builtin_c"});
  EXPECT_EQ(c.files,
            (std::vector<std::string>{"kernel/drivers/test/mod_a.ko.xz", "kernel/drivers/test/mod_b.ko"}));
  EXPECT_EQ(c.builtin, (std::vector<std::string>{"builtin_c"}));

  ModuleClosure only_a = module_closure(dir, {"mod_a"});
  EXPECT_EQ(only_a.files, (std::vector<std::string>{"kernel/drivers/test/mod_a.ko.xz"}));
}

TEST(ModuleClosure, AModuleThatDoesNotExistIsAnErrorNamingIt) {
  RunDir root("famlab-mods-");
  fs::path dir = test_support::make_module_tree(root.path(), "6.12.0-test");
  try {
    module_closure(dir, {"mod_a", "cxl_nonesuch"});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("'cxl_nonesuch'"), std::string::npos) << what;
    EXPECT_NE(what.find(dir.string()), std::string::npos) << what;
  }
  EXPECT_THROW(module_closure(root.path(), {"mod_a"}), Error);  // no modules.dep there
}
