#include "lab/common/kernel_flavour.h"

namespace famlab {

KernelName split_kernel_name(std::string_view name) {
  std::string suffix = "+" + std::string(kDebugFlavour);
  if (name.size() > suffix.size() && name.ends_with(suffix))
    return {std::string(name.substr(0, name.size() - suffix.size())), true};
  return {std::string(name), false};
}

std::string debug_kernel_name(std::string_view name) {
  KernelName k = split_kernel_name(name);
  return k.variant + "+" + std::string(kDebugFlavour);
}

}  // namespace famlab
