#pragma once
// The Bringup op: load modules, wait for the planned memdevs, build every
// planned region and pmem namespace as devdax, then read the guest back and
// compare it with the plan.
#include <cstdint>
#include <map>
#include <string>

#include "harness/agent/bringup_env.h"
#include "protocol/guest_plan.h"
#include "protocol/results.h"

namespace famlab::agent {

// A devdax device the pattern ops can use.
struct DaxTarget {
  std::string path;  // /dev/dax0.0
  uint64_t size = 0;
  uint64_t align = 0;
};

struct BringupOutcome {
  bool ok = false;
  std::string error;                 // every failure and mismatch, one per line
  protocol::BringupResult result;    // the guest view and its mismatches
  std::map<int, DaxTarget> regions;  // planned region index -> its devdax
  std::map<int, DaxTarget> pmem;     // planned pmem index -> its devdax
};

// Never throws: whatever goes wrong ends up in `error`.
BringupOutcome run_bringup(const protocol::GuestPlan& plan, const BringupEnv& env);

}  // namespace famlab::agent
