#pragma once
// A kernel's flavour is part of its name: "famfs+debug" is the famfs
// variant built with kernel-config/debug.config (KASAN, lockdep, UBSAN,
// kmemleak, line tables). Reports name the flavoured kernel; scenarios
// match and keep their per-kernel expectations on the variant ("famfs").
#include <string>
#include <string_view>

namespace famlab {

inline constexpr std::string_view kDebugFlavour = "debug";

struct KernelName {
  std::string variant;  // "famfs", "plain", "stock", a path
  bool debug = false;
};

// "famfs+debug" -> {famfs, true}; "famfs" -> {famfs, false}. Only a
// trailing "+debug" is a flavour; anything else is left as it is.
KernelName split_kernel_name(std::string_view name);

// "famfs" -> "famfs+debug" (unchanged if already debug).
std::string debug_kernel_name(std::string_view name);

}  // namespace famlab
