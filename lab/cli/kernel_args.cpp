#include "base/error.h"
#include "lab/cli/commands.h"
#include "lab/common/kernel_flavour.h"

namespace famlab::cli {

std::vector<kernel::KernelRequest> KernelArgs::requests() const {
  std::vector<kernel::KernelRequest> out;
  if (!tree.empty()) {
    if (!kernels.empty()) throw Error("--kernel-tree and --kernel exclude each other");
    kernel::KernelRequest r;
    r.tree = tree;
    if (debug) r.spec = debug_kernel_name("plain");
    out.push_back(r);
    return out;
  }
  for (const auto& k : kernels.empty() ? std::vector<std::string>{"plain"} : kernels) {
    kernel::KernelRequest r;
    r.spec = debug ? debug_kernel_name(k) : k;
    r.modules = modules;
    out.push_back(r);
  }
  if (!modules.empty() && out.size() != 1) throw Error("--modules goes with exactly one --kernel BZIMAGE");
  return out;
}

}  // namespace famlab::cli
