#include "harness/agent/dax_mode.h"

#include "base/error.h"
#include "base/hex.h"
#include "base/units.h"
#include "harness/agent/bringup_env.h"
#include "harness/agent/dax_device.h"

namespace famlab::agent {
namespace {

constexpr const char* kFamfsDriver = "famfs_dax";
constexpr const char* kDevdaxDriver = "device_dax";

fs::path driver_dir(const fs::path& sys, const std::string& driver) {
  return sys / "bus/dax/drivers" / driver;
}

}  // namespace

bool famfs_dax_available(const fs::path& sys) {
  std::error_code ec;
  return fs::is_directory(driver_dir(sys, kFamfsDriver), ec);
}

DaxModeChange set_dax_mode(const SystemRoots& roots, const std::string& device, const std::string& mode,
                           double timeout_s, const std::function<void()>& idle, const AttrWriter& write) {
  if (mode != "famfs" && mode != "devdax") throw Error("dax mode '" + mode + "' is neither famfs nor devdax");
  const std::string target = mode == "famfs" ? kFamfsDriver : kDevdaxDriver;
  if (mode == "famfs" && !famfs_dax_available(roots.sys))
    throw Error("famfs mode for " + device + ": this kernel has no " +
                driver_dir(roots.sys, kFamfsDriver).string());
  fs::path dir = dax_bus_devices(roots.sys) / device;
  if (!fs::exists(dir)) throw Error("no dax device " + dir.string());
  DaxDevice dax(dir);
  DaxModeChange c{device, dax.driver(), "", mode, false, ""};
  if (c.driver_before != target) {
    c.changed = true;
    if (!c.driver_before.empty()) write(driver_dir(roots.sys, c.driver_before) / "unbind", device);
    if (c.driver_before == kFamfsDriver) write(driver_dir(roots.sys, kFamfsDriver) / "remove_id", device);
    if (mode == "famfs")
      write(driver_dir(roots.sys, kFamfsDriver) / "new_id", device);
    else
      write(driver_dir(roots.sys, kDevdaxDriver) / "bind", device);
    if (!wait_for([&] { return dax.driver() == target; }, timeout_s, idle)) {
      std::string now = dax.driver();
      throw Error(device + " is bound to " + (now.empty() ? std::string("no driver") : now) + ", not " +
                  target + ", " + format_seconds(timeout_s) +
                  " s after the sysfs writes (see the kernel log)");
    }
  }
  c.driver = dax.driver();
  fs::path node = dax.char_device(roots.dev);
  if (!wait_for([&] { return fs::exists(node); }, timeout_s, idle))
    throw Error(device + " is bound to " + target + " but " + node.string() + " did not appear within " +
                format_seconds(timeout_s) + " s");
  return c;
}

}  // namespace famlab::agent
