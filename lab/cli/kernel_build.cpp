// famlab kernel build --variant NAME: builds (or finds cached) one lab
// kernel variant and prints where it is.
#include <iostream>

#include "lab/cli/commands.h"
#include "lab/report/terminal.h"

namespace famlab::cli {

int cmd_kernel_build(const std::string& variant) {
  report::Terminal term(std::cout);
  kernel::Kernel k = kernel::build_variant(variant, [&](const std::string& s) { term.info(s); });
  std::cout << k.image.string() << "\n";
  term.info(variant + ": " + k.release + (k.cache_hit ? " (cached, " : " (built, ") +
            std::to_string(k.seconds) + " s)");
  return 0;
}

}  // namespace famlab::cli
