#include "lab/kernel/user_kernel.h"

#include <fstream>

#include "base/error.h"
#include "lab/common/cache_use.h"
#include "lab/common/file_lock.h"
#include "lab/common/hash.h"
#include "lab/common/kernel_flavour.h"
#include "lab/kernel/build_script.h"
#include "lab/kernel/bzimage_release.h"
#include "lab/kernel/config_check.h"

namespace fs = std::filesystem;

namespace famlab::kernel {
namespace {

// Every release directory under <modules>/lib/modules.
std::vector<std::string> module_releases(const fs::path& modules) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(modules / "lib" / "modules", ec))
    if (e.is_directory()) out.push_back(e.path().filename().string());
  return out;
}

}  // namespace

Kernel kernel_from_bzimage(const fs::path& image, const fs::path& modules) {
  if (!fs::is_regular_file(image)) throw Error(Location{image.string()}, "kernel image not found");
  Kernel k;
  k.name = image.string();
  k.image = fs::absolute(image);
  std::optional<std::string> release = read_bzimage_release(image);
  if (!modules.empty()) {
    if (!fs::is_directory(modules / "lib" / "modules"))
      throw Error(Location{modules.string()}, "--modules must contain lib/modules/<release>");
    if (release) {
      if (!fs::is_directory(modules / "lib" / "modules" / *release))
        throw Error(Location{modules.string()}, "no lib/modules/" + *release + " for kernel " +
                                                    image.string() + " (its header says release " + *release +
                                                    ")");
    } else {
      auto found = module_releases(modules);
      if (found.size() != 1)
        throw Error(Location{image.string()}, "cannot read the release from the bzImage header and " +
                                                  modules.string() + "/lib/modules holds " +
                                                  std::to_string(found.size()) + " releases");
      release = found[0];
    }
    k.modules_root = fs::absolute(modules);
  }
  if (!release)
    throw Error(Location{image.string()}, "not a bzImage (no x86 setup header with a version string)");
  k.release = *release;
  k.provenance = "user kernel " + k.image.string() + " (" + k.release + ")" +
                 (modules.empty() ? "" : ", modules from " + k.modules_root.string());
  return k;
}

Kernel kernel_from_tree(const fs::path& tree, const Variant& fragments_from, const LabBuildEnv& env,
                        const Log& log) {
  if (!fs::is_regular_file(tree / "Makefile") || !fs::is_directory(tree / "scripts" / "kconfig"))
    throw Error(Location{tree.string()},
                "--kernel-tree is not a Linux source tree (no Makefile/scripts/kconfig)");
  fs::path abs = fs::canonical(tree);
  // The debug flavour has its own object tree: sharing one would rebuild
  // everything at every switch.
  bool debug = split_kernel_name(fragments_from.name).debug;
  fs::path work =
      env.cache / "kernel-src" / ("tree-" + sha256_hex(abs.string()).substr(0, 16) + (debug ? "+debug" : ""));
  fs::create_directories(work);
  // The run reads out/ long after the build lock is gone.
  auto in_use = hold_cache_entry(work);
  FileLock lock(work.string() + ".lock",
                [&] { log("kernel tree " + abs.string() + ": waiting for another build"); });

  BuildScriptRun run;
  run.script = env.script;
  run.source = abs;
  run.src_cache = env.cache / "kernel-src";
  run.work = work;
  run.out = work / "out";
  run.ccache = env.cache / "ccache";
  run.fragments = fragments_from.fragments;
  run.log = work / "build.log";
  log("kernel tree " + abs.string() + ": make (incremental; log: " + run.log.string() + ")");
  run_build_script(run);
  check_fragments_survived(std::vector<fs::path>(run.fragments.begin(), run.fragments.end()),
                           run.out / "config");

  Kernel k;
  k.in_use = in_use;
  k.name = debug ? debug_kernel_name(abs.string()) : abs.string();
  k.image = run.out / "bzImage";
  k.config = run.out / "config";
  std::ifstream rel(run.out / "release");
  std::getline(rel, k.release);
  if (k.release.empty())
    throw Error(Location{(run.out / "release").string()}, "build wrote no kernel release");
  k.provenance = "user tree " + abs.string() + " (" + k.release + ") + " + fragments_from.name + " fragments";
  return k;
}

}  // namespace famlab::kernel
