#pragma once
// Guest kernels: a lab variant built from Debian's linux-source-6.12 and
// cached, Debian's packaged kernel ("stock"), the user's own tree, or a
// bzImage the user hands us.
#include <filesystem>
#include <functional>
#include <memory>
#include <map>
#include <string>

namespace famlab {
class FileLock;
}

namespace famlab::kernel {

struct Kernel {
  std::string name;                    // "plain", "stock", or the user's path
  std::filesystem::path image;         // bzImage/vmlinuz
  std::filesystem::path config;        // .config, may be empty
  std::string release;                 // uname -r
  std::filesystem::path modules_root;  // dir holding lib/modules/<release>; empty: monolithic
  std::string provenance;              // one line: where it came from, for reports
  std::filesystem::path symbols;       // vmlinux or System.map beside the image (find_symbols); may be empty
  bool cache_hit = false;
  double seconds = 0;
  // The cache entry's in-use lock (lab/common/cache_use.h), held by every
  // copy of this Kernel: `famlab cache` removes no entry a run still uses.
  std::shared_ptr<FileLock> in_use;
};

struct KernelRequest {
  // "plain" (or another variant) | "stock" | a path to a bzImage; a variant
  // (and "plain" with `tree`) may end in "+debug": the debug flavour.
  std::string spec = "plain";
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

// `famlab kernel symbols KERNEL`: the symbols the host symbolizes the
// kernel's traces with. A lab kernel (built if needed) has them beside its
// image; for stock this fetches Debian's debug symbols (once, ~1 GB).
std::filesystem::path kernel_symbols(const KernelRequest& request, const Log& log);

// `famlab kernel build --variant NAME[+debug]`: the cached lab kernel, built on a miss.
Kernel build_variant(const std::string& variant, const Log& log);

}  // namespace famlab::kernel
