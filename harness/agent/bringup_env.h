#pragma once
// What the bringup steps need from the agent: where the system is, how to
// run tools, how to tell the host what they are doing, and a chance to keep
// the port and the kernel log moving while they wait for devices.
#include <functional>
#include <string>

#include "harness/agent/sysfs.h"
#include "harness/agent/tool_runner.h"

namespace famlab::agent {

struct BringupEnv {
  SystemRoots roots;
  ToolRunner run_tool;
  std::function<void(const std::string&)> info;  // one progress line
  std::function<void()> idle;                    // called while waiting
  double device_timeout_s = 10;                  // planned memdevs must appear within this
  double dax_timeout_s = 5;                      // a bound region's dax device, its /dev node
  double tool_timeout_s = 60;
  // /lib/modules/<release>; plan modules are loaded only when it exists.
  std::string modules_dir;

  void say(const std::string& line) const {
    if (info) info(line);
  }
};

// Checks `ready` every 20 ms until it holds or `timeout_s` passes, calling
// `idle` in between. Returns whether it held.
bool wait_for(const std::function<bool()>& ready, double timeout_s, const std::function<void()>& idle);

// Runs a tool through env.run_tool and throws Error with its output when
// it fails; returns the output.
std::string run_checked_tool(const BringupEnv& env, const std::vector<std::string>& argv,
                             const std::string& what);

}  // namespace famlab::agent
