#pragma once
// Boost.Process handler that runs in the child between fork and exec: a
// process group of its own (so a timeout can kill everything it started),
// default SIGPIPE, and SIGKILL when the parent dies, even by SIGKILL. The getppid check
// closes the race where the parent died before prctl took effect. Used by
// every child the host, the agent and the famfs tools start.
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <boost/process/extend.hpp>

namespace famlab {

struct DieWithParent : boost::process::extend::handler {
  // A child that reads the terminal must stay in the foreground process
  // group, or the terminal stops it with SIGTTIN.
  explicit DieWithParent(bool in_own_group = true) : own_group(in_own_group) {}
  bool own_group;
  pid_t parent = getpid();

  template <class Executor>
  void on_exec_setup(Executor&) const {
    if (own_group) setpgid(0, 0);
    // An ignored signal stays ignored across exec: the agent and famlab
    // ignore SIGPIPE for themselves, but a child (`yes | head` in a
    // scenario) must die of it as usual, not loop on EPIPE.
    signal(SIGPIPE, SIG_DFL);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
  }
};

}  // namespace famlab
