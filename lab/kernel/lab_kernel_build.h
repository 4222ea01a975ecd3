#pragma once
// Lab kernels (variants) built from Debian's linux-source-6.12 and cached
// by content: cache_dir()/kernels/<variant>-<key16>/ holds bzImage, config,
// release, System.map, provenance and build.log, and for the debug flavour
// ("famfs+debug") vmlinux: its symbols and line tables only, compressed. A
// hit runs no make at all.
#include <filesystem>
#include <functional>
#include <string>

#include "lab/kernel/kernel.h"
#include "lab/kernel/kernel_recipe.h"

namespace famlab::kernel {

// Everything outside the variant that a lab build depends on.
struct LabBuildEnv {
  std::filesystem::path script;     // kernel-config/build-kernel.sh
  std::filesystem::path source;     // /usr/src/linux-source-6.12.tar.xz
  std::string source_version;       // its Debian package version
  std::filesystem::path cache;      // cache_dir()
  std::function<bool()> cancelled;  // optional: polled during a build, true stops it (famlab mutate)
};

// The real environment: the checkout's script, the installed linux-source
// package (dpkg-query), cache_dir(). Errors if linux-source is missing.
LabBuildEnv default_lab_build_env();

// sha256 of the source version, each fragment and patch, and the script.
std::string lab_kernel_key(const Variant& variant, const LabBuildEnv& env);

// The cache entry directory for a variant under `env`.
std::filesystem::path lab_kernel_entry(const Variant& variant, const LabBuildEnv& env);

// Returns the cached kernel, or builds it: into a temp dir beside the entry,
// renamed into place only once complete and checked. A failed build is
// kept as <entry>.failed so its log survives; the error names it.
Kernel build_lab_kernel(const Variant& variant, const LabBuildEnv& env, const Log& log);

}  // namespace famlab::kernel
