#include "lab/kernel/build_script.h"

#include <csignal>
#include <cstdlib>
#include <deque>
#include <fstream>

#include "base/error.h"
#include "base/process.h"

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

void run_build_script(const BuildScriptRun& run) {
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
  ProcessResult r;
  if (!run.cancelled) {
    r = run_process(argv, opts);
  } else {
    // Polled, so an interrupt stops make and every compiler under it (the
    // child's whole process group) instead of waiting for the build.
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
  if (r.exit_code == 0) return;
  // Exit 3 is the script's "patch does not apply": its rejected hunks follow
  // the headline, so show more of the log.
  size_t lines = r.exit_code == 3 ? 60 : 30;
  throw Error("kernel build failed (build-kernel.sh exit " + std::to_string(r.exit_code) + "); full log: " +
              run.log.string() + "\n--- last lines of the log ---\n" + file_tail(run.log, lines));
}

}  // namespace famlab::kernel
