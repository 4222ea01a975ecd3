#include "lab/image/initramfs.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "base/error.h"
#include "base/process.h"
#include "lab/common/cache_use.h"
#include "lab/common/hash.h"
#include "lab/common/paths.h"
#include "lab/image/cpio_writer.h"
#include "lab/image/guest_modules.h"
#include "lab/image/host_binaries.h"

namespace fs = std::filesystem;

namespace famlab::image {
namespace {

constexpr const char* kBusybox = "/bin/busybox";  // busybox-static
// kmod's own tools replace busybox's: busybox modprobe cannot read .ko.xz.
const std::set<std::string> kKmodLinks = {"modprobe", "insmod", "lsmod", "rmmod", "modinfo", "depmod"};

// Adds a host binary at `guest_path` and every library it loads at the
// library's host path (the loader searches those same paths in the guest).
void add_binary(CpioWriter& w, const std::string& guest_path, const fs::path& host, uint32_t mode = 0755) {
  if (!fs::is_regular_file(host)) throw Error(Location{host.string()}, "binary for the image not found");
  w.add_file(guest_path, host, mode);
  for (const fs::path& lib : shared_libraries(host))
    if (!w.contains(lib.string())) w.add_file(lib.string(), lib, 0755);
}

// Returns the command names the tools take, which busybox must not shadow.
std::set<std::string> add_tools(CpioWriter& w, const std::vector<fs::path>& tools,
                                const std::vector<std::string>& setuid) {
  std::set<std::string> names;
  for (const fs::path& tool : tools) {
    fs::path host = find_program(tool.string());
    std::string name = host.filename().string();
    names.insert(name);
    if (name == "kmod") {
      add_binary(w, "/sbin/kmod", host);
      for (const auto& link : kKmodLinks) {
        w.add_symlink("/sbin/" + link, "kmod");
        names.insert(link);
      }
    } else {
      bool suid = std::find(setuid.begin(), setuid.end(), name) != setuid.end();
      add_binary(w, "/usr/bin/" + name, host, suid ? 04755 : 0755);
    }
  }
  return names;
}

// Applets go in last, only for names no tool (or kmod link) took, in any
// directory: PATH order must not decide between busybox and the real tool.
void add_busybox(CpioWriter& w, const std::set<std::string>& taken) {
  add_binary(w, kBusybox, kBusybox);
  for (const std::string& applet : busybox_applets(kBusybox)) {
    if (applet == "bin/busybox" || w.contains(applet) || taken.count(fs::path(applet).filename().string()))
      continue;
    w.add_symlink(applet, kBusybox);
  }
}

void add_base(CpioWriter& w) {
  for (const char* dir : {"/dev", "/proc", "/sys", "/run", "/mnt", "/etc/famlab", "/home/famlab"})
    w.add_dir(dir);
  w.add_dir("/tmp", 01777);
  w.add_dir("/root", 0700);
  // Without /dev/console the kernel has no console to give init.
  w.add_char_device("/dev/console", 5, 1, 0600);
  w.add_bytes("/etc/passwd",
              "root:x:0:0:root:/root:/bin/sh\n"
              "famlab:x:1000:1000:famlab unprivileged user:/home/famlab:/bin/sh\n",
              0644);
  w.add_bytes("/etc/group", "root:x:0:\nfamlab:x:1000:\n", 0644);
  // Lets an unprivileged famfs server mount with allow_other, so root (the
  // agent) can check the files it serves.
  w.add_bytes("/etc/fuse.conf", "user_allow_other\n", 0644);
}

// The closure of the requested modules, for a kernel that has modules, and
// /etc/famlab/modules naming them in load order for the agent.
GuestModules plan_modules(CpioWriter& w, const ImageSpec& spec, const Log& log) {
  GuestModules m;
  if (spec.modules.empty()) return m;
  const kernel::Kernel* k = spec.kernel;
  if (!k || k->modules_root.empty()) {
    log("image: kernel " + (k ? k->name : std::string("(none)")) +
        " is monolithic; the module list is not needed and is left out");
    return m;
  }
  m = plan_guest_modules(k->modules_root, k->release, spec.modules);
  std::string list;
  for (const auto& n : spec.modules) list += n + "\n";
  w.add_bytes("/etc/famlab/modules", list, 0644);
  std::string builtin;
  for (const auto& b : m.builtin) builtin += (builtin.empty() ? "" : " ") + b;
  log("image: " + std::to_string(m.modules.size()) + " module file(s) for " +
      std::to_string(spec.modules.size()) + " requested" + (builtin.empty() ? "" : "; built in: " + builtin));
  return m;
}

}  // namespace

Image build_initramfs(const ImageSpec& spec, const Log& log) {
  CpioWriter w;
  add_base(w);
  add_binary(w, "/init", spec.agent);
  std::set<std::string> tool_names = add_tools(w, spec.tools, spec.setuid);
  for (const auto& [guest, host] : spec.payloads) {
    if (!fs::is_regular_file(host))
      throw Error(Location{host.string()}, "payload for " + guest + " not found");
    w.add_file(guest, host, static_cast<uint32_t>(fs::status(host).permissions()) & 0777);
  }
  GuestModules modules = plan_modules(w, spec, log);
  add_busybox(w, tool_names);

  Hasher h;
  h.add(kImageLayoutVersion);
  w.hash_into(h);
  hash_guest_modules(modules, h);
  Image img;
  img.hash = h.hex();
  fs::path dir = cache_dir() / "images";
  img.cpio = dir / (img.hash + ".cpio");
  img.in_use = hold_cache_entry(img.cpio);
  if (fs::is_regular_file(img.cpio)) {
    mark_used(img.cpio);
    img.cache_hit = true;
    img.bytes = fs::file_size(img.cpio);
    return img;
  }

  RunDir staging("famlab-image-");
  if (!modules.modules.empty() || !modules.indexes.empty()) add_guest_modules(w, modules, staging.path());
  fs::create_directories(dir);
  fs::path tmp = dir / (".tmp-" + img.hash + "-" + std::to_string(getpid()));
  try {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw Error(Location{tmp.string()}, "cannot create the image file");
    w.write(out);
    out.close();
    if (!out) throw Error(Location{tmp.string()}, "cannot write the image file (disk full?)");
    fs::rename(tmp, img.cpio);
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
  img.bytes = fs::file_size(img.cpio);
  log("image: wrote " + img.cpio.string() + " (" + std::to_string(w.size()) + " entries, " +
      std::to_string(img.bytes) + " bytes)");
  return img;
}

}  // namespace famlab::image
