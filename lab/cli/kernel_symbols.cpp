// famlab kernel symbols KERNEL [--debug]: where the host finds the symbols
// it prints kernel traces with (file:line needs a vmlinux with line
// tables: the debug flavour, a user tree built with debug info, or stock
// after this fetched Debian's debug symbols).
#include <iostream>

#include "lab/cli/commands.h"
#include "lab/common/kernel_flavour.h"
#include "lab/report/terminal.h"

namespace famlab::cli {

int cmd_kernel_symbols(const KernelArgs& args) {
  report::Terminal term(std::cout);
  auto requests = args.requests();
  for (const auto& r : requests) {
    auto path = kernel::kernel_symbols(r, [&](const std::string& s) { term.info(s); });
    std::cout << path.string() << "\n";
  }
  return 0;
}

}  // namespace famlab::cli
