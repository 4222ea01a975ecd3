#include "lab/image/guest_modules.h"

#include <fstream>
#include <map>
#include <sstream>

#include "base/error.h"
#include "base/process.h"
#include "lab/image/module_closure.h"

namespace fs = std::filesystem;

namespace famlab::image {
namespace {

// Compressed module suffix -> the tool that writes it decompressed to stdout.
const std::map<std::string, std::string> kDecompressors = {{".xz", "xz"}, {".zst", "zstd"}, {".gz", "gzip"}};

void stage_file(const fs::path& from, const fs::path& to_dir, const std::string& rel,
                const fs::path& staging) {
  fs::path to = to_dir / rel;
  fs::create_directories(to.parent_path());
  auto tool = kDecompressors.find(fs::path(rel).extension().string());
  if (tool == kDecompressors.end() || fs::path(rel).stem().extension() != ".ko") {
    fs::copy_file(from, to);
    return;
  }
  fs::path ko = to;
  ko.replace_extension();  // cxl_acpi.ko.xz -> cxl_acpi.ko
  ProcessOptions opts;
  opts.stdout_file = ko;
  opts.stderr_file = staging / "decompress.err";
  fs::remove(*opts.stderr_file);  // Boost.Process does not truncate it
  ProcessResult r = run_process({tool->second, "-dc", from.string()}, opts);
  if (r.exit_code != 0) {
    std::ifstream err(staging / "decompress.err");
    std::stringstream ss;
    ss << err.rdbuf();
    throw Error(Location{from.string()}, "cannot decompress module (" + tool->second + " exit " +
                                             std::to_string(r.exit_code) + "): " + ss.str());
  }
}

void add_tree(CpioWriter& w, const fs::path& host_dir, const std::string& guest_dir) {
  for (const auto& e : fs::recursive_directory_iterator(host_dir)) {
    std::string guest = guest_dir + "/" + e.path().lexically_relative(host_dir).string();
    if (e.is_directory())
      w.add_dir(guest);
    else if (e.is_regular_file())
      w.add_file(guest, e.path(), 0644);
  }
}

}  // namespace

GuestModules plan_guest_modules(const fs::path& modules_root, const std::string& release,
                                const std::vector<std::string>& names) {
  GuestModules m;
  m.release = release;
  m.dir = modules_root / "lib" / "modules" / release;
  ModuleClosure c = module_closure(m.dir, names);
  m.modules = c.files;
  m.builtin = c.builtin;
  // depmod's inputs besides the modules: built-in names (so modprobe of a
  // built-in module succeeds) and load order.
  for (const char* index : {"modules.builtin", "modules.builtin.modinfo", "modules.order"})
    if (fs::is_regular_file(m.dir / index)) m.indexes.push_back(index);
  return m;
}

void hash_guest_modules(const GuestModules& m, Hasher& h) {
  h.add(m.release);
  for (const auto& list : {m.modules, m.indexes})
    for (const auto& rel : list) h.add(rel).add_file(m.dir / rel);
}

void add_guest_modules(CpioWriter& w, const GuestModules& m, const fs::path& staging) {
  fs::path dir = staging / "lib" / "modules" / m.release;
  fs::create_directories(dir);
  for (const auto& list : {m.modules, m.indexes})
    for (const auto& rel : list) stage_file(m.dir / rel, dir, rel, staging);
  fs::remove(staging / "decompress.err");
  run_checked({"depmod", "-b", staging.string(), m.release},
              "depmod for the image's modules (" + m.release + ")");
  add_tree(w, dir, "/lib/modules/" + m.release);
}

}  // namespace famlab::image
