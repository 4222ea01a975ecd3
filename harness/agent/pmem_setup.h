#pragma once
// Persistent memory as devdax: a memmap=SIZE!START range (nd_e820) or a
// CXL pmem region, each turned into a devdax namespace with ndctl.
#include <cstdint>
#include <string>

#include "harness/agent/bringup_env.h"
#include "harness/agent/region.h"
#include "protocol/guest_plan.h"

namespace famlab::agent {

// Finds the namespace at p.start, makes it devdax (ndctl create-namespace
// -f -e NS -m devdax -a ALIGN) unless it already is, and returns its name.
// Throws Error starting with "pmem <index>: ".
std::string setup_memmap_pmem(const protocol::PlannedPmem& p, int index, const BringupEnv& env);

// For a bound CXL pmem region: creates a devdax namespace on the nd region
// it produced and returns the namespace's name. Throws Error.
std::string setup_cxl_pmem_namespace(const Region& region, uint64_t align, const BringupEnv& env);

}  // namespace famlab::agent
