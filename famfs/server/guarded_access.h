#pragma once
// The server's own mapping of the device can fault: a page marked poisoned
// by memory_failure() (issue 13), or a device unbound underneath. The
// fallback READ/WRITE path runs its copies through this guard and answers
// EIO instead of dying of SIGBUS with the request unanswered.
#include <functional>

namespace famlab::famfs::server {

// Runs `access` (a copy to or from the device mapping). Returns false when
// it was cut short by SIGBUS; the copy is then partial.
bool guarded_device_access(const std::function<void()>& access);

}  // namespace famlab::famfs::server
