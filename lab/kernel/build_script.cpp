#include "lab/kernel/build_script.h"

#include <csignal>
#include <cstdlib>
#include <deque>
#include <fstream>

#include "base/error.h"
#include "base/process.h"
#include "lab/common/cache_use.h"

namespace famlab::kernel {
namespace {

template <class T>
std::string join(const std::vector<T>& items) {
  std::string out;
  for (const auto& i : items) {
    std::string s = std::filesystem::path(i).string();
    if (s.find(',') != std::string::npos) throw Error("kernel build input path contains a comma: " + s);
    out += (out.empty() ? "" : ",") + s;
  }
  return out;
}

}  // namespace

std::string file_tail(const std::filesystem::path& file, size_t lines) {
  std::ifstream in(file);
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string out;
  for (const auto& l : last) out += l + "\n";
  return out;
}

std::filesystem::path unpacked_source(const BuildScriptRun& run) {
  if (std::filesystem::is_directory(run.source)) return {};
  std::string name = run.source.filename().string();
  if (name.ends_with(".tar.xz")) name.resize(name.size() - 7);
  return run.src_cache / name;
}

void run_build_script(const BuildScriptRun& run) {
  // `famlab cache` must not remove what this build reads or fills.
  std::vector<std::shared_ptr<FileLock>> in_use;
  std::vector<std::filesystem::path> used = {run.ccache, run.work};
  if (auto src = unpacked_source(run); !src.empty()) used.push_back(src);
  for (const auto& p : used)
    if (p != run.work) in_use.push_back(hold_cache_entry(p));

  std::vector<std::string> argv = {"nice",
                                   "-n",
                                   "10",
                                   "bash",
                                   run.script.string(),
                                   run.source.string(),
                                   run.src_cache.string(),
                                   run.work.string(),
                                   run.out.string(),
                                   join(run.fragments)};
  if (!run.patches.empty()) argv.push_back(join(run.patches));
  // Boost.Process opens the output file without O_TRUNC: a reused log
  // (--kernel-tree) would keep the tail of the previous build.
  std::filesystem::remove(run.log);
  ProcessOptions opts;
  opts.stdout_file = run.log;
  opts.env["CCACHE_DIR"] = run.ccache.string();
  // make, the compilers, tar and xz are grandchildren: they die with famlab
  // only inside a PID namespace of the build's own.
  opts.own_pid_namespace = true;
  ProcessResult r;
  if (!run.cancelled) {
    r = run_process(argv, opts);
  } else {
    // Polled, so an interrupt stops the build at once: killing the
    // namespace's first process kills make and every compiler under it.
    Child child(argv, opts);
    std::optional<int> code;
    while (!(code = child.wait_for(std::chrono::milliseconds(200))))
      if (run.cancelled()) {
        child.kill_group(SIGKILL);
        child.wait();
        throw Error("kernel build interrupted; partial log: " + run.log.string());
      }
    r.exit_code = *code;
  }
  for (const auto& p : used) mark_used(p);
  if (r.exit_code == 0) return;
  // Exit 3 is the script's "patch does not apply": its rejected hunks follow
  // the headline, so show more of the log.
  size_t lines = r.exit_code == 3 ? 60 : 30;
  throw Error("kernel build failed (build-kernel.sh exit " + std::to_string(r.exit_code) + "); full log: " +
              run.log.string() + "\n--- last lines of the log ---\n" + file_tail(run.log, lines));
}

}  // namespace famlab::kernel
