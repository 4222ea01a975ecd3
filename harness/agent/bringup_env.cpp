#include "harness/agent/bringup_env.h"

#include <chrono>
#include <thread>

#include "base/error.h"
#include "base/hex.h"
#include "base/units.h"

namespace famlab::agent {

bool wait_for(const std::function<bool()>& ready, double timeout_s, const std::function<void()>& idle) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    if (ready()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (idle) idle();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string run_checked_tool(const BringupEnv& env, const std::vector<std::string>& argv,
                             const std::string& what) {
  env.say("$ " + command_line(argv));
  ToolResult r = env.run_tool(argv, env.tool_timeout_s);
  if (!r.output.empty()) env.say(r.output);
  if (r.timed_out)
    throw Error(what + ": '" + command_line(argv) + "' timed out after " +
                format_seconds(env.tool_timeout_s) + " s");
  if (r.exit_code != 0)
    throw Error(what + ": '" + command_line(argv) + "' exited with " + std::to_string(r.exit_code) +
                (r.output.empty() ? "" : ": " + r.output.substr(0, 2000)));
  return r.output;
}

}  // namespace famlab::agent
