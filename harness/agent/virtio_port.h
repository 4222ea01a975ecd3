#pragma once
// Finds the virtio-serial port QEMU named (virtserialport name=...) among
// /sys/class/virtio-ports/vportNpM and opens its /dev node.
#include <filesystem>
#include <optional>
#include <string>

#include "harness/agent/sysfs.h"

namespace famlab::agent {

// /dev/vportNpM of the port called `name`, when both sysfs entry and
// device node exist.
std::optional<std::filesystem::path> find_virtio_port(const SystemRoots& roots, const std::string& name);

// Waits up to `timeout_s` for the port to appear (virtio probes late in
// boot) and opens it read-write, non-blocking. Throws Error naming what
// was there instead.
int open_virtio_port(const SystemRoots& roots, const std::string& name, double timeout_s);

}  // namespace famlab::agent
