#include "lab/image/module_closure.h"

#include <libkmod.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <set>

#include "base/error.h"

namespace fs = std::filesystem;

namespace famlab::image {
namespace {

// libkmod prints its complaints to stderr; keep them for our error instead.
void capture_log(void* data, int, const char*, int, const char*, const char* format, va_list args) {
  char buf[512];
  std::vsnprintf(buf, sizeof buf, format, args);
  *static_cast<std::string*>(data) += buf;
}

class Resolver {
 public:
  explicit Resolver(const fs::path& dir) : dir_(dir) {
    const char* no_config[] = {nullptr};  // not the host's /etc/modprobe.d
    ctx_ = kmod_new(dir.c_str(), no_config);
    if (!ctx_) throw Error(Location{dir.string()}, "libkmod cannot open this modules directory");
    kmod_set_log_fn(ctx_, capture_log, &kmod_log_);
  }
  ~Resolver() { kmod_unref(ctx_); }
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  void request(const std::string& name) {
    kmod_list* list = nullptr;
    int err = kmod_module_new_from_lookup(ctx_, name.c_str(), &list);
    if (err < 0)
      throw Error(Location{dir_.string()},
                  "module lookup of '" + name + "' failed: " + strerror(-err) + kmod_log_);
    if (!list)
      throw Error(Location{dir_.string()},
                  "no kernel module '" + name + "' (neither a module nor built in for this kernel)");
    kmod_list* it;
    kmod_list_foreach(it, list) {
      kmod_module* mod = kmod_module_get_module(it);
      // A lookup result without a file is one modules.builtin names.
      if (!kmod_module_get_path(mod) &&
          std::find(out_.builtin.begin(), out_.builtin.end(), name) == out_.builtin.end())
        out_.builtin.push_back(name);
      add(mod);
      kmod_module_unref(mod);
    }
    kmod_module_unref_list(list);
  }

  ModuleClosure result() {
    out_.files.assign(files_.begin(), files_.end());
    return out_;
  }

 private:
  void add(kmod_module* mod) {
    std::string name = kmod_module_get_name(mod);
    if (!seen_.insert(name).second) return;
    const char* path = kmod_module_get_path(mod);
    if (!path) return;  // built in, or an absent soft dependency: nothing to copy
    fs::path rel = fs::path(path).lexically_relative(dir_);
    if (rel.empty() || *rel.begin() == "..")
      throw Error(Location{dir_.string()}, "module " + name + " lives outside the modules dir: " + path);
    files_.insert(rel.string());

    kmod_list* deps = kmod_module_get_dependencies(mod);
    kmod_list* it;
    kmod_list_foreach(it, deps) {
      kmod_module* dep = kmod_module_get_module(it);
      add(dep);
      kmod_module_unref(dep);
    }
    kmod_module_unref_list(deps);

    kmod_list* pre = nullptr;
    kmod_list* post = nullptr;
    if (kmod_module_get_softdeps(mod, &pre, &post) == 0) {
      for (kmod_list* soft : {pre, post}) {
        kmod_list_foreach(it, soft) {
          kmod_module* dep = kmod_module_get_module(it);
          add(dep);
          kmod_module_unref(dep);
        }
        kmod_module_unref_list(soft);
      }
    }
  }

  fs::path dir_;
  kmod_ctx* ctx_ = nullptr;
  std::string kmod_log_;
  std::set<std::string> seen_;
  std::set<std::string> files_;
  ModuleClosure out_;
};

}  // namespace

ModuleClosure module_closure(const fs::path& modules_dir, const std::vector<std::string>& names) {
  if (!fs::is_regular_file(modules_dir / "modules.dep"))
    throw Error(Location{modules_dir.string()}, "no modules.dep here (run depmod for this kernel)");
  Resolver r(modules_dir);
  for (const auto& n : names) r.request(n);
  return r.result();
}

}  // namespace famlab::image
