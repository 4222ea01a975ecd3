#pragma once
// Builds one planned CXL region through the kernel's region sysfs ABI
// (cxl-cli 76.1 cannot create ram regions and exits 0 when it fails):
// region from the window's root decoder, granularity, ways, one endpoint
// decoder per member, size, targets in position order, commit, bind.
#include <string>

#include "harness/agent/bringup_env.h"
#include "protocol/guest_plan.h"

namespace famlab::agent {

// Returns the new region's name ("region0"). Throws Error starting with
// "region <index>: " that says which step failed; a half-built region is
// torn down again first.
std::string build_region(const protocol::PlannedRegion& plan, const BringupEnv& env);

// A random RFC 4122 version-4 UUID (pmem regions need one before sizing).
std::string random_uuid();

}  // namespace famlab::agent
