#pragma once
// The kernel modules a guest needs: the requested names and everything
// they depend on, resolved with libkmod against the kernel's own module
// tree (modules.dep, modules.alias, modules.builtin).
#include <filesystem>
#include <string>
#include <vector>

namespace famlab::image {

struct ModuleClosure {
  std::vector<std::string> builtin;  // requested names built into the kernel (no file needed)
  std::vector<std::string> files;    // module files relative to the modules dir, sorted
};

// `modules_dir` is <root>/lib/modules/<release>, with depmod's indexes. A
// name that is neither a module nor built in is an error naming it. Soft
// dependencies that exist are included; the host's /etc/modprobe.d is not
// consulted.
ModuleClosure module_closure(const std::filesystem::path& modules_dir, const std::vector<std::string>& names);

}  // namespace famlab::image
