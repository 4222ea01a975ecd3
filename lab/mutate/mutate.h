#pragma once
// famlab mutate: plants each mutant of a mutation file in its variant's
// series, builds it through the lab kernel cache (one shared object tree
// and ccache: only the touched files recompile), runs the scenarios on it
// one guest at a time and fills the kill matrix. The unmutated variant
// must pass every scenario first. Results are cached per cell, so a rerun
// (after an interrupt, or with a new scenario) runs only what is missing.
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "lab/mutate/matrix.h"

namespace famlab::mutate {

struct MutateOptions {
  std::filesystem::path mutation_file;
  std::string variant;  // "" = the file's `variant`
  std::vector<std::filesystem::path> scenario_files;
  std::filesystem::path report_dir = "famlab-mutate";
  double boot_timeout_s = 180;
  bool fresh = false;               // ignore cached cells (they are rewritten)
  bool stop_at_first_kill = false;  // a mutant's remaining scenarios are not run once one killed it
  bool skip_equivalent = false;     // do not build or run mutants declared equivalent
  std::vector<std::string> only;    // these mutant ids (default: all)
  double min_score = -1;            // exit 1 when the score is below this percentage
};

// `famlab mutate --check FILE`: the file itself and every mutant against
// its variant's patches. Problems go to `err` as file:line: message;
// returns 0 valid, 2 not.
int check_mutations(const std::filesystem::path& file, const std::string& variant, std::ostream& out,
                    std::ostream& err);

// Runs the matrix; writes mutate-report.{json,md} to report_dir after every
// mutant, prints the terminal matrix at the end. 0: done (score at least
// min_score), 1: score below min_score, 2: interrupted (the report is
// partial but valid). Throws Error for bad input and a red baseline.
int run_mutate(const MutateOptions& options, std::ostream& out);

// A kernel build error that the compiler or linker reported (the mutant
// does not compile), as opposed to famlab's own trouble.
bool is_compile_failure(const std::string& build_error);

}  // namespace famlab::mutate
