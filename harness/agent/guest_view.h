#pragma once
// What the guest actually has after bringup, read back from sysfs, in the
// shape the host receives as the Bringup result (protocol/results.h).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/agent/dax_device.h"
#include "harness/agent/sysfs.h"
#include "protocol/results.h"

namespace famlab::agent {

using protocol::DaxView;
using protocol::GuestView;
using protocol::MemdevView;
using protocol::PmemView;
using protocol::RegionView;

DaxView read_dax_view(const DaxDevice& dax, const SystemRoots& roots);
// Region `name` built for planned region `index`. Throws Error.
RegionView read_region_view(const SystemRoots& roots, int index, const std::string& name);

// Every memdev, plus the regions and pmem namespaces bringup made, keyed by
// planned index. Throws Error when sysfs cannot be read.
GuestView read_guest_view(const SystemRoots& roots, const std::map<int, std::string>& regions,
                          const std::map<int, std::string>& pmem_namespaces);

}  // namespace famlab::agent
