#pragma once
// What one scenario run says about one mutant, and what all of a mutant's
// runs say together. The line between a kill and famlab's own trouble:
// a scenario that Failed (a step failed, a kernel splat, a panic, a guest
// that stopped answering, a boot that never reached the agent) killed the
// mutant; one that ended in Error (QEMU would not start, an image could not
// be built, an interrupt) says nothing about the kernel and is run again
// next time.
#include <optional>
#include <string>
#include <vector>

#include "lab/report/results.h"

namespace famlab::mutate {

enum class Cell {
  Killed,       // a step failed because of the kernel
  BootFailure,  // the guest never came up (panic, splat or timeout during boot): killed too
  Survived,     // the scenario passed
  Error,        // infrastructure: not a verdict, not cached, run again
  NotRun,       // interrupted before it ran, or skipped after the mutant's first kill
};
const char* to_string(Cell c);
std::optional<Cell> cell_from_string(const std::string& s);
bool is_kill(Cell c);
bool is_verdict(Cell c);  // Killed, BootFailure or Survived: worth caching

struct CellResult {
  CellResult() = default;
  explicit CellResult(Cell c, std::string failed_step = {}, std::string why = {})
      : cell(c), step(std::move(failed_step)), message(std::move(why)) {}

  Cell cell = Cell::NotRun;
  std::string step;     // the step that failed (or errored)
  std::string message;  // why: the step's message, or the scenario's
  double seconds = 0;
  std::string artifacts;  // the scenario's artifact folder of the run that decided it
  bool cached = false;    // taken from an earlier run
};

// One scenario's result for a mutant's kernel.
CellResult classify(const report::ScenarioResult& result);

// A mutant over all its cells.
enum class Verdict {
  Killed,        // at least one kill
  Survived,      // every scenario passed
  BuildFailure,  // did not compile: killed by the compiler, outside the score
  Incomplete,    // no kill, and a cell errored or did not run
};
const char* to_string(Verdict v);
Verdict verdict_of(bool built, const std::vector<CellResult>& cells);

}  // namespace famlab::mutate
