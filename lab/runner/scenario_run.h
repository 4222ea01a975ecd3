#pragma once
// The step loop of one scenario over its booted guests. Each step runs on
// its guest (the first one unless it names another), in order; a
// background step keeps running while later steps go on, until a `join`
// step (or the end of the scenario) waits for it. A failure, timeout, splat
// or panic on any guest fails the scenario and names the guest; a guest
// that is idle while others work is still watched. A step's deadline is the
// earlier of its own timeout and what is left of the scenario's. A step
// that cannot run on this lab (a QEMU without a command it needs) is
// skipped with its reason, and so is the rest: the scenario is skipped,
// not failed. With leak_check, kmemleak's baseline and final check are
// steps of their own after the scenario's.
#include <chrono>
#include <string>
#include <vector>

#include "lab/report/results.h"
#include "lab/report/terminal.h"
#include "lab/runner/launch.h"
#include "lab/scenario/scenario.h"

namespace famlab::runner {

struct StepLoopInput {
  const scenario::Scenario& scenario;
  std::string kernel;          // as asked: famfs expectations are per kernel
  std::vector<Guest*> guests;  // booted, in the scenario's order
  // The scenario's timeout counts from here (the first boot), not from
  // building kernels and images.
  std::chrono::steady_clock::time_point started;
  // kmemleak around the steps (debug kernels): a baseline on each guest
  // once it is brought up, a check after the last step (leak_check.h).
  bool leak_check = false;
};

struct StepLoopResult {
  std::vector<report::StepResult> steps;  // in the scenario's order
  report::Status status = report::Status::Passed;
  std::string message;  // the first failure (keep_going: every failure)
  double ready_at = 0;  // seconds from VM start until every guest was brought up
};

StepLoopResult run_steps(const StepLoopInput& in, report::Terminal& term);

}  // namespace famlab::runner
