#pragma once
// A command the agent runs (Exec requests, daxctl, ndctl, modprobe):
// started through Boost.Process in its own process group, dying with the
// agent, stdin on /dev/null and stdout/stderr on non-blocking pipes the
// agent polls.
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace famlab::agent {

enum class Stream { Out, Err };

class ChildProcess {
 public:
  // argv[0] is looked up in PATH unless it holds a '/'. Throws Error naming
  // the program when it cannot be started.
  explicit ChildProcess(const std::vector<std::string>& argv);
  ~ChildProcess();  // kills the group and reaps the child if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  int fd(Stream s) const { return (s == Stream::Out ? out_fd_ : err_fd_).get(); }
  // What the pipe holds now ("" when nothing); nullopt at end of file, after
  // which fd(s) is -1.
  std::optional<std::string> read_available(Stream s);
  // Exit code (128+N for signal N) once exited; never blocks.
  std::optional<int> exit_status();
  // Blocks until exit.
  int wait();
  void kill_group(int sig = 9);

 private:
  pid_t pid_ = -1;
  UniqueFd out_fd_;
  UniqueFd err_fd_;
  std::optional<int> status_;
};

}  // namespace famlab::agent
