#include "harness/agent/console_shell.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cerrno>
#include <cstring>

#include "base/error.h"
#include "base/process.h"
#include "base/unique_fd.h"
#include "harness/agent/child_process.h"
#include "harness/agent/child_reaper.h"

namespace bp = boost::process;

namespace famlab::agent {
namespace {

// Runs in the child before exec: new session, `tty` as controlling terminal
// and stdio, and death with the agent.
struct OnTerminal : bp::extend::handler {
  std::string tty;
  pid_t parent = getpid();

  explicit OnTerminal(std::string t) : tty(std::move(t)) {}

  template <class Executor>
  void on_exec_setup(Executor&) const {
    setsid();
    int fd = ::open(tty.c_str(), O_RDWR);
    if (fd < 0) _exit(126);
    ioctl(fd, TIOCSCTTY, 1);
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2) ::close(fd);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
  }
};

}  // namespace

pid_t start_console_shell(const std::string& tty, const std::string& banner) {
  {
    UniqueFd fd(::open(tty.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC));
    if (!fd) throw Error("cannot open " + tty + " for the shell: " + std::strerror(errno));
    ssize_t ignored = ::write(fd.get(), banner.data(), banner.size());
    (void)ignored;
  }
  std::string sh = famlab::find_program("sh").string();
  try {
    bp::child c(bp::exe = sh, bp::args = std::vector<std::string>{"-i"}, OnTerminal(tty));
    pid_t pid = c.id();
    track_child(pid);
    c.detach();
    return pid;
  } catch (const std::exception& e) {
    throw Error("cannot start a shell on " + tty + ": " + e.what());
  }
}

}  // namespace famlab::agent
