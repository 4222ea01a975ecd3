#include "lab/kernel/lab_kernel_build.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "base/error.h"
#include "base/process.h"
#include "base/small_file.h"
#include "lab/common/cache_use.h"
#include "lab/common/file_lock.h"
#include "lab/common/hash.h"
#include "lab/common/paths.h"
#include "lab/kernel/build_script.h"
#include "lab/kernel/config_check.h"

namespace fs = std::filesystem;

namespace famlab::kernel {
namespace {

constexpr const char* kSourcePackage = "linux-source-6.12";
constexpr const char* kSourceTarball = "/usr/src/linux-source-6.12.tar.xz";

// A kernel with debug info keeps its vmlinux (line tables for the host's
// symbolizer): without it the entry is not complete.
bool needs_vmlinux(const fs::path& config) { return parse_config(config)["CONFIG_DEBUG_INFO"] == "y"; }

bool entry_complete(const fs::path& entry) {
  return fs::is_regular_file(entry / "bzImage") && fs::is_regular_file(entry / "config") &&
         !read_first_line(entry / "release").empty() &&
         (!needs_vmlinux(entry / "config") || fs::is_regular_file(entry / "vmlinux"));
}

Kernel kernel_from_entry(const Variant& variant, const fs::path& entry, bool hit,
                         std::shared_ptr<FileLock> in_use) {
  mark_used(entry);
  Kernel k;
  k.in_use = std::move(in_use);
  k.name = variant.name;
  k.image = entry / "bzImage";
  k.config = entry / "config";
  k.release = read_first_line(entry / "release");
  k.provenance = read_first_line(entry / "provenance");
  k.cache_hit = hit;
  return k;
}

std::string joined_names(const std::vector<std::string>& fragments) {
  std::string out;
  for (const auto& f : fragments) out += (out.empty() ? "" : ",") + fs::path(f).stem().string();
  return out;
}

// Keeps a failed build's directory (and log) under a name that never looks
// like a valid entry, replacing any earlier failure.
fs::path keep_failed(const fs::path& tmp, const fs::path& entry) {
  fs::path failed = entry.string() + ".failed";
  std::error_code ec;
  fs::remove_all(failed, ec);
  fs::rename(tmp, failed, ec);
  return ec ? tmp : failed;
}

void remove_stale_temps(const fs::path& dir, const std::string& prefix) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().rfind(prefix, 0) == 0) fs::remove_all(e.path(), ec);
}

// The inputs copied into `dir`. The build runs on these copies and the
// entry is keyed by them, so a fragment edited mid-build cannot end up in
// an entry keyed by its old content. The entry keeps them as a record.
struct Snapshot {
  Variant variant;
  LabBuildEnv env;
};

Snapshot snapshot_inputs(const Variant& variant, const LabBuildEnv& env, const fs::path& dir) {
  Snapshot snap{variant, env};
  fs::create_directories(dir / "patches");
  snap.variant.fragments.clear();
  snap.variant.patches.clear();
  for (const auto& f : variant.fragments) {
    fs::path to = dir / fs::path(f).filename();
    fs::copy_file(f, to, fs::copy_options::overwrite_existing);
    snap.variant.fragments.push_back(to.string());
  }
  for (const auto& p : variant.patches) {
    fs::path to = dir / "patches" / p.filename();
    fs::copy_file(p, to, fs::copy_options::overwrite_existing);
    snap.variant.patches.push_back(to);
  }
  snap.env.script = dir / env.script.filename();
  fs::copy_file(env.script, snap.env.script, fs::copy_options::overwrite_existing);
  return snap;
}

// What the fragments ask for, with errors naming the original files.
std::vector<RequestedOption> requested_options(const Variant& original, const Variant& snapshot) {
  std::vector<RequestedOption> out;
  for (size_t i = 0; i < snapshot.fragments.size(); ++i) {
    auto opts = parse_fragment(snapshot.fragments[i], original.fragments[i]);
    out.insert(out.end(), opts.begin(), opts.end());
  }
  return out;
}

}  // namespace

LabBuildEnv default_lab_build_env() {
  LabBuildEnv env;
  env.script = source_dir() / "kernel-config" / "build-kernel.sh";
  env.source = kSourceTarball;
  ProcessResult r = run_process({"dpkg-query", "-W", "-f=${Version}", kSourcePackage});
  if (r.exit_code != 0 || r.output.empty() || !fs::exists(env.source))
    throw Error(std::string(kSourcePackage) + " is not installed (" + env.source.string() +
                " missing); run scripts/install-deps.sh as root");
  env.source_version = r.output;
  env.cache = cache_dir();
  return env;
}

std::string lab_kernel_key(const Variant& variant, const LabBuildEnv& env) {
  Hasher h;
  h.add("famlab-lab-kernel-v1").add(env.source_version);
  for (const auto& f : variant.fragments) h.add(fs::path(f).filename().string()).add_file(f);
  for (const auto& p : variant.patches) h.add(p.filename().string()).add_file(p);
  h.add_file(env.script);
  return h.hex();
}

fs::path lab_kernel_entry(const Variant& variant, const LabBuildEnv& env) {
  return env.cache / "kernels" / (variant.name + "-" + lab_kernel_key(variant, env).substr(0, 16));
}

Kernel build_lab_kernel(const Variant& variant, const LabBuildEnv& env, const Log& log) {
  fs::path entry = lab_kernel_entry(variant, env);
  auto in_use = hold_cache_entry(entry);
  if (entry_complete(entry)) return kernel_from_entry(variant, entry, true, in_use);

  fs::path src_cache = env.cache / "kernel-src";
  fs::create_directories(src_cache);
  fs::create_directories(entry.parent_path());
  FileLock lock(
      src_cache / (variant.name + ".lock"),
      [&] { log("kernel " + variant.name + ": waiting for another famlab building it"); },
      FileLock::Mode::Exclusive, env.cancelled);
  if (entry_complete(entry)) return kernel_from_entry(variant, entry, true, in_use);  // built while we waited

  std::string tmp_prefix = ".tmp-" + entry.filename().string() + "-";
  remove_stale_temps(entry.parent_path(), tmp_prefix);  // from interrupted builds; we hold the lock
  fs::path tmp = entry.parent_path() / (tmp_prefix + std::to_string(getpid()));
  fs::create_directories(tmp);
  Snapshot snap = snapshot_inputs(variant, env, tmp / "inputs");
  if (fs::path now = lab_kernel_entry(snap.variant, snap.env); now != entry) {
    // An input changed since the hit check: build what is there now.
    log("kernel " + variant.name + ": inputs changed while starting; building " + now.filename().string());
    entry = now;
    in_use = hold_cache_entry(entry);
    if (entry_complete(entry)) {
      fs::remove_all(tmp);
      return kernel_from_entry(variant, entry, true, in_use);
    }
  }

  BuildScriptRun run;
  run.script = snap.env.script;
  run.source = env.source;
  run.src_cache = src_cache;
  run.work = src_cache / variant.name;
  run.out = tmp;
  run.ccache = env.cache / "ccache";
  run.fragments = snap.variant.fragments;
  run.patches = snap.variant.patches;
  run.log = tmp / "build.log";
  run.cancelled = env.cancelled;
  log("kernel " + variant.name + ": not cached, building (a few minutes; log: " + run.log.string() + ")");
  try {
    run_build_script(run);
    check_options_survived(requested_options(variant, snap.variant), tmp / "config");
    if (parse_config(tmp / "config")["CONFIG_MODULES"] == "y")
      throw Error("variant " + variant.name +
                  " enables CONFIG_MODULES; lab kernels are monolithic (no modules are installed)");
    if (read_first_line(tmp / "release").empty()) throw Error("build-kernel.sh wrote no kernel release");
    if (needs_vmlinux(tmp / "config") && !fs::is_regular_file(tmp / "vmlinux"))
      throw Error("build-kernel.sh kept no vmlinux for a kernel with CONFIG_DEBUG_INFO=y");
  } catch (const Error& e) {
    fs::path kept = keep_failed(tmp, entry);
    std::string msg = e.what();
    size_t at = 0;
    while ((at = msg.find(tmp.string(), at)) != std::string::npos) {
      msg.replace(at, tmp.string().size(), kept.string());
      at += kept.string().size();
    }
    throw Error("kernel " + variant.name + ": " + msg);
  }
  std::ostringstream prov;
  prov << "famlab " << variant.name << ": " << kSourcePackage << " " << env.source_version << " + "
       << joined_names(variant.fragments);
  if (!variant.patches.empty()) prov << " + " << variant.patches.size() << " patch(es)";
  prov << " [" << entry.filename().string() << "]";
  write_small_file(tmp / "provenance", prov.str() + "\n");
  fs::remove_all(entry);  // an incomplete leftover (someone deleted a file from it)
  fs::rename(tmp, entry);
  log("kernel " + variant.name + ": built " + read_first_line(entry / "release") + " -> " + entry.string());
  return kernel_from_entry(variant, entry, false, in_use);
}

}  // namespace famlab::kernel
