#include "harness/agent/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <cerrno>
#include <chrono>
#include <thread>

#include "base/die_with_parent.h"
#include "base/error.h"
#include "base/process.h"
#include "harness/agent/child_reaper.h"

namespace bp = boost::process;

namespace famlab::agent {

ChildProcess::ChildProcess(const std::vector<std::string>& argv) {
  if (argv.empty()) throw Error("cannot run an empty command");
  std::string exe = famlab::find_program(argv[0]).string();
  std::vector<std::string> args(argv.begin() + 1, argv.end());
  try {
    bp::pipe out, err;
    bp::child c(bp::exe = exe, bp::args = args, bp::std_out > out, bp::std_err > err, bp::std_in < bp::null,
                DieWithParent{});
    pid_ = c.id();
    track_child(pid_);
    c.detach();  // the reaper owns the exit status from here on
    out_fd_.reset(out.native_source());
    err_fd_.reset(err.native_source());
    out.assign_source(-1);  // keep the read ends past the pipes' lifetime
    err.assign_source(-1);
  } catch (const std::exception& e) {
    throw Error("cannot start " + argv[0] + ": " + e.what());
  }
  for (int fd : {out_fd_.get(), err_fd_.get()}) {
    fcntl(fd, F_SETFL, O_NONBLOCK);
    fcntl(fd, F_SETFD, FD_CLOEXEC);  // later children must not hold our pipes open
  }
}

ChildProcess::~ChildProcess() {
  if (!exit_status()) {
    kill_group(SIGKILL);
    wait();
  }
  forget_child(pid_);
}

std::optional<std::string> ChildProcess::read_available(Stream s) {
  UniqueFd& fd = s == Stream::Out ? out_fd_ : err_fd_;
  if (!fd) return std::nullopt;
  std::string data;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n > 0) {
      data.append(buf, static_cast<size_t>(n));
      if (data.size() >= (1u << 20)) return data;  // let the caller send it
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return data;
    // End of file (or a broken pipe): nothing more will come.
    fd.reset();
    if (data.empty()) return std::nullopt;
    return data;
  }
}

std::optional<int> ChildProcess::exit_status() {
  if (!status_) {
    status_ = child_exit_status(pid_);
    // The group may hold grandchildren; take them down with the leader.
    if (status_) ::kill(-pid_, SIGKILL);
  }
  return status_;
}

int ChildProcess::wait() {
  while (!exit_status()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return *status_;
}

void ChildProcess::kill_group(int sig) {
  if (status_) return;
  ::kill(-pid_, sig);
  ::kill(pid_, sig);
}

}  // namespace famlab::agent
