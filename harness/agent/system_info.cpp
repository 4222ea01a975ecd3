#include "harness/agent/system_info.h"

#include <sys/reboot.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>

namespace famlab::agent {

std::string kernel_release() {
  utsname u{};
  if (uname(&u) != 0) return "";
  return u.release;
}

double uptime_seconds() {
  std::ifstream in("/proc/uptime");
  double up = 0;
  in >> up;
  return in ? up : 0;
}

void power_off() {
  sync();
  reboot(RB_POWER_OFF);
}

}  // namespace famlab::agent
