#pragma once
// What the agent does first as PID 1, before the port exists: the kernel
// filesystems, PATH, and the modules a modular kernel needs.
#include <ostream>
#include <string>
#include <vector>

namespace famlab::agent {

// Mounts proc, sysfs, devtmpfs, and tmpfs on /tmp and /run (already mounted
// is fine), sets PATH, and loads /etc/famlab/modules when the running
// kernel has a module tree. Problems are written to `log`, not thrown: a
// half-working guest still reports more than a dead one.
void early_init(std::ostream& log);

// Module names from a modules file: one a line, '#' comments and blank
// lines skipped.
std::vector<std::string> parse_module_list(const std::string& text);

}  // namespace famlab::agent
