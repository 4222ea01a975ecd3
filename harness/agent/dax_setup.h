#pragma once
// Makes a dax device end as the plan wants it: devdax bound to device_dax
// (with its /dev node), or system-ram through kmem. Kernels with kmem
// available leave CXL dax devices unbound or online them as System RAM;
// daxctl reconfigure-device moves them over.
#include <string>

#include "harness/agent/bringup_env.h"
#include "harness/agent/dax_device.h"
#include "harness/agent/region.h"

namespace famlab::agent {

// Waits for the dax device of a bound ram region, then ensure_dax_mode.
// Throws Error.
DaxDevice setup_region_dax(const Region& region, const std::string& mode, const BringupEnv& env);

// Reconfigures `dax` with daxctl when its mode differs from `mode`
// ("devdax" | "system-ram"); for devdax waits for /dev/daxN.M. Throws Error.
void ensure_dax_mode(const DaxDevice& dax, const std::string& mode, const BringupEnv& env);

}  // namespace famlab::agent
