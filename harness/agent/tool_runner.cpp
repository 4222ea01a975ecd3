#include "harness/agent/tool_runner.h"

#include <poll.h>

#include <chrono>

#include "harness/agent/child_process.h"

namespace famlab::agent {

ToolResult run_tool(const std::vector<std::string>& argv, double timeout_s,
                    const std::function<void()>& idle) {
  ToolResult r;
  ChildProcess child(argv);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    pollfd fds[2];
    nfds_t n = 0;
    for (Stream s : {Stream::Out, Stream::Err})
      if (child.fd(s) >= 0) fds[n++] = {child.fd(s), POLLIN, 0};
    if (n > 0) poll(fds, n, 20);
    for (Stream s : {Stream::Out, Stream::Err})
      if (auto data = child.read_available(s)) r.output += *data;
    if (auto st = child.exit_status()) {
      for (Stream s : {Stream::Out, Stream::Err})
        if (auto data = child.read_available(s)) r.output += *data;
      r.exit_code = *st;
      return r;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      child.kill_group();
      r.exit_code = child.wait();
      r.timed_out = true;
      return r;
    }
    if (n == 0) poll(nullptr, 0, 10);  // both pipes closed: wait for the exit
    if (idle) idle();
  }
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  return s;
}

}  // namespace famlab::agent
