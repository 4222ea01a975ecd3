#include "lab/kernel/kernel_recipe.h"

#ifndef TOML_HEADER_ONLY
#define TOML_HEADER_ONLY 0  // the compiled libtomlplusplus
#endif
#include <toml++/toml.h>

#include <algorithm>
#include <fstream>

#include "base/error.h"
#include "lab/common/kernel_flavour.h"
#include "base/small_file.h"
#include "lab/common/hash.h"

namespace fs = std::filesystem;

namespace famlab::kernel {
namespace {

Location where(const fs::path& file, const toml::node& node) {
  const auto& src = node.source();
  return Location{file.string(), static_cast<int>(src.begin.line), static_cast<int>(src.begin.column)};
}

std::string need_string(const toml::table& t, const char* key, const fs::path& file) {
  const toml::node* n = t.get(key);
  if (!n) throw Error(where(file, t), std::string("missing key '") + key + "'");
  auto v = n->value<std::string>();
  if (!v) throw Error(where(file, *n), std::string("'") + key + "' must be a string");
  return *v;
}

// kernel-config/patches/<variant>/series: one patch file name per line, in
// the order they apply. A patch directory without a series file is an
// error rather than a guess at the order.
std::vector<fs::path> read_series(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  fs::path series = dir / "series";
  std::ifstream in(series);
  if (!in)
    throw Error(Location{series.string()}, "patch directory has no series file listing the patch order");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    size_t e = line.find_last_not_of(" \t\r");
    fs::path patch = dir / line.substr(b, e - b + 1);
    if (!fs::is_regular_file(patch))
      throw Error(Location{series.string(), n}, "no such patch: " + patch.string());
    out.push_back(patch);
  }
  return out;
}

std::vector<std::string> read_fragment_list(const toml::table& t, const char* key, const fs::path& file,
                                            const fs::path& config_dir) {
  std::vector<std::string> out;
  const toml::node* n = t.get(key);
  if (!n) return out;
  const toml::array* list = n->as_array();
  if (!list) throw Error(where(file, *n), std::string("'") + key + "' must be a list of fragment names");
  for (const toml::node& f : *list) {
    auto s = f.value<std::string>();
    if (!s) throw Error(where(file, f), "fragment names must be strings");
    fs::path frag = config_dir / (*s + ".config");
    if (!fs::is_regular_file(frag)) throw Error(where(file, f), "no such fragment: " + frag.string());
    out.push_back(frag.string());
  }
  return out;
}

Flavour read_debug(const toml::table& t, const fs::path& file, const fs::path& config_dir) {
  Flavour f;
  f.fragments = read_fragment_list(t, "fragments", file, config_dir);
  if (f.fragments.empty()) throw Error(where(file, t), "[debug] needs a non-empty 'fragments' list");
  f.lab_fragments = read_fragment_list(t, "lab_fragments", file, config_dir);
  f.patches = read_series(config_dir / "patches" / std::string(kDebugFlavour));
  return f;
}

Variant read_variant(const std::string& name, const toml::node& node, const fs::path& file,
                     const fs::path& config_dir) {
  const toml::table* t = node.as_table();
  if (!t) throw Error(where(file, node), "variant '" + name + "' must be a table");
  // These would be ambiguous with --kernel stock and --kernel PATH.
  if (name == "stock" || name == kDebugFlavour || name.find('/') != std::string::npos ||
      name.find('.') != std::string::npos || name.find('+') != std::string::npos)
    throw Error(where(file, node),
                "variant name '" + name + "' is reserved or looks like a path or a flavour");
  Variant v;
  v.name = name;
  v.fragments = read_fragment_list(*t, "fragments", file, config_dir);
  if (v.fragments.empty())
    throw Error(where(file, node), "variant '" + name + "' needs a non-empty 'fragments' list");
  v.patches = read_series(config_dir / "patches" / name);
  return v;
}

}  // namespace

KernelRecipe load_kernel_recipe(const fs::path& root) {
  fs::path file = root / "images" / "kernels.toml";
  toml::table doc;
  try {
    doc = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    Location loc{file.string(), static_cast<int>(e.source().begin.line),
                 static_cast<int>(e.source().begin.column)};
    throw Error(loc, std::string(e.description()));
  }
  KernelRecipe r;
  const toml::table* variants = doc.get_as<toml::table>("variants");
  if (!variants || variants->empty()) throw Error(Location{file.string()}, "no [variants.NAME] tables");
  for (const auto& [key, node] : *variants)
    r.variants.push_back(read_variant(std::string(key.str()), node, file, root / "kernel-config"));

  if (const toml::table* tree = doc.get_as<toml::table>("tree"))
    r.tree_variant = need_string(*tree, "variant", file);
  find_variant(r, r.tree_variant);  // must name a real variant

  if (const toml::table* debug = doc.get_as<toml::table>(kDebugFlavour))
    r.debug = read_debug(*debug, file, root / "kernel-config");

  if (const toml::table* stock = doc.get_as<toml::table>("stock")) {
    r.stock.metapackage = need_string(*stock, "metapackage", file);
    r.stock.release = need_string(*stock, "release", file);
  }
  return r;
}

std::vector<std::string> kernel_names(const KernelRecipe& recipe) {
  std::vector<std::string> names;
  for (const Variant& v : recipe.variants) names.push_back(v.name);
  names.push_back("stock");
  return names;
}

const Variant& find_variant(const KernelRecipe& recipe, const std::string& name) {
  std::string known;
  for (const Variant& v : recipe.variants) {
    if (v.name == name) return v;
    known += (known.empty() ? "" : ", ") + v.name;
  }
  throw Error("unknown kernel variant '" + name + "' (known: " + known + ")");
}

Variant debug_variant(const KernelRecipe& recipe, const Variant& base, bool tree) {
  if (!recipe.debug) throw Error("images/kernels.toml has no [debug] table: no debug flavour to build");
  const Flavour& d = *recipe.debug;
  Variant v = base;
  v.name = debug_kernel_name(base.name);
  v.fragments.insert(v.fragments.end(), d.fragments.begin(), d.fragments.end());
  if (tree) {
    v.patches.clear();
    return v;
  }
  v.fragments.insert(v.fragments.end(), d.lab_fragments.begin(), d.lab_fragments.end());
  v.patches.insert(v.patches.end(), d.patches.begin(), d.patches.end());
  return v;
}

Variant with_patch_texts(const Variant& variant, const std::map<fs::path, std::string>& texts,
                         const fs::path& dir) {
  Variant out = variant;
  out.name = variant.name + "+patched";
  for (const auto& [patch, text] : texts) {
    auto it = std::find_if(out.patches.begin(), out.patches.end(), [&](const fs::path& p) {
      return p.lexically_normal() == patch.lexically_normal();
    });
    if (it == out.patches.end())
      throw Error("variant " + variant.name + " has no patch " + patch.string() + " in its series");
    fs::path file = dir / sha256_hex(text).substr(0, 16) / patch.filename();
    // Content-addressed: an existing file already holds exactly this text.
    if (!fs::is_regular_file(file)) {
      fs::create_directories(file.parent_path());
      replace_file_atomically(file, text);
    }
    *it = file;
  }
  return out;
}

}  // namespace famlab::kernel
