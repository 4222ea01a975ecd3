#pragma once
// The default contents of a guest image, as data (images/initramfs.toml),
// so a user can see what goes into a guest without reading C++.
#include <filesystem>
#include <string>
#include <vector>

#include "lab/image/initramfs.h"
#include "lab/kernel/kernel.h"

namespace famlab::image {

struct ImageRecipe {
  std::vector<std::string> tools;    // program names, found through PATH
  std::vector<std::string> modules;  // for modular kernels, in load order
  std::vector<std::string> setuid;   // tools installed setuid root (fusermount3)
};

// Reads <root>/images/initramfs.toml; errors name the file and line.
ImageRecipe load_image_recipe(const std::filesystem::path& root);

// The spec for a guest running `kernel`: the recipe's tools (resolved on
// PATH) and, if the kernel has modules, the recipe's module list. The
// caller sets `agent` (and any payloads). `kernel` must outlive the spec.
ImageSpec image_spec_from_recipe(const ImageRecipe& recipe, const kernel::Kernel& kernel);

}  // namespace famlab::image
