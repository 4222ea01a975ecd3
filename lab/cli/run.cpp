// famlab run: scenarios x kernels, reports in --report-dir.
#include <iostream>

#include "cli/commands.h"
#include "report/terminal.h"
#include "runner/runner.h"

namespace famlab::cli {

int cmd_run(const RunArgs& args) {
  runner::RunOptions opts;
  opts.kernels = args.kernel.requests();
  opts.report_dir = args.report_dir;
  opts.boot_timeout_s = args.boot_timeout;
  opts.keep_run_dirs = args.keep_run_dir;
  report::Terminal term(std::cout);
  runner::Runner r(opts, term);
  auto files = runner::expand_scenario_args(args.scenarios);
  return r.run(files).exit_code();
}

}  // namespace famlab::cli
