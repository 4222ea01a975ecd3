#pragma once
// Boost.Process handler that runs in the child between fork and exec: a
// process group of its own (so a timeout can kill everything it started)
// and SIGKILL when the agent dies. The getppid check closes the race where
// the agent died before prctl took effect.
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <boost/process/extend.hpp>

namespace famlab::agent {

struct DieWithParent : boost::process::extend::handler {
  pid_t parent = getpid();

  template <class Executor>
  void on_exec_setup(Executor&) const {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
  }
};

}  // namespace famlab::agent
