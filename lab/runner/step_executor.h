#pragma once
// Turns one scenario step into agent requests (or a host check) and judges
// the outcome. Kernel splats that appear while a step runs fail it.
#include <cstdint>
#include <functional>
#include <map>
#include <utility>

#include "lab/plan/qemu_args.h"
#include "lab/report/results.h"
#include "lab/scenario/scenario.h"
#include "lab/topology/model.h"
#include "lab/vm/guest_session.h"
#include "protocol/guest_plan.h"

namespace famlab::runner {

struct StepContext {
  vm::GuestSession& session;
  const topology::Topology& topology;
  const plan::QemuPlan& qemu;
  const protocol::GuestPlan& guest_plan;
  std::string kernel;  // the kernel's name as asked: famfs expectations are per kernel
  // What the last write_pattern put in each region: (bytes, seed). One
  // map for all guests of a scenario: with shared memory, a pattern one
  // guest wrote is what another verifies (regions by their index, which
  // shared devices keep equal across guests).
  std::map<int, std::pair<uint64_t, uint64_t>>& written;
  // What is left of the scenario's timeout: a step's deadline is the
  // earlier of its own and its scenario's.
  double time_left_s = 1e9;
  // An earlier step's result by name (nullptr when none): steps that compare
  // with another step (same maps, unchanged backing files) look it up here.
  std::function<const report::StepResult*(const std::string&)> earlier;
};

struct StepOutcome {
  report::StepResult result;
  bool vm_alive = true;  // false after a panic, timeout or VM exit
  bool interrupted = false;
  bool scenario_timeout = false;  // the scenario's deadline, not the step's, ran out
};

StepOutcome execute_step(const scenario::Step& step, StepContext& ctx);

}  // namespace famlab::runner
