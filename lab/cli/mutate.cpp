// famlab mutate: the kill matrix of a mutation file against scenarios, or
// (--check) only the file's validation.
#include "lab/mutate/mutate.h"

#include <iostream>

#include "base/error.h"
#include "lab/cli/commands.h"
#include "lab/runner/runner.h"
#include "lab/vm/interrupt.h"

namespace famlab::cli {

int cmd_mutate(const MutateArgs& args) {
  if (args.check) {
    if (!args.scenarios.empty()) throw Error("--check takes only the mutation file");
    return mutate::check_mutations(args.file, args.kernel, std::cout, std::cerr);
  }
  if (args.scenarios.empty())
    throw Error("famlab mutate needs scenario files or directories after the mutation file");
  mutate::MutateOptions o;
  o.mutation_file = args.file;
  o.variant = args.kernel;
  o.scenario_files = runner::expand_scenario_args(args.scenarios);
  o.report_dir = args.report_dir;
  o.boot_timeout_s = args.boot_timeout;
  o.fresh = args.fresh;
  o.stop_at_first_kill = args.first_kill;
  o.skip_equivalent = args.skip_equivalent;
  o.only = args.only;
  o.min_score = args.min_score;
  int code = mutate::run_mutate(o, std::cout);
  return vm::interrupted() ? 2 : code;
}

}  // namespace famlab::cli
