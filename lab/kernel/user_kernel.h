#pragma once
// Kernels the user brings: a bzImage as is (with an optional modules tree),
// or a source tree we build out-of-tree with a lab variant's fragments.
#include <filesystem>

#include "lab/kernel/kernel.h"
#include "lab/kernel/kernel_recipe.h"
#include "lab/kernel/lab_kernel_build.h"

namespace famlab::kernel {

// `modules`, if given, must contain lib/modules/<release>. The release
// comes from the bzImage header, else from the modules tree; when both
// exist they must agree.
Kernel kernel_from_bzimage(const std::filesystem::path& image, const std::filesystem::path& modules);

// Builds `tree` with O= cache_dir()/kernel-src/tree-<hash of its path>/build,
// incrementally: make decides what is stale, so this always runs make.
Kernel kernel_from_tree(const std::filesystem::path& tree, const Variant& fragments_from,
                        const LabBuildEnv& env, const Log& log);

}  // namespace famlab::kernel
