#include "lab/common/paths.h"

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <system_error>

#include "base/error.h"

namespace fs = std::filesystem;

namespace famlab {

fs::path cache_dir() {
  fs::path dir;
  if (const char* c = std::getenv("FAMLAB_CACHE"); c && *c)
    dir = c;
  else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
    dir = fs::path(x) / "famlab";
  else if (const char* h = std::getenv("HOME"); h && *h)
    dir = fs::path(h) / ".cache" / "famlab";
  else
    dir = "/var/tmp/famlab-cache";
  fs::create_directories(dir);
  return dir;
}

fs::path exe_dir() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("cannot resolve /proc/self/exe: " + ec.message());
  return self.parent_path();
}

fs::path source_dir() {
  if (const char* r = std::getenv("FAMLAB_ROOT"); r && *r) return r;
  // build/<config>/lab/famlab -> walk up until kernel-config/ appears.
  for (fs::path p = exe_dir(); !p.empty() && p != p.root_path(); p = p.parent_path())
    if (fs::exists(p / "kernel-config") && fs::exists(p / "scenarios")) return p;
  throw Error("cannot find the famlab checkout; set FAMLAB_ROOT");
}

RunDir::RunDir(const char* prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "XXXXXX";
  if (!mkdtemp(tmpl.data())) throw Error("cannot create a private run directory in " + tmpl);
  path_ = tmpl;  // mkdtemp makes it 0700
}

RunDir::~RunDir() {
  if (keep_) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

}  // namespace famlab
