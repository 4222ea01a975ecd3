#pragma once
// Facts about the running guest the protocol reports, and the way out.
#include <string>

namespace famlab::agent {

std::string kernel_release();  // uname -r
double uptime_seconds();       // /proc/uptime; 0 when unreadable
// sync, then reboot(RB_POWER_OFF). Returns only if the kernel refused.
void power_off();

}  // namespace famlab::agent
