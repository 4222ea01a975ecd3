#include "base/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "base/die_with_parent.h"
#include "base/error.h"
#include "base/unique_fd.h"

namespace bp = boost::process;
namespace fs = std::filesystem;

namespace famlab {
namespace {

bp::environment make_env(const ProcessOptions& opts) {
  bp::environment env = boost::this_process::environment();
  for (const auto& [k, v] : opts.env) env[k] = v;
  return env;
}

std::string tail(const std::string& s, size_t n = 4000) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

// unshare's options for a PID namespace whose init dies with unshare (and
// unshare dies with famlab: DieWithParent). Without root a user namespace
// mapping only our own uid provides the right to make one.
std::vector<std::string> pid_namespace_options() {
  std::vector<std::string> o;
  if (geteuid() != 0) o.push_back("--map-current-user");
  for (const char* a : {"--pid", "--fork", "--kill-child=SIGKILL"}) o.push_back(a);
  return o;
}

// The program and arguments to start: argv as given, or wrapped in unshare.
std::pair<fs::path, std::vector<std::string>> command_line(const std::vector<std::string>& argv,
                                                           const ProcessOptions& opts) {
  fs::path exe = find_program(argv[0]);
  std::vector<std::string> args(argv.begin() + 1, argv.end());
  if (!opts.own_pid_namespace) return {exe, args};
  std::vector<std::string> wrapped = in_own_pid_namespace(exe, args);
  return {fs::path(wrapped[0]), std::vector<std::string>(wrapped.begin() + 1, wrapped.end())};
}

}  // namespace

std::vector<std::string> in_own_pid_namespace(const fs::path& exe, const std::vector<std::string>& args) {
  static std::once_flag probed;
  static std::string problem;  // empty: works
  static fs::path unshare;
  std::call_once(probed, [] {
    try {
      unshare = find_program("unshare");
      std::vector<std::string> probe = pid_namespace_options();
      probe.insert(probe.begin(), unshare.string());
      probe.push_back("true");
      ProcessResult r = run_process(probe);
      if (r.exit_code != 0)
        problem = "'unshare --pid' failed here (exit " + std::to_string(r.exit_code) + "): " + r.output;
    } catch (const Error& e) {
      problem = e.what();
    }
  });
  if (!problem.empty())
    throw Error("cannot run " + exe.filename().string() +
                " in a PID namespace of its own, which famlab needs so that nothing it starts outlives it: " +
                problem + " (run famlab as root, or allow unprivileged user namespaces)");
  std::vector<std::string> out{unshare.string()};
  for (auto& o : pid_namespace_options()) out.push_back(o);
  out.push_back(exe.string());
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

fs::path find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (access(name.c_str(), X_OK) != 0) throw Error("program not found or not executable: " + name);
    return name;
  }
  auto p = bp::search_path(name);
  if (p.empty()) throw Error("program '" + name + "' not found in PATH (run 'make deps')");
  return fs::path(p.string());
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& opts) {
  if (argv.empty()) throw Error("run_process: empty command");
  auto [exe, args] = command_line(argv, opts);

  // Output goes to a temporary file rather than a pipe: no deadlock when a
  // tool writes a lot to both streams, and no reader thread.
  char tmpl[] = "/tmp/famlab-out-XXXXXX";
  if (UniqueFd fd(mkstemp(tmpl)); !fd) throw Error("cannot create a temporary file for process output");
  fs::path out_file = opts.stdout_file.value_or(fs::path(tmpl));
  fs::path err_file = opts.stderr_file.value_or(out_file);
  // Boost opens redirect targets without O_TRUNC: start them empty.
  std::error_code ignored;
  if (opts.stdout_file) fs::remove(out_file, ignored);
  if (opts.stderr_file) fs::remove(err_file, ignored);

  int code;
  try {
    bp::opstream in;
    bp::child c;
    fs::path cwd = opts.cwd.empty() ? fs::current_path() : opts.cwd;
    if (err_file == out_file) {
      c = bp::child(bp::exe = exe.string(), bp::args = args, bp::start_dir = cwd.string(), make_env(opts),
                    (bp::std_out & bp::std_err) > out_file.string(), bp::std_in < in, DieWithParent{});
    } else {
      c = bp::child(bp::exe = exe.string(), bp::args = args, bp::start_dir = cwd.string(), make_env(opts),
                    bp::std_out > out_file.string(), bp::std_err > err_file.string(), bp::std_in < in,
                    DieWithParent{});
    }
    if (!opts.stdin_data.empty()) in << opts.stdin_data;
    in.flush();
    in.pipe().close();
    c.wait();
    code = c.native_exit_code();
  } catch (const std::exception& e) {
    fs::remove(tmpl);
    throw Error("cannot run " + argv[0] + ": " + e.what());
  }
  ProcessResult r;
  r.exit_code = WIFEXITED(code) ? WEXITSTATUS(code) : 128 + WTERMSIG(code);
  if (!opts.stdout_file) {
    std::ifstream f(out_file, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    r.output = ss.str();
  }
  fs::remove(tmpl);
  return r;
}

std::string run_checked(const std::vector<std::string>& argv, const std::string& what,
                        const ProcessOptions& opts) {
  ProcessResult r = run_process(argv, opts);
  if (r.exit_code != 0)
    throw Error(what + " failed (" + argv[0] + " exit " + std::to_string(r.exit_code) + ")\n" +
                tail(r.output));
  return r.output;
}

struct Child::Impl {
  bp::child child;
  std::unique_ptr<bp::pipe> out;
  bool reaped = false;
  int status = 0;
};

Child::Child(const std::vector<std::string>& argv, const ProcessOptions& opts) : impl_(new Impl) {
  if (argv.empty()) throw Error("Child: empty command");
  auto [exe, args] = command_line(argv, opts);
  fs::path cwd = opts.cwd.empty() ? fs::current_path() : opts.cwd;
  try {
    if (opts.inherit_stdio) {
      impl_->child = bp::child(bp::exe = exe.string(), bp::args = args, bp::start_dir = cwd.string(),
                               make_env(opts), DieWithParent{opts.own_process_group});
    } else if (opts.stdout_file) {
      std::string err = opts.stderr_file.value_or(*opts.stdout_file).string();
      if (err == opts.stdout_file->string())
        impl_->child =
            bp::child(bp::exe = exe.string(), bp::args = args, bp::start_dir = cwd.string(), make_env(opts),
                      (bp::std_out & bp::std_err) > err, bp::std_in < bp::null, DieWithParent{});
      else
        impl_->child = bp::child(bp::exe = exe.string(), bp::args = args, bp::start_dir = cwd.string(),
                                 make_env(opts), bp::std_out > opts.stdout_file->string(), bp::std_err > err,
                                 bp::std_in < bp::null, DieWithParent{});
    } else {
      impl_->out = std::make_unique<bp::pipe>();
      impl_->child =
          bp::child(bp::exe = exe.string(), bp::args = args, bp::start_dir = cwd.string(), make_env(opts),
                    (bp::std_out & bp::std_err) > *impl_->out, bp::std_in < bp::null, DieWithParent{});
      impl_->out->assign_sink(-1);  // Boost closed our copy of the write end on launch
      fcntl(impl_->out->native_source(), F_SETFL, O_NONBLOCK);
    }
  } catch (const std::exception& e) {
    throw Error("cannot start " + argv[0] + ": " + e.what());
  }
}

Child::~Child() {
  if (!impl_->reaped) {
    kill_group(SIGKILL);
    wait();
  }
}

pid_t Child::pid() const { return impl_->child.id(); }

int Child::output_fd() const { return impl_->out ? impl_->out->native_source() : -1; }

bool Child::running() { return !wait_for(std::chrono::milliseconds(0)).has_value(); }

std::optional<int> Child::wait_for(std::chrono::milliseconds timeout) {
  if (impl_->reaped) return impl_->status;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int st = 0;
    pid_t r = waitpid(pid(), &st, WNOHANG);
    if (r == pid()) {
      impl_->reaped = true;
      impl_->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      // The group may hold grandchildren; take them down with the leader
      // (only when it is a group of its own, never famlab's).
      if (pid() != getpgrp()) ::kill(-pid(), SIGKILL);
      return impl_->status;
    }
    if (r < 0) {  // already reaped elsewhere
      impl_->reaped = true;
      return impl_->status;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int Child::wait() {
  while (!impl_->reaped) wait_for(std::chrono::hours(1));
  return impl_->status;
}

void Child::kill_group(int sig) {
  if (impl_->reaped) return;
  if (getpgid(pid()) == pid()) ::kill(-pid(), sig);
  ::kill(pid(), sig);
}

}  // namespace famlab
