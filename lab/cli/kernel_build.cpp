// famlab kernel build --variant NAME [--debug]: builds (or finds cached)
// one lab kernel variant, or its debug flavour, and prints where it is.
#include <iostream>

#include "lab/cli/commands.h"
#include "lab/common/kernel_flavour.h"
#include "lab/report/terminal.h"

namespace famlab::cli {

int cmd_kernel_build(const std::string& variant, bool debug) {
  report::Terminal term(std::cout);
  std::string name = debug ? debug_kernel_name(variant) : variant;
  kernel::Kernel k = kernel::build_variant(name, [&](const std::string& s) { term.info(s); });
  std::cout << k.image.string() << "\n";
  term.info(name + ": " + k.release + (k.cache_hit ? " (cached, " : " (built, ") + std::to_string(k.seconds) +
            " s)");
  if (!k.symbols.empty()) term.info(name + ": symbols " + k.symbols.string());
  return 0;
}

}  // namespace famlab::cli
