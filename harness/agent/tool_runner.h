#pragma once
// Runs a helper tool (modprobe, daxctl, ndctl) to completion with a
// deadline, collecting stdout and stderr together. Bringup code gets a
// ToolRunner so unit tests can stand in for the real tools.
#include <functional>
#include <string>
#include <vector>

namespace famlab::agent {

struct ToolResult {
  int exit_code = -1;  // 128+N when killed by signal N
  std::string output;  // stdout and stderr, interleaved as they came
  bool timed_out = false;

  bool ok() const { return exit_code == 0 && !timed_out; }
};

using ToolRunner = std::function<ToolResult(const std::vector<std::string>& argv, double timeout_s)>;

// Runs argv; calls `idle` between reads so the caller can keep other I/O
// moving. Throws Error when the program cannot be started.
ToolResult run_tool(const std::vector<std::string>& argv, double timeout_s,
                    const std::function<void()>& idle = {});

// "daxctl reconfigure-device --mode=devdax dax0.0", for messages.
std::string command_line(const std::vector<std::string>& argv);

}  // namespace famlab::agent
