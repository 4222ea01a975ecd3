#pragma once
// famfs mode for a dax device (issue 5). Device-dax cannot serve fs-dax in
// 6.12; the lab's famfs kernels add a `famfs_dax` driver that never binds
// by type, and Debian's daxctl 76 knows no such mode, so the agent moves
// devices between drivers through sysfs itself:
//   famfs:  device_dax/unbind, then famfs_dax/new_id (adds the id and binds)
//   devdax: famfs_dax/unbind and famfs_dax/remove_id, then device_dax/bind
// /dev/daxX.Y stays a working mmap-able node in both modes.
#include <functional>
#include <string>

#include "harness/agent/sysfs.h"
#include "protocol/results.h"

namespace famlab::agent {

using protocol::DaxModeChange;

// The kernel has the famfs_dax driver (famfs, famfs-v3, famfs-rfc lab kernels).
bool famfs_dax_available(const fs::path& sys);

// How an attribute is written: write_attr, or a test's stand-in kernel.
using AttrWriter = std::function<void(const fs::path& file, const std::string& value)>;

// Puts `device` (daxX.Y) in `mode` ("famfs" or "devdax") and waits up to
// `timeout_s` for the driver link and the /dev node. Throws Error naming
// the sysfs file or what did not happen.
DaxModeChange set_dax_mode(const SystemRoots& roots, const std::string& device, const std::string& mode,
                           double timeout_s, const std::function<void()>& idle,
                           const AttrWriter& write = write_attr);

}  // namespace famlab::agent
