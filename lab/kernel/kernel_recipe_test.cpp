#include "lab/kernel/kernel_recipe.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/error_of.h"
#include "lab/common/paths.h"

using namespace famlab;
using namespace famlab::kernel;
namespace fs = std::filesystem;

namespace {

// A checkout-shaped directory with the given kernels.toml and fragments.
struct FakeRoot {
  RunDir dir{"famlab-recipe-"};
  explicit FakeRoot(const std::string& toml) {
    fs::create_directories(dir.path() / "images");
    fs::create_directories(dir.path() / "kernel-config");
    std::ofstream(dir.path() / "images" / "kernels.toml") << toml;
    for (const char* f : {"lab", "cxl"})
      std::ofstream(dir.path() / "kernel-config" / (std::string(f) + ".config")) << "CONFIG_A=y\n";
  }
  fs::path patches(const std::string& variant) {
    fs::path p = dir.path() / "kernel-config" / "patches" / variant;
    fs::create_directories(p);
    return p;
  }
};

}  // namespace

TEST(KernelRecipe, TheShippedRecipeHasPlainWithItsFiveFragmentsInOrder) {
  KernelRecipe r = load_kernel_recipe(FAMLAB_SOURCE_DIR);
  const Variant& plain = find_variant(r, "plain");
  ASSERT_EQ(plain.fragments.size(), 5u);
  EXPECT_EQ(fs::path(plain.fragments[0]).filename(), "lab.config");
  EXPECT_EQ(fs::path(plain.fragments[1]).filename(), "cxl.config");
  EXPECT_EQ(fs::path(plain.fragments[2]).filename(), "pmem.config");
  EXPECT_EQ(fs::path(plain.fragments[3]).filename(), "fuse.config");
  EXPECT_EQ(fs::path(plain.fragments[4]).filename(), "ras.config");  // issue 13: memory failure, tracing
  for (const auto& f : plain.fragments) EXPECT_TRUE(fs::is_regular_file(f)) << f;
  EXPECT_EQ(r.tree_variant, "plain");
  EXPECT_EQ(r.stock.metapackage, "linux-image-amd64");
  EXPECT_EQ(r.stock.release, "bookworm-backports");
}

TEST(KernelRecipe, AVariantIsATablePlusAPatchDirectoryInSeriesOrder) {
  FakeRoot root(
      "[variants.plain]\nfragments = ['lab', 'cxl']\n[variants.famfs]\nfragments = ['lab', 'cxl']\n");
  fs::path dir = root.patches("famfs");
  std::ofstream(dir / "a.patch") << "a";
  std::ofstream(dir / "b.patch") << "b";
  std::ofstream(dir / "series") << "# order matters\nb.patch\n\na.patch\n";
  KernelRecipe r = load_kernel_recipe(root.dir.path());
  const Variant& famfs = find_variant(r, "famfs");
  ASSERT_EQ(famfs.patches.size(), 2u);
  EXPECT_EQ(famfs.patches[0].filename(), "b.patch");
  EXPECT_EQ(famfs.patches[1].filename(), "a.patch");
  EXPECT_TRUE(find_variant(r, "plain").patches.empty());
}

TEST(KernelRecipe, UnknownVariantListsTheKnownOnes) {
  FakeRoot root("[variants.plain]\nfragments = ['lab']\n[variants.famfs]\nfragments = ['lab', 'cxl']\n");
  KernelRecipe r = load_kernel_recipe(root.dir.path());
  std::string what = error_of([&] { find_variant(r, "nope"); });
  EXPECT_NE(what.find("'nope'"), std::string::npos) << what;
  EXPECT_NE(what.find("plain"), std::string::npos) << what;
  EXPECT_NE(what.find("famfs"), std::string::npos) << what;
}

TEST(KernelRecipe, ErrorsNameTheFileAndLine) {
  {
    FakeRoot root("[variants.plain]\nfragments = ['lab', 'missing']\n");
    std::string what = error_of([&] { load_kernel_recipe(root.dir.path()); });
    EXPECT_NE(what.find("kernels.toml:2"), std::string::npos) << what;
    EXPECT_NE(what.find("missing.config"), std::string::npos) << what;
  }
  {
    FakeRoot root("[variants.plain]\nfragments = [\n");
    std::string what = error_of([&] { load_kernel_recipe(root.dir.path()); });
    EXPECT_NE(what.find("kernels.toml:"), std::string::npos) << what;
  }
  {
    FakeRoot root("[variants.plain]\nfragments = ['lab']\n[tree]\nvariant = 'famfs'\n");
    EXPECT_NE(error_of([&] { load_kernel_recipe(root.dir.path()); }).find("'famfs'"), std::string::npos);
  }
  {
    FakeRoot root("[variants.stock]\nfragments = ['lab']\n");
    EXPECT_NE(error_of([&] { load_kernel_recipe(root.dir.path()); }).find("reserved"), std::string::npos);
  }
}

TEST(KernelRecipe, PatchesWithoutASeriesFileAreAnError) {
  FakeRoot root("[variants.plain]\nfragments = ['lab']\n");
  std::ofstream(root.patches("plain") / "x.patch") << "x";
  std::string what = error_of([&] { load_kernel_recipe(root.dir.path()); });
  EXPECT_NE(what.find("series"), std::string::npos) << what;

  std::ofstream(root.patches("plain") / "series") << "x.patch\ny.patch\n";
  what = error_of([&] { load_kernel_recipe(root.dir.path()); });
  EXPECT_NE(what.find("series:2"), std::string::npos) << what;
  EXPECT_NE(what.find("y.patch"), std::string::npos) << what;
}

// The shared ABI patch, the variant's own INIT policy, then the shared data
// path (famfs_dax driver, fuse side), test knobs and review fixes, in number
// order, all from common/.
TEST(KernelRecipe, TheShippedFamfsVariantsShareAllButThePolicyPatch) {
  KernelRecipe r = load_kernel_recipe(FAMLAB_SOURCE_DIR);
  std::vector<std::string> shared;
  for (const char* name : {"famfs", "famfs-v3", "famfs-rfc"}) {
    const Variant& v = find_variant(r, name);
    ASSERT_GE(v.patches.size(), 5u) << name;
    EXPECT_EQ(v.patches[0].filename(), "0001-fuse-famfs-abi-and-init-report.patch") << name;
    EXPECT_EQ(v.patches[1].filename().string().substr(0, 23), "0002-fuse-famfs-policy-") << name;
    EXPECT_EQ(v.patches[1].parent_path().filename(), name) << name;
    EXPECT_EQ(v.patches[2].filename(), "0003-dax-famfs-mode.patch") << name;
    EXPECT_EQ(v.patches[3].filename(), "0004-fuse-famfs-data-path.patch") << name;
    std::vector<std::string> rest;
    for (size_t i = 2; i < v.patches.size(); ++i) {
      EXPECT_EQ(v.patches[i].parent_path().filename(), "common") << name << " " << v.patches[i];
      rest.push_back(v.patches[i].filename().string());
      if (i > 2) {
        EXPECT_LT(rest[rest.size() - 2], rest.back()) << name;  // number order
      }
    }
    if (shared.empty()) shared = rest;
    EXPECT_EQ(rest, shared) << name;  // every variant applies the same shared patches
    ASSERT_EQ(v.fragments.size(), 7u) << name;
    EXPECT_EQ(fs::path(v.fragments[4]).filename(), "ras.config") << name;
    EXPECT_EQ(fs::path(v.fragments[5]).filename(), "userns.config") << name;
    EXPECT_EQ(fs::path(v.fragments.back()).filename(), "famfs.config") << name;
  }
}

// The debug flavour: every variant's fragments, then debug.config, then (lab
// variants only) debug-provoke.config; its patches, then patches/debug.
TEST(KernelRecipe, TheDebugFlavourAddsItsFragmentsLastAndItsPatchesAfterTheVariants) {
  KernelRecipe r = load_kernel_recipe(FAMLAB_SOURCE_DIR);
  ASSERT_TRUE(r.debug);
  for (const Variant& base : r.variants) {
    Variant d = debug_variant(r, base);
    EXPECT_EQ(d.name, base.name + "+debug");
    ASSERT_EQ(d.fragments.size(), base.fragments.size() + 2) << base.name;
    EXPECT_TRUE(std::equal(base.fragments.begin(), base.fragments.end(), d.fragments.begin()));
    EXPECT_EQ(fs::path(d.fragments[base.fragments.size()]).filename(), "debug.config");
    EXPECT_EQ(fs::path(d.fragments.back()).filename(), "debug-provoke.config");
    ASSERT_EQ(d.patches.size(), base.patches.size() + 1) << base.name;
    EXPECT_EQ(d.patches.back().filename(), "0001-famlab-provoke.patch");
  }
  // A user's tree gets the fragment, not our test module.
  Variant tree = debug_variant(r, find_variant(r, r.tree_variant), true);
  EXPECT_EQ(fs::path(tree.fragments.back()).filename(), "debug.config");
  EXPECT_TRUE(tree.patches.empty());
}

TEST(KernelRecipe, FlavourNamesAreNotVariantNames) {
  for (const char* name : {"debug", "famfs+debug"}) {
    FakeRoot root(std::string("[variants.plain]\nfragments = ['lab']\n[variants.'") + name +
                  "']\nfragments = ['lab']\n");
    EXPECT_NE(error_of([&] { load_kernel_recipe(root.dir.path()); }).find("flavour"), std::string::npos)
        << name;
  }
  FakeRoot no_debug("[variants.plain]\nfragments = ['lab']\n");
  KernelRecipe r = load_kernel_recipe(no_debug.dir.path());
  EXPECT_FALSE(r.debug);
  EXPECT_NE(error_of([&] { debug_variant(r, r.variants[0]); }).find("no [debug]"), std::string::npos);
  FakeRoot bad("[variants.plain]\nfragments = ['lab']\n[debug]\nfragments = ['nope']\n");
  EXPECT_NE(error_of([&] { load_kernel_recipe(bad.dir.path()); }).find("kernels.toml:4"), std::string::npos);
}

TEST(KernelRecipe, WithPatchTextsReplacesOnePatchAndKeepsTheRestOfTheVariant) {
  RunDir dir{"famlab-patchtexts-"};
  fs::create_directories(dir.path() / "p");
  Variant v{"famfs", {"lab.config"}, {dir.path() / "p" / "0001-a.patch", dir.path() / "p" / "0002-b.patch"}};
  Variant m =
      with_patch_texts(v, {{dir.path() / "p" / "." / "0002-b.patch", "mutated\n"}}, dir.path() / "texts");
  EXPECT_EQ(m.name, "famfs+patched");  // its own object tree and lock
  EXPECT_EQ(m.fragments, v.fragments);
  ASSERT_EQ(m.patches.size(), 2u);
  EXPECT_EQ(m.patches[0], v.patches[0]);
  EXPECT_NE(m.patches[1], v.patches[1]);
  EXPECT_EQ(m.patches[1].filename(), "0002-b.patch");  // the build log and cache key keep the name
  std::ifstream in(m.patches[1]);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, "mutated\n");
  // The same text lands in the same file; another text in another.
  EXPECT_EQ(with_patch_texts(v, {{v.patches[1], "mutated\n"}}, dir.path() / "texts").patches[1],
            m.patches[1]);
  EXPECT_NE(with_patch_texts(v, {{v.patches[1], "other\n"}}, dir.path() / "texts").patches[1], m.patches[1]);
}

TEST(KernelRecipe, WithPatchTextsRefusesAPatchOutsideTheSeries) {
  RunDir dir{"famlab-patchtexts-"};
  Variant v{"famfs", {"lab.config"}, {dir.path() / "0001-a.patch"}};
  std::string err = error_of([&] { with_patch_texts(v, {{dir.path() / "0009-x.patch", "x"}}, dir.path()); });
  EXPECT_NE(err.find("variant famfs has no patch"), std::string::npos) << err;
  EXPECT_NE(err.find("0009-x.patch"), std::string::npos) << err;
}
