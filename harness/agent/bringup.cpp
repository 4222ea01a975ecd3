#include "harness/agent/bringup.h"

#include "base/error.h"
#include "base/hex.h"
#include "base/units.h"
#include "harness/agent/cxl_port.h"
#include "harness/agent/dax_setup.h"
#include "harness/agent/decoder.h"
#include "harness/agent/guest_view.h"
#include "harness/agent/memdev.h"
#include "harness/agent/plan_check.h"
#include "harness/agent/pmem_setup.h"
#include "harness/agent/region.h"
#include "harness/agent/region_builder.h"

namespace famlab::agent {
namespace {

using protocol::GuestPlan;

void load_modules(const GuestPlan& plan, const BringupEnv& env) {
  if (plan.modules.empty() || env.modules_dir.empty() || !fs::is_directory(env.modules_dir)) return;
  std::vector<std::string> argv = {"modprobe", "-a"};
  argv.insert(argv.end(), plan.modules.begin(), plan.modules.end());
  run_checked_tool(env, argv, "loading modules");
}

// A memdev is usable once cxl_mem gave it an endpoint port with decoders.
bool memdev_ready(const fs::path& sys, uint64_t serial) {
  auto m = Memdev::by_serial(sys, serial);
  if (!m) return false;
  auto ep = CxlPort::endpoint_of(sys, *m);
  return ep && !ep->decoders().empty();
}

void wait_for_devices(const GuestPlan& plan, const BringupEnv& env) {
  const fs::path& sys = env.roots.sys;
  auto all_there = [&] {
    for (const auto& m : plan.memdevs)
      if (!memdev_ready(sys, m.serial)) return false;
    for (const auto& r : plan.regions)
      if (!Decoder::named(sys, "decoder0." + std::to_string(r.window)).exists()) return false;
    return true;
  };
  if (wait_for(all_there, env.device_timeout_s, env.idle)) return;
  std::string missing, present;
  for (const auto& m : plan.memdevs)
    if (!memdev_ready(sys, m.serial)) missing += " " + m.id + " (serial " + hex(m.serial) + ")";
  for (const auto& r : plan.regions)
    if (!Decoder::named(sys, "decoder0." + std::to_string(r.window)).exists())
      missing += " decoder0." + std::to_string(r.window);
  for (const auto& m : Memdev::all(sys)) present += " " + m.name() + " (serial " + hex(m.serial()) + ")";
  throw Error("devices did not appear within " + format_seconds(env.device_timeout_s) + " s: missing" +
              missing + "; the guest has" + (present.empty() ? std::string(" no memdevs") : present));
}

DaxTarget target_of(const DaxView& d) { return {d.path, d.size, d.align}; }

}  // namespace

BringupOutcome run_bringup(const GuestPlan& plan, const BringupEnv& env) {
  BringupOutcome out;
  std::vector<std::string> failures;
  auto attempt = [&](auto&& step) {
    try {
      step();
    } catch (const std::exception& e) {
      failures.push_back(e.what());
    }
  };

  attempt([&] { load_modules(plan, env); });
  attempt([&] { wait_for_devices(plan, env); });

  std::map<int, std::string> regions, namespaces;
  for (const auto& r : plan.regions) {
    attempt([&] {
      std::string name = build_region(r, env);
      regions[r.index] = name;
      Region region(env.roots.sys, name);
      try {
        if (r.type == "pmem")
          setup_cxl_pmem_namespace(region, uint64_t{2} << 20, env);
        else
          setup_region_dax(region, r.mode, env);
      } catch (const Error& e) {
        throw Error("region " + std::to_string(r.index) + ": " + e.what());
      }
    });
  }
  for (size_t i = 0; i < plan.pmem.size(); ++i) {
    int index = static_cast<int>(i);
    attempt([&] { namespaces[index] = setup_memmap_pmem(plan.pmem[i], index, env); });
  }

  GuestView& view = out.result.view;
  std::vector<std::string>& mismatches = out.result.mismatches;
  try {
    view = read_guest_view(env.roots, regions, namespaces);
    mismatches = compare_with_plan(plan, view);
  } catch (const std::exception& e) {
    failures.push_back(std::string("reading the guest view: ") + e.what());
  }

  for (const auto& r : view.regions)
    if (r.dax && r.dax->mode == "devdax") out.regions[r.index] = target_of(*r.dax);
  for (const auto& p : view.pmem)
    if (p.dax && p.dax->mode == "devdax") out.pmem[p.index] = target_of(*p.dax);

  failures.insert(failures.end(), mismatches.begin(), mismatches.end());
  out.ok = failures.empty();
  for (const auto& f : failures) out.error += (out.error.empty() ? "" : "\n") + f;
  return out;
}

}  // namespace famlab::agent
