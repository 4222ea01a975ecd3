#include "lab/image/image_recipe.h"

#ifndef TOML_HEADER_ONLY
#define TOML_HEADER_ONLY 0  // the compiled libtomlplusplus
#endif
#include <toml++/toml.h>

#include "base/error.h"
#include "base/process.h"
#include "lab/common/paths.h"

namespace fs = std::filesystem;

namespace famlab::image {
namespace {

std::vector<std::string> string_list(const toml::table& doc, const char* key, const fs::path& file) {
  const toml::node* node = doc.get(key);
  if (!node) throw Error(Location{file.string()}, std::string("missing '") + key + "' list");
  const toml::array* arr = node->as_array();
  auto where = [&](const toml::node& n) {
    return Location{file.string(), static_cast<int>(n.source().begin.line),
                    static_cast<int>(n.source().begin.column)};
  };
  if (!arr) throw Error(where(*node), std::string("'") + key + "' must be a list of strings");
  std::vector<std::string> out;
  for (const toml::node& n : *arr) {
    auto s = n.value<std::string>();
    if (!s || s->empty())
      throw Error(where(n), std::string("'") + key + "' entries must be non-empty strings");
    out.push_back(*s);
  }
  return out;
}

}  // namespace

ImageRecipe load_image_recipe(const fs::path& root) {
  fs::path file = root / "images" / "initramfs.toml";
  toml::table doc;
  try {
    doc = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw Error(Location{file.string(), static_cast<int>(e.source().begin.line),
                         static_cast<int>(e.source().begin.column)},
                std::string(e.description()));
  }
  ImageRecipe r;
  r.tools = string_list(doc, "tools", file);
  r.modules = string_list(doc, "modules", file);
  if (doc.contains("setuid")) r.setuid = string_list(doc, "setuid", file);
  return r;
}

ImageSpec image_spec_from_recipe(const ImageRecipe& recipe, const kernel::Kernel& kernel) {
  ImageSpec spec;
  for (const auto& t : recipe.tools) spec.tools.push_back(find_program(t));
  spec.setuid = recipe.setuid;
  spec.kernel = &kernel;
  if (!kernel.modules_root.empty()) spec.modules = recipe.modules;
  return spec;
}

ImageSpec default_image_spec(const kernel::Kernel& kernel) {
  return image_spec_from_recipe(load_image_recipe(source_dir()), kernel);
}

}  // namespace famlab::image
