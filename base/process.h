#pragma once
// Every child process famlab starts goes through here (Boost.Process). A
// child runs in its own process group and gets SIGKILL when famlab dies,
// even by SIGKILL, so no run can leave an orphan QEMU behind. A child that
// starts children of its own (a kernel build's make and compilers, apt's
// download methods, tar's xz) runs in a PID namespace of its own, so they
// die with famlab too.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace famlab {

struct ProcessOptions {
  std::filesystem::path cwd;                         // empty: inherit
  std::map<std::string, std::string> env;            // added to (or replacing in) the parent's
  std::optional<std::filesystem::path> stdout_file;  // else captured (run) or a pipe (Child)
  std::optional<std::filesystem::path> stderr_file;  // else merged into stdout
  bool inherit_stdio = false;                        // interactive: the terminal is the child's
  // A child that reads the terminal must stay in the foreground process
  // group, or the terminal stops it with SIGTTIN.
  bool own_process_group = true;
  std::string stdin_data;  // run_process only
  // Run in a PID namespace of its own (util-linux unshare --pid --fork
  // --kill-child): PR_SET_PDEATHSIG reaches the direct child only, so
  // whatever it starts would outlive a famlab killed with SIGKILL. Here the
  // child is that namespace's init: when famlab dies it dies, and the
  // kernel kills everything else in the namespace. For children that start
  // children (builds, apt, unpacking). Root, or unprivileged user
  // namespaces (then a user namespace mapping only the caller's uid).
  bool own_pid_namespace = false;
};

struct ProcessResult {
  int exit_code = -1;  // 128+N when killed by signal N
  std::string output;  // stdout (and stderr unless sent to a file)
};

// Runs argv to completion. argv[0] is looked up in PATH. Throws Error when it
// cannot be started; a non-zero exit is returned, not thrown.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& opts = {});

// Like run_process, but a non-zero exit throws Error with `what` and the tail
// of the output.
std::string run_checked(const std::vector<std::string>& argv, const std::string& what,
                        const ProcessOptions& opts = {});

// A long-lived child (QEMU, a build). Its output is a pipe the caller polls
// (output_fd), unless redirected to files or inherited.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const ProcessOptions& opts = {});
  ~Child();  // kills the whole process group if still running
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const;
  int output_fd() const;  // -1 when output is not piped
  bool running();
  // Waits up to `timeout`; nullopt if still running.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  int wait();
  void kill_group(int sig = 9);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Resolves a program name through PATH; throws Error naming it when missing.
std::filesystem::path find_program(const std::string& name);

// The command line that runs `exe args...` as the init of a PID namespace
// of its own (see ProcessOptions::own_pid_namespace). Throws Error, once
// per process, when this machine cannot make one, saying why.
std::vector<std::string> in_own_pid_namespace(const std::filesystem::path& exe,
                                              const std::vector<std::string>& args);

}  // namespace famlab
