// famlab: a virtual CXL/DAX hardware test lab. This file only maps the
// command line onto the subcommands in this directory.
#include <CLI/CLI.hpp>
#include <iostream>

#include "base/error.h"
#include "lab/cli/commands.h"
#include "lab/vm/interrupt.h"

using namespace famlab;

namespace {

void add_kernel_options(CLI::App* app, cli::KernelArgs& k) {
  // One value per --kernel: a repeated option, never a list that swallows
  // the scenario paths after it.
  app->add_option("--kernel", k.kernels,
                  "plain (lab build, default), famfs, famfs-v3, famfs-rfc, stock (Debian's 6.12), or a "
                  "bzImage path; repeatable; a lab variant may end in +debug")
      ->allow_extra_args(false);
  app->add_option("--kernel-tree", k.tree, "build and use your own kernel tree (lab fragments merged)");
  app->add_option("--modules", k.modules, "modules root (holding lib/modules/RELEASE) for a bzImage");
  app->add_flag("--debug", k.debug,
                "the debug flavour of every --kernel (or --kernel-tree): KASAN, lockdep, UBSAN, kmemleak, "
                "line tables (same as --kernel NAME+debug)");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"famlab: boot emulated CXL memory as devdax and run scenarios against it"};
  app.require_subcommand(1);

  std::vector<std::string> check_files;
  auto* check = app.add_subcommand("check", "validate topology and scenario files; exit 0 valid, 2 invalid");
  check->add_option("files", check_files, "topology or scenario files")->required();

  cli::RunArgs run;
  auto* runc = app.add_subcommand("run", "run scenarios; exit 0 all passed, 1 a scenario failed, 2 error");
  add_kernel_options(runc, run.kernel);
  runc->add_option("--report-dir", run.report_dir, "where junit.xml, report.json and artifacts go");
  runc->add_option("--boot-timeout", run.boot_timeout, "seconds to wait for the guest agent");
  runc->add_flag("--keep-run-dir", run.keep_run_dir, "keep the private run directory (backing files)");
  runc->add_flag("--cold", run.cold,
                 "boot every guest from scratch: no snapshot is restored or taken (see README, Snapshots)");
  runc->add_option("--backend", run.backend, "qemu (direct, default) or libvirt (default with --connect)")
      ->check(CLI::IsMember({"qemu", "libvirt"}));
  // Repeated, one URI per use: never a list that swallows the scenarios.
  runc->add_option("--connect", run.connect,
                   "libvirt host URI, repeatable: several form a pool; URI#N runs N guests at a time there")
      ->allow_extra_args(false);
  runc->add_option("--per-host", run.per_host,
                   "guests at a time on each --connect host without #N (default 1)")
      ->check(CLI::Range(1, 64));
  runc->add_option("-j,--jobs", run.jobs,
                   "direct QEMU: scenarios at a time (default: one per 2 cores, one per 4 GiB, at least 1)")
      ->check(CLI::Range(1, 64));
  runc->add_option("scenarios", run.scenarios, "scenario files or directories")->required();

  cli::ShellArgs shell;
  auto* shellc =
      app.add_subcommand("shell", "boot a topology interactively, devdax ready, shell on the console");
  add_kernel_options(shellc, shell.kernel);
  auto* topo_opt = shellc->add_option("--topology", shell.topology, "topology file: one guest");
  auto* scen_opt = shellc->add_option("--scenario", shell.scenario,
                                      "a scenario file: boot all its guests (shared memory too)");
  topo_opt->excludes(scen_opt);
  shellc->add_option("--guest", shell.guest, "with --scenario: whose console you get (default: the first)")
      ->needs(scen_opt);
  shellc->add_flag("--no-bringup", shell.no_bringup, "leave the CXL regions for you to build");

  cli::GcArgs gc;
  auto* gcc = app.add_subcommand(
      "gc", "destroy libvirt domains (and run directories) a killed famlab run left behind");
  gcc->add_option("--connect", gc.connect, "libvirt host URI, repeatable (default: libvirt's default URI)")
      ->allow_extra_args(false);
  gcc->add_flag("--force", gc.force, "also domains whose famlab runs on another machine or still runs here");
  gcc->add_flag("--dry-run", gc.dry_run, "only say what would be removed");

  cli::CacheArgs cache;
  auto* cachec = app.add_subcommand(
      "cache", "list the cache (kernels, images, sources) with sizes and last use; prune it");
  cachec->add_option("--older-than", cache.older_than, "remove entries last used longer ago (30d, 12h, 2w)");
  cachec->add_option("--max-size", cache.max_size,
                     "then remove least recently used entries until the cache fits (20G, 500M)");
  cachec->add_flag("--dry-run", cache.dry_run, "only say what would be removed");
  cli::MutateArgs mutate;
  auto* mutatec = app.add_subcommand("mutate",
                                     "build each mutant of a mutation file, run scenarios on it, write the "
                                     "kill matrix; exit 0 done, 1 score below --min-score, 2 error or "
                                     "interrupted");
  mutatec->add_flag("--check", mutate.check, "only validate the mutation file against its variant's patches");
  mutatec->add_option("--kernel", mutate.kernel, "the lab variant to mutate (default: the file's variant)");
  mutatec->add_option("--report-dir", mutate.report_dir, "where mutate-report.{json,md} and artifacts go");
  mutatec->add_option("--boot-timeout", mutate.boot_timeout, "seconds to wait for the guest agent");
  mutatec->add_flag("--fresh", mutate.fresh, "ignore cached results (run every cell again)");
  mutatec->add_flag("--first-kill", mutate.first_kill,
                    "stop a mutant's scenarios at its first kill (the score, not the full matrix)");
  mutatec->add_flag("--skip-equivalent", mutate.skip_equivalent,
                    "do not build or run the mutants declared equivalent (they are outside the score)");
  mutatec->add_option("--only", mutate.only, "run only this mutant id; repeatable")->allow_extra_args(false);
  mutatec->add_option("--min-score", mutate.min_score, "exit 1 when the score (percent) is below this")
      ->check(CLI::Range(0.0, 100.0));
  mutatec->add_option("file", mutate.file, "the mutation file (e.g. kernel-config/mutations/famfs.toml)")
      ->required();
  mutatec->add_option("scenarios", mutate.scenarios, "scenario files or directories");

  std::string variant = "plain";
  bool variant_debug = false;
  auto* kernelc = app.add_subcommand("kernel", "kernel management");
  kernelc->require_subcommand(1);
  auto* buildc = kernelc->add_subcommand("build", "build (or find cached) a lab kernel variant");
  buildc->add_option("--variant", variant, "kernel variant (NAME or NAME+debug)");
  buildc->add_flag("--debug", variant_debug, "its debug flavour");
  cli::KernelArgs symbols_of;
  auto* symbolsc = kernelc->add_subcommand(
      "symbols", "print where the symbols for a kernel's traces are (stock: fetch Debian's debug symbols)");
  add_kernel_options(symbolsc, symbols_of);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  vm::install_interrupt_handlers();
  try {
    if (*check) return cli::cmd_check(check_files);
    if (*runc) return cli::cmd_run(run);
    if (*shellc) return cli::cmd_shell(shell);
    if (*gcc) return cli::cmd_gc(gc);
    if (*cachec) return cli::cmd_cache(cache);
    if (*buildc) return cli::cmd_kernel_build(variant, variant_debug);
    if (*symbolsc) return cli::cmd_kernel_symbols(symbols_of);
    if (*mutatec) return cli::cmd_mutate(mutate);
  } catch (const Error& e) {
    std::cerr << "famlab: error: " << e.what() << std::endl;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "famlab: internal error: " << e.what() << std::endl;
    return 2;
  }
  return 2;
}
