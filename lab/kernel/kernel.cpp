#include "lab/kernel/kernel.h"

#include <chrono>

#include "base/error.h"
#include "lab/common/paths.h"
#include "lab/kernel/kernel_recipe.h"
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

Kernel resolve(const KernelRequest& req, const Log& log) {
  KernelRecipe recipe = load_kernel_recipe(source_dir());
  bool default_spec = req.spec.empty() || req.spec == "plain";
  if (!req.tree.empty()) {
    if (!req.patch_texts.empty())
      throw Error("replaced patch texts go with a lab variant, not --kernel-tree");
    if (!default_spec) throw Error("--kernel-tree and --kernel " + req.spec + " cannot be used together");
    if (!req.modules.empty()) throw Error("--modules goes with a bzImage path, not with --kernel-tree");
    return kernel_from_tree(req.tree, find_variant(recipe, recipe.tree_variant), default_lab_build_env(),
                            log);
  }
  std::string spec = req.spec.empty() ? "plain" : req.spec;
  bool is_path = spec.find('/') != std::string::npos || fs::exists(spec);
  if (!req.modules.empty() && !is_path)
    throw Error("--modules goes with a bzImage path, not with --kernel " + spec);
  if (!req.patch_texts.empty() && !is_variant(recipe, spec))
    throw Error("replaced patch texts go with a lab variant, not with --kernel " + spec);
  if (spec == "stock") return resolve_stock_kernel(recipe.stock, cache_dir(), log);
  if (is_variant(recipe, spec)) {
    const Variant& v = find_variant(recipe, spec);
    if (req.patch_texts.empty()) return build_lab_kernel(v, default_lab_build_env(), log);
    return build_lab_kernel(with_patch_texts(v, req.patch_texts, cache_dir() / "patch-texts"),
                            default_lab_build_env(), log);
  }
  if (is_path) return kernel_from_bzimage(spec, req.modules);
  std::string known;
  for (const Variant& v : recipe.variants) known += v.name + ", ";
  throw Error("unknown kernel '" + spec + "': expected " + known + "stock, or a path to a bzImage");
}

}  // namespace

Kernel resolve_kernel(const KernelRequest& request, const Log& log) {
  auto start = std::chrono::steady_clock::now();
  Kernel k = resolve(request, log);
  k.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return k;
}

Kernel build_variant(const std::string& variant, const Log& log) {
  auto start = std::chrono::steady_clock::now();
  Kernel k =
      build_lab_kernel(find_variant(load_kernel_recipe(source_dir()), variant), default_lab_build_env(), log);
  k.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return k;
}

}  // namespace famlab::kernel
