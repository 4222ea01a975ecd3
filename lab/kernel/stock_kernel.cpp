#include "lab/kernel/stock_kernel.h"

#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "base/error.h"
#include "base/process.h"
#include "base/small_file.h"
#include "lab/common/cache_use.h"
#include "lab/common/file_lock.h"

namespace fs = std::filesystem;

namespace famlab::kernel {
namespace {

bool entry_complete(const fs::path& entry) {
  std::string release = read_first_line(entry / "release");
  return !release.empty() && fs::is_regular_file(entry / "boot" / ("vmlinuz-" + release)) &&
         fs::is_regular_file(entry / "lib" / "modules" / release / "modules.dep");
}

Kernel kernel_from_entry(const fs::path& entry, bool hit, std::shared_ptr<FileLock> in_use) {
  mark_used(entry);
  Kernel k;
  k.in_use = std::move(in_use);
  k.name = "stock";
  k.release = read_first_line(entry / "release");
  k.image = entry / "boot" / ("vmlinuz-" + k.release);
  fs::path config = entry / "boot" / ("config-" + k.release);
  if (fs::is_regular_file(config)) k.config = config;
  k.modules_root = entry;
  k.provenance = read_first_line(entry / "provenance");
  k.cache_hit = hit;
  return k;
}

StockPackage lookup_package(const StockSource& source) {
  std::string spec = source.metapackage + "/" + source.release;
  ProcessResult r = run_process({"apt-cache", "show", spec});
  if (r.exit_code != 0 || r.output.find("Package:") == std::string::npos)
    throw Error("stock kernel: apt knows no " + spec + "; add " + source.release +
                " to the apt sources (scripts/install-deps.sh does) and run apt-get update\n" + r.output);
  return parse_metapackage_depends(r.output, source.metapackage);
}

void fetch_into(const StockPackage& pkg, const fs::path& tmp, const fs::path& entry,
                const std::string& provenance, const Log& log);

// apt-get download works as any user; dpkg-deb -x needs no root either.
void download_and_unpack(const StockPackage& pkg, const fs::path& stock, const fs::path& entry,
                         const std::string& provenance, const Log& log) {
  fs::path tmp = stock / (".tmp-" + entry.filename().string() + "-" + std::to_string(getpid()));
  fs::remove_all(tmp);
  fs::create_directories(tmp / "root");
  try {
    fetch_into(pkg, tmp, entry, provenance, log);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);  // a 100 MB .deb is not worth keeping
    throw;
  }
  fs::remove_all(tmp);
}

void fetch_into(const StockPackage& pkg, const fs::path& tmp, const fs::path& entry,
                const std::string& provenance, const Log& log) {
  log("stock kernel: apt-get download " + pkg.name + "=" + pkg.version);
  // apt-get starts its download methods, dpkg-deb its tar: grandchildren,
  // which die with famlab only inside a PID namespace of their own.
  ProcessOptions in_tmp;
  in_tmp.cwd = tmp;
  in_tmp.own_pid_namespace = true;
  run_checked({"apt-get", "download", "-q", pkg.name + "=" + pkg.version}, "apt-get download " + pkg.name,
              in_tmp);
  fs::path deb;
  for (const auto& e : fs::directory_iterator(tmp))
    if (e.path().extension() == ".deb") deb = e.path();
  if (deb.empty()) throw Error("stock kernel: apt-get download left no .deb in " + tmp.string());
  ProcessOptions contained;
  contained.own_pid_namespace = true;
  run_checked({"dpkg-deb", "-x", deb.string(), (tmp / "root").string()}, "dpkg-deb -x " + deb.string(),
              contained);

  std::vector<std::string> releases;
  for (const auto& e : fs::directory_iterator(tmp / "root" / "lib" / "modules"))
    if (e.is_directory()) releases.push_back(e.path().filename().string());
  if (releases.size() != 1)
    throw Error("stock kernel: " + deb.filename().string() + " holds " + std::to_string(releases.size()) +
                " module trees, expected 1");
  const std::string& release = releases[0];
  // The .deb ships no modules.dep; the guest's modprobe and libkmod need it.
  run_checked({"depmod", "-b", (tmp / "root").string(), release}, "depmod for " + release);
  replace_file_atomically(tmp / "root" / "release", release + "\n");
  replace_file_atomically(tmp / "root" / "provenance", provenance + "\n");
  fs::remove_all(entry);
  fs::rename(tmp / "root", entry);
}

}  // namespace

StockPackage parse_metapackage_depends(const std::string& apt_cache_show, const std::string& metapackage) {
  // "Depends: linux-image-6.12.95+deb12-amd64 (= 6.12.95-1~bpo12+1)" in the
  // first record; apt-cache show prints the candidate for the release first.
  static const std::regex dep(R"(^Depends:\s*(linux-image-[^\s,(]+)\s*\(\s*=\s*([^\s)]+)\s*\))");
  std::istringstream in(apt_cache_show);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) break;  // end of the first record
    std::smatch m;
    if (std::regex_search(line, m, dep)) return {m[1], m[2]};
  }
  throw Error("stock kernel: " + metapackage + " does not depend on an exact linux-image-* version");
}

Kernel resolve_stock_kernel(const StockSource& source, const fs::path& cache, const Log& log) {
  fs::path stock = cache / "stock";
  fs::path current = stock / "current";
  if (std::string name = read_first_line(current); !name.empty()) {
    auto in_use = hold_cache_entry(stock / name);
    if (entry_complete(stock / name)) return kernel_from_entry(stock / name, true, in_use);
  }

  fs::create_directories(stock);
  FileLock lock(stock / ".lock", [&] { log("stock kernel: waiting for another famlab fetching it"); });
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(stock, ec))  // left by an interrupted fetch; we hold the lock
    if (e.path().filename().string().rfind(".tmp-", 0) == 0) fs::remove_all(e.path(), ec);
  StockPackage pkg = lookup_package(source);
  std::string entry_name = pkg.name + "_" + pkg.version;
  fs::path entry = stock / entry_name;
  auto in_use = hold_cache_entry(entry);
  bool hit = entry_complete(entry);
  if (!hit) {
    std::string provenance = "Debian " + pkg.name + " " + pkg.version + " (" + source.metapackage + " from " +
                             source.release + ")";
    download_and_unpack(pkg, stock, entry, provenance, log);
    if (!entry_complete(entry))
      throw Error("stock kernel: " + entry.string() + " is incomplete after unpacking");
  }
  replace_file_atomically(current, entry_name + "\n");
  return kernel_from_entry(entry, hit, in_use);
}

fs::path fetch_stock_debug_symbols(const StockSource& source, const fs::path& cache, const Log& log) {
  Kernel k = resolve_stock_kernel(source, cache, log);
  fs::path target = k.modules_root / "usr" / "lib" / "debug" / "boot" / ("vmlinux-" + k.release);
  if (fs::is_regular_file(target)) return target;
  fs::path stock = cache / "stock";
  FileLock lock(stock / ".lock", [&] { log("stock kernel: waiting for another famlab fetching it"); });
  if (fs::is_regular_file(target)) return target;

  // The entry is named <package>_<version>: the symbols must be that version.
  std::string entry = k.modules_root.filename().string();
  std::string version = entry.substr(entry.rfind('_') + 1);
  std::string dbg = "linux-image-" + k.release + "-dbg";
  fs::path tmp = stock / (".tmp-dbg-" + std::to_string(getpid()));
  fs::path partial = target.string() + ".tmp";
  fs::remove_all(tmp);
  fs::create_directories(tmp / "root");
  try {
    log("stock kernel: apt-get download " + dbg + "=" + version + " (about 1 GB)");
    ProcessOptions in_tmp;
    in_tmp.cwd = tmp;
    ProcessResult r = run_process({"apt-get", "download", "-q", dbg + "=" + version}, in_tmp);
    if (r.exit_code != 0)
      throw Error("stock kernel: Debian's debug symbols " + dbg + "=" + version +
                  " cannot be downloaded (not in the apt sources at that version?)\n" + r.output);
    fs::path deb;
    for (const auto& e : fs::directory_iterator(tmp))
      if (e.path().extension() == ".deb") deb = e.path();
    if (deb.empty()) throw Error("stock kernel: apt-get download left no .deb in " + tmp.string());
    // Only the vmlinux: the package also holds every module's symbols (GBs).
    std::string member = "./usr/lib/debug/boot/vmlinux-" + k.release;
    run_checked({"sh", "-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -x -C \"$2\" \"$3\"", "sh", deb.string(),
                 (tmp / "root").string(), member},
                "unpacking " + member + " from " + deb.filename().string());
    fs::remove(deb);
    fs::create_directories(target.parent_path());
    run_checked({"objcopy", "--only-keep-debug", "--remove-section=.notes", "--compress-debug-sections=zstd",
                 (tmp / "root" / member).string(), partial.string()},
                "objcopy --only-keep-debug " + member);
    fs::rename(partial, target);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    fs::remove(partial, ec);
    throw;
  }
  fs::remove_all(tmp);
  log("stock kernel: debug symbols " + target.string());
  return target;
}

}  // namespace famlab::kernel
