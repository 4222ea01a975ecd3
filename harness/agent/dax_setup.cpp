#include "harness/agent/dax_setup.h"

#include "base/error.h"
#include "base/hex.h"
#include "base/units.h"

namespace famlab::agent {

DaxDevice setup_region_dax(const Region& region, const std::string& mode, const BringupEnv& env) {
  std::optional<DaxDevice> dax;
  bool found = wait_for([&] { return (dax = region.dax_device()).has_value(); }, env.dax_timeout_s, env.idle);
  if (!found)
    throw Error(region.name() + " is committed but no dax device appeared below it within " +
                format_seconds(env.dax_timeout_s) + " s (is dax_cxl available?)");
  ensure_dax_mode(*dax, mode, env);
  return *dax;
}

void ensure_dax_mode(const DaxDevice& dax, const std::string& mode, const BringupEnv& env) {
  if (mode != "devdax" && mode != "system-ram")
    throw Error("dax mode '" + mode + "' is neither devdax nor system-ram");
  if (dax.mode() != mode) {
    env.say(dax.name() + " is " + dax.mode() + ", reconfiguring to " + mode);
    run_checked_tool(env, {"daxctl", "reconfigure-device", "--mode=" + mode, "--force", dax.name()},
                     "making " + dax.name() + " " + mode);
    if (dax.mode() != mode)
      throw Error(dax.name() + " is still " + dax.mode() + " after daxctl reconfigure-device --mode=" + mode);
  }
  if (mode == "devdax") {
    fs::path node = dax.char_device(env.roots.dev);
    if (!wait_for([&] { return fs::exists(node); }, env.dax_timeout_s, env.idle))
      throw Error(dax.name() + " is bound to device_dax but " + node.string() + " did not appear");
  }
}

}  // namespace famlab::agent
