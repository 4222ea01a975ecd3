#pragma once
// Where famlab keeps things: a per-user cache shared by runs (kernels,
// images), and a private directory per run (sockets, backing files).
#include <filesystem>

namespace famlab {

// $FAMLAB_CACHE, else $XDG_CACHE_HOME/famlab, else ~/.cache/famlab. Created.
std::filesystem::path cache_dir();

// The project checkout (kernel-config/, images/, scenarios/): $FAMLAB_ROOT,
// else found from the running executable's location.
std::filesystem::path source_dir();

// Directory of the running executable (where famlab-agent sits beside famlab).
std::filesystem::path exe_dir();

// A fresh 0700 directory under $TMPDIR (or /tmp), unique per call.
class RunDir {
 public:
  explicit RunDir(const char* prefix = "famlab-run-");
  ~RunDir();  // removes everything unless keep() was called
  RunDir(const RunDir&) = delete;
  RunDir& operator=(const RunDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  void keep() { keep_ = true; }

 private:
  std::filesystem::path path_;
  bool keep_ = false;
};

}  // namespace famlab
