#include "famfs/server/guarded_access.h"

#include <setjmp.h>
#include <signal.h>

namespace famlab::famfs::server {
namespace {

thread_local sigjmp_buf t_jump;
thread_local volatile sig_atomic_t t_armed = 0;

// Only a fault inside a guarded copy is ours to recover; any other SIGBUS
// is a bug and kills the process as before.
void on_sigbus(int sig) {
  if (!t_armed) {
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  siglongjmp(t_jump, 1);
}

void install_once() {
  static bool installed = [] {
    struct sigaction sa {};
    sa.sa_handler = on_sigbus;
    sa.sa_flags = SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, nullptr);
    return true;
  }();
  (void)installed;
}

}  // namespace

bool guarded_device_access(const std::function<void()>& access) {
  install_once();
  if (sigsetjmp(t_jump, 1) != 0) {
    t_armed = 0;
    return false;
  }
  t_armed = 1;
  access();
  t_armed = 0;
  return true;
}

}  // namespace famlab::famfs::server
