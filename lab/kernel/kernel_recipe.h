#pragma once
// Which kernels famlab knows how to make, as data (images/kernels.toml), so
// adding a variant is a data change, not a code change.
#include <filesystem>
#include <optional>
#include <map>
#include <string>
#include <vector>

namespace famlab::kernel {

// A lab kernel variant: tinyconfig + fragments in order, then patches.
struct Variant {
  std::string name;
  std::vector<std::string> fragments;          // kernel-config/<name>.config paths, in order
  std::vector<std::filesystem::path> patches;  // kernel-config/patches/<variant>/, series order
};

// Debian's packaged kernel: the metapackage in an apt release.
struct StockSource {
  std::string metapackage = "linux-image-amd64";
  std::string release = "bookworm-backports";
};

// The debug flavour ([debug] in kernels.toml): fragments merged after any
// variant's (and a --kernel-tree's); lab variants also get lab_fragments
// and the series in kernel-config/patches/debug/, applied after their own.
struct Flavour {
  std::vector<std::string> fragments;
  std::vector<std::string> lab_fragments;
  std::vector<std::filesystem::path> patches;
};

struct KernelRecipe {
  std::vector<Variant> variants;
  std::string tree_variant = "plain";  // fragments used for --kernel-tree
  StockSource stock;
  std::optional<Flavour> debug;
};

// Reads <root>/images/kernels.toml and resolves fragments and patches
// under <root>/kernel-config. Errors name the file and line.
KernelRecipe load_kernel_recipe(const std::filesystem::path& root);

// The names a scenario may use for kernels: every variant and "stock".
std::vector<std::string> kernel_names(const KernelRecipe& recipe);

// The variant called `name`; an unknown name is an error listing the known ones.
const Variant& find_variant(const KernelRecipe& recipe, const std::string& name);

// `base` in the debug flavour, named "<base>+debug": its fragments, then
// the flavour's fragments and lab_fragments; its patches, then the
// flavour's. For a --kernel-tree (`tree` true): fragments only.
Variant debug_variant(const KernelRecipe& recipe, const Variant& base, bool tree = false);
// `variant` with the texts of some of its patches replaced: each text is
// written once under `dir` (named by its hash, keeping the patch's file
// name, so the build's cache key and logs stay readable) and takes the
// original's place in the series. It is named "<variant>+patched": its
// builds share one object tree (and lock) of their own, so one patched
// build after another recompiles only what the series touches, and builds
// of the variant itself (other configs, other branches) never thrash that
// tree. A key that is not one of its patches is an error.
Variant with_patch_texts(const Variant& variant, const std::map<std::filesystem::path, std::string>& texts,
                         const std::filesystem::path& dir);

}  // namespace famlab::kernel
