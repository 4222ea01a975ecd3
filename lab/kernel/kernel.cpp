#include "lab/kernel/kernel.h"

#include <chrono>

#include "base/error.h"
#include "lab/common/kernel_flavour.h"
#include "lab/common/paths.h"
#include "lab/kernel/kernel_recipe.h"
#include "lab/kernel/kernel_symbols.h"
#include "lab/kernel/lab_kernel_build.h"
#include "lab/kernel/stock_kernel.h"
#include "lab/kernel/user_kernel.h"

namespace fs = std::filesystem;

namespace famlab::kernel {
namespace {

bool is_variant(const KernelRecipe& recipe, const std::string& name) {
  for (const Variant& v : recipe.variants)
    if (v.name == name) return true;
  return false;
}

// A lab variant, in the debug flavour if asked.
Variant lab_variant(const KernelRecipe& recipe, const KernelName& name) {
  const Variant& v = find_variant(recipe, name.variant);
  return name.debug ? debug_variant(recipe, v) : v;
}

Kernel resolve(const KernelRequest& req, const Log& log) {
  KernelRecipe recipe = load_kernel_recipe(source_dir());
  std::string spec = req.spec.empty() ? "plain" : req.spec;
  bool is_path = spec.find('/') != std::string::npos || fs::exists(spec);
  KernelName name = is_path ? KernelName{spec, false} : split_kernel_name(spec);
  if (!req.tree.empty()) {
    if (!req.patch_texts.empty()) throw Error("replaced patch texts go with a lab variant, not --kernel-tree");
    if (name.variant != "plain")
      throw Error("--kernel-tree and --kernel " + spec + " cannot be used together");
    if (!req.modules.empty()) throw Error("--modules goes with a bzImage path, not with --kernel-tree");
    const Variant& fragments = find_variant(recipe, recipe.tree_variant);
    return kernel_from_tree(req.tree, name.debug ? debug_variant(recipe, fragments, true) : fragments,
                            default_lab_build_env(), log);
  }
  if (!req.modules.empty() && !is_path)
    throw Error("--modules goes with a bzImage path, not with --kernel " + spec);
  if (!req.patch_texts.empty() && (name.debug || !is_variant(recipe, name.variant)))
    throw Error("replaced patch texts go with a lab variant, not with --kernel " + spec);
  if (name.variant == "stock") {
    if (name.debug)
      throw Error(
          "--kernel stock --debug: the debug flavour is built by famlab, and stock is Debian's "
          "packaged kernel; use a lab variant (--kernel famfs --debug) or --kernel-tree DIR --debug");
    return resolve_stock_kernel(recipe.stock, cache_dir(), log);
  }
  if (is_variant(recipe, name.variant)) {
    if (req.patch_texts.empty()) return build_lab_kernel(lab_variant(recipe, name), default_lab_build_env(), log);
    return build_lab_kernel(with_patch_texts(find_variant(recipe, name.variant), req.patch_texts,
                                             cache_dir() / "patch-texts"),
                            default_lab_build_env(), log);
  }
  if (is_path) return kernel_from_bzimage(spec, req.modules);
  std::string known;
  for (const Variant& v : recipe.variants) known += v.name + ", ";
  throw Error("unknown kernel '" + spec + "': expected " + known +
              "stock, or a path to a bzImage (any variant may end in +debug)");
}

}  // namespace

Kernel resolve_kernel(const KernelRequest& request, const Log& log) {
  auto start = std::chrono::steady_clock::now();
  Kernel k = resolve(request, log);
  k.symbols = find_symbols(k.image).path;
  k.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return k;
}

fs::path kernel_symbols(const KernelRequest& request, const Log& log) {
  if (request.spec == "stock" && request.tree.empty())
    return fetch_stock_debug_symbols(load_kernel_recipe(source_dir()).stock, cache_dir(), log);
  Kernel k = resolve_kernel(request, log);
  if (k.symbols.empty())
    throw Error("kernel " + k.name + ": no symbols beside " + k.image.string() +
                " (no vmlinux or System.map there)");
  return k.symbols;
}

Kernel build_variant(const std::string& variant, const Log& log) {
  auto start = std::chrono::steady_clock::now();
  KernelRecipe recipe = load_kernel_recipe(source_dir());
  Kernel k = build_lab_kernel(lab_variant(recipe, split_kernel_name(variant)), default_lab_build_env(), log);
  k.symbols = find_symbols(k.image).path;
  k.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return k;
}

}  // namespace famlab::kernel
