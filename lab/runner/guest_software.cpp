#include "lab/runner/guest_software.h"

#include <cstdlib>
#include <filesystem>

#include "base/error.h"
#include "lab/common/paths.h"

namespace fs = std::filesystem;

namespace famlab::runner {
namespace {

// A guest program built with the lab, next to famlab in the build tree
// (build/<cfg>/lab/famlab -> build/<cfg>/<relative>); `env`, when set,
// points at another build of it.
fs::path built_binary(const char* env, const fs::path& relative, const std::string& what) {
  if (const char* e = env ? std::getenv(env) : nullptr; e && *e) return e;
  fs::path p = exe_dir().parent_path() / relative;
  if (!fs::exists(p)) throw Error(what + " is not built: " + p.string() + " (run 'make build')");
  return p;
}

}  // namespace

std::string kernel_label(const kernel::KernelRequest& k) {
  if (!k.tree.empty()) return "tree:" + k.tree.string();
  return k.spec;
}

GuestSoftware prepare_guest(const kernel::KernelRequest& request, report::Terminal& term) {
  auto log = [&](const std::string& s) { term.info(s); };
  GuestSoftware sw;
  sw.kernel = kernel::resolve_kernel(request, log);
  term.info("kernel " + sw.kernel.name + ": " + sw.kernel.release +
            (sw.kernel.cache_hit ? " (cached)" : " (built)") + " " + sw.kernel.image.string());
  image::ImageSpec spec = image::default_image_spec(sw.kernel);
  spec.agent = built_binary("FAMLAB_AGENT", "harness/agent/famlab-agent", "the guest agent");
  // The famfs tools and server, and make bench's bandwidth tool (static).
  spec.payloads.push_back(
      {"/usr/bin/famfs", built_binary("FAMLAB_FAMFS", "famfs/cli/famfs", "the famfs tools")});
  spec.payloads.push_back(
      {"/usr/bin/famlab-bw", built_binary(nullptr, "harness/bench/guest/famlab-bw", "famlab-bw")});
  spec.payloads.push_back(
      {"/usr/bin/famlab-queue", built_binary(nullptr, "harness/guest-tools/famlab-queue", "famlab-queue")});
  sw.image = image::build_initramfs(spec, log);
  term.info("image " + sw.image.hash.substr(0, 12) + " " + std::to_string(sw.image.bytes / 1024) + " KiB" +
            (sw.image.cache_hit ? " (cached)" : " (built)"));
  return sw;
}

}  // namespace famlab::runner
