#pragma once
// Runs kernel-config/build-kernel.sh, the one place a kernel is configured
// and compiled, with its output in a log file that errors point at.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace famlab::kernel {

struct BuildScriptRun {
  std::filesystem::path script;     // kernel-config/build-kernel.sh
  std::filesystem::path source;     // linux-source tarball or a kernel tree
  std::filesystem::path src_cache;  // where the tarball is unpacked (shared)
  std::filesystem::path work;       // object tree + patched source (per variant)
  std::filesystem::path out;        // receives bzImage, config, release
  std::filesystem::path ccache;     // CCACHE_DIR
  std::vector<std::string> fragments;
  std::vector<std::filesystem::path> patches;
  std::filesystem::path log;  // stdout+stderr of the whole build
  // Polled during the build when set: true kills it and throws Error.
  std::function<bool()> cancelled;
};

// Runs the script at low priority, in a PID namespace of its own (nothing
// of the build outlives famlab). The shared unpacked source and the ccache
// are held in use (cache_use.h) while it runs and marked used. A failure
// throws an Error that names the log and shows its last lines (for a
// patch: the rejected hunks); so does a build that `cancelled` stopped.
void run_build_script(const BuildScriptRun& run);

// Where the script unpacks a tarball source: SRC_CACHE/<name without
// .tar.xz>; empty for a source tree (built in place).
std::filesystem::path unpacked_source(const BuildScriptRun& run);

// The last `lines` lines of a text file ("" if unreadable).
std::string file_tail(const std::filesystem::path& file, size_t lines);

}  // namespace famlab::kernel
