// famlab run: scenarios x kernels, reports in --report-dir.
#include <unistd.h>

#include <iostream>
#include <thread>

#include "base/error.h"
#include "lab/cli/commands.h"
#include "lab/report/terminal.h"
#include "lab/runner/host_pool.h"
#include "lab/runner/runner.h"
#include "lab/vm/interrupt.h"

namespace famlab::cli {

int cmd_run(const RunArgs& args) {
  runner::RunOptions opts;
  opts.kernels = args.kernel.requests();
  opts.report_dir = args.report_dir;
  opts.boot_timeout_s = args.boot_timeout;
  opts.keep_run_dirs = args.keep_run_dir;
  opts.cold = args.cold;
  // --connect alone means libvirt; with --backend qemu it is a mistake.
  opts.backend = !args.backend.empty() ? args.backend : (args.connect.empty() ? "qemu" : "libvirt");
  if (opts.backend == "qemu" && (!args.connect.empty() || args.per_host != 0))
    throw Error("--connect and --per-host go with --backend libvirt");
  if (opts.backend == "libvirt" && args.jobs != 0)
    throw Error("-j goes with the direct backend; with libvirt, say guests per host (--per-host, URI#N)");
  if (opts.backend == "libvirt")
    opts.hosts = runner::parse_hosts(args.connect, args.per_host ? args.per_host : 1);
  opts.local_jobs = args.jobs ? args.jobs
                              : runner::default_local_jobs(std::thread::hardware_concurrency(),
                                                           static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
                                                               static_cast<uint64_t>(sysconf(_SC_PAGE_SIZE)));
  report::Terminal term(std::cout);
  runner::Runner r(opts, term);
  auto files = runner::expand_scenario_args(args.scenarios);
  int code = r.run(files).exit_code();
  return vm::interrupted() ? 2 : code;
}

}  // namespace famlab::cli
