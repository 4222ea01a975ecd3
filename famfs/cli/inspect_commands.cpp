#include "famfs/cli/inspect_commands.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/units.h"
#include "famfs/format/device.h"
#include "famfs/format/file_map_json.h"
#include "famfs/format/filesystem.h"
#include "famfs/format/fsck.h"

namespace famlab::famfs::cli {
namespace {

std::string mode_text(const format::Node& n) {
  static const char* bits = "rwxrwxrwx";
  std::string s(1, n.is_dir ? 'd' : '-');
  for (int i = 0; i < 9; ++i) s += (n.mode >> (8 - i)) & 1 ? bits[i] : '-';
  return s;
}

void print_entry(const format::Node& n, const std::string& name, std::ostream& out) {
  char line[128];
  std::snprintf(line, sizeof(line), "%s %5u %5u %12llu ", mode_text(n).c_str(), n.uid, n.gid,
                static_cast<unsigned long long>(n.is_dir ? 0 : n.size));
  out << line << name << (n.is_dir ? "/" : "") << "\n";
}

void list_dir(const format::Tree& tree, const format::Node& dir, const std::string& prefix, bool recursive,
              std::ostream& out) {
  for (const auto& [name, ino] : dir.children) {
    const format::Node* child = tree.node(ino);
    print_entry(*child, prefix + name, out);
    if (recursive && child->is_dir) list_dir(tree, *child, prefix + name + "/", true, out);
  }
}

const format::Node& must_find(const format::Filesystem& fs, const std::string& device,
                              const std::string& path) {
  const format::Node* n = fs.tree().find(path);
  if (!n) throw Error(device + ": " + path + ": no such file or directory");
  return *n;
}

}  // namespace

void ls_command(const std::string& device, const std::string& path, bool recursive, std::ostream& out) {
  auto dev = format::Device::open(device, false);
  format::Filesystem fs(*dev);
  const format::Node& n = must_find(fs, device, path);
  if (!n.is_dir) {
    print_entry(n, path, out);
    return;
  }
  std::string prefix = recursive && n.ino != format::kRootIno ? path + "/" : "";
  if (!prefix.empty() && prefix.front() == '/') prefix.erase(0, 1);
  list_dir(fs.tree(), n, prefix, recursive, out);
}

void getmap_command(const std::string& device, const std::string& path, bool json, std::ostream& out) {
  auto dev = format::Device::open(device, false);
  format::Filesystem fs(*dev);
  const format::Node& n = must_find(fs, device, path);
  if (n.is_dir) throw Error(device + ": " + path + ": is a directory, it has no map");
  if (!json) {
    out << path << ": " << n.size << " bytes, " << format::describe(n.map) << "\n";
    return;
  }
  nlohmann::json j = format::file_map_to_json(n.map);
  j["path"] = path;
  j["size"] = n.size;
  out << j.dump() << "\n";
}

int fsck_command(const std::string& device, bool json, std::ostream& out) {
  auto dev = format::Device::open(device, false);
  format::FsckReport r = format::fsck(*dev);
  int status = !r.clean() ? kFsckDamaged : r.torn_tail ? kFsckTornTail : kFsckClean;
  if (json) {
    nlohmann::json j{{"device", device},
                     {"clean", r.clean()},
                     {"torn_tail", r.torn_tail ? nlohmann::json(*r.torn_tail) : nlohmann::json(nullptr)},
                     {"errors", r.errors},
                     {"warnings", r.warnings},
                     {"format_version", r.format_version},
                     {"master_id", r.master_id},
                     {"entries", r.entries},
                     {"files", r.files},
                     {"directories", r.dirs},
                     {"log_used", r.log_used},
                     {"log_size", r.log_size},
                     {"data_bytes", r.data_bytes},
                     {"free_bytes", r.free_bytes}};
    out << j.dump() << "\n";
  } else {
    for (const auto& e : r.errors) out << "error: " << e << "\n";
    for (const auto& w : r.warnings) out << "warning: " << w << "\n";
    if (r.log_size) {
      const char* verdict = !r.clean() ? "DAMAGED" : r.torn_tail ? "torn tail" : "clean";
      out << device << ": " << verdict << ", " << r.files << " files, " << r.dirs << " directories, log "
          << r.log_used << " of " << r.log_size << " bytes (" << r.entries << " entries), data "
          << format_size(r.data_bytes - r.free_bytes) << " used of " << format_size(r.data_bytes)
          << ", format " << r.format_version << ", master " << (r.master_id.empty() ? "none" : r.master_id)
          << "\n";
    } else {
      out << device << ": DAMAGED\n";
    }
  }
  return status;
}

}  // namespace famlab::famfs::cli
