#include "harness/agent/pmem_setup.h"

#include "base/error.h"
#include "base/hex.h"
#include "base/units.h"
#include "harness/agent/dax_setup.h"
#include "harness/agent/nd_namespace.h"
#include "harness/agent/nd_region.h"

namespace famlab::agent {
namespace {

// The namespace's dax device, bound to device_dax with its /dev node.
void settle_namespace(const NdNamespace& ns, const BringupEnv& env) {
  std::optional<DaxDevice> dax;
  if (!wait_for([&] { return (dax = ns.dax_device()).has_value(); }, env.dax_timeout_s, env.idle))
    throw Error(ns.name() + " is in " + ns.mode() + " mode but no dax device appeared below its holder '" +
                ns.holder() + "'");
  ensure_dax_mode(*dax, "devdax", env);
}

}  // namespace

std::string setup_memmap_pmem(const protocol::PlannedPmem& p, int index, const BringupEnv& env) {
  const std::string where = "pmem " + std::to_string(index) + ": ";
  try {
    std::optional<NdNamespace> ns;
    if (!wait_for([&] { return (ns = NdNamespace::at(env.roots.sys, p.start)).has_value(); },
                  env.device_timeout_s, env.idle))
      throw Error("no namespace starts at " + hex(p.start) + " (memmap=" + format_size(p.size) + "!" +
                  hex(p.start) + " on the kernel command line? guest RAM must cover it)");
    if (ns->mode() != "dax") {
      run_checked_tool(env,
                       {"ndctl", "create-namespace", "-f", "-e", ns->name(), "-m", "devdax", "-a",
                        std::to_string(p.align)},
                       "making " + ns->name() + " devdax");
      ns = NdNamespace::at(env.roots.sys, p.start);
      if (!ns) throw Error("the namespace at " + hex(p.start) + " is gone after ndctl create-namespace");
    }
    settle_namespace(*ns, env);
    return ns->name();
  } catch (const Error& e) {
    throw Error(where + e.what());
  }
}

std::string setup_cxl_pmem_namespace(const Region& region, uint64_t align, const BringupEnv& env) {
  uint64_t start = region.resource();
  std::optional<NdRegion> nd;
  if (!wait_for([&] { return (nd = NdRegion::at(env.roots.sys, start)).has_value(); }, env.dax_timeout_s,
                env.idle))
    throw Error(region.name() + " is bound but no nvdimm region starts at " + hex(start) +
                " (is cxl_pmem loaded?)");
  for (const auto& ns : nd->namespaces())
    if (ns.mode() == "dax") {
      settle_namespace(ns, env);
      return ns.name();
    }
  run_checked_tool(
      env, {"ndctl", "create-namespace", "-r", nd->name(), "-m", "devdax", "-a", std::to_string(align)},
      "creating a devdax namespace on " + nd->name() + " (" + region.name() + ")");
  for (const auto& ns : nd->namespaces())
    if (ns.mode() == "dax") {
      settle_namespace(ns, env);
      return ns.name();
    }
  throw Error("ndctl create-namespace succeeded but " + nd->name() + " has no devdax namespace");
}

}  // namespace famlab::agent
