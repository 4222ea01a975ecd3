#pragma once
// Guest kernels: a lab variant built from Debian's linux-source-6.12 and
// cached, Debian's packaged kernel ("stock"), the user's own tree, or a
// bzImage the user hands us.
#include <filesystem>
#include <functional>
#include <map>
#include <string>

namespace famlab::kernel {

struct Kernel {
  std::string name;                    // "plain", "stock", or the user's path
  std::filesystem::path image;         // bzImage/vmlinuz
  std::filesystem::path config;        // .config, may be empty
  std::string release;                 // uname -r
  std::filesystem::path modules_root;  // dir holding lib/modules/<release>; empty: monolithic
  std::string provenance;              // one line: where it came from, for reports
  bool cache_hit = false;
  double seconds = 0;
};

struct KernelRequest {
  std::string spec = "plain";     // "plain" (or another variant) | "stock" | a path to a bzImage
  std::filesystem::path tree;     // --kernel-tree DIR
  std::filesystem::path modules;  // --modules DIR, with a bzImage path
  // A lab variant with some of its patches' texts replaced (famlab mutate):
  // key = a patch of the variant's series, as its series names it
  // (Variant::patches), value = the text built instead. Built through the
  // same cache (keyed by content) and object tree as the variant itself.
  std::map<std::filesystem::path, std::string> patch_texts;
};

using Log = std::function<void(const std::string&)>;

// Finds or builds the requested kernel. Cached results cost well under 2 s
// and run no make and no apt.
Kernel resolve_kernel(const KernelRequest& request, const Log& log);

// `famlab kernel build --variant NAME`: the cached lab kernel, built on a miss.
Kernel build_variant(const std::string& variant, const Log& log);

}  // namespace famlab::kernel
