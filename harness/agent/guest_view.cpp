#include "harness/agent/guest_view.h"

#include "harness/agent/cxl_port.h"
#include "harness/agent/decoder.h"
#include "harness/agent/memdev.h"
#include "harness/agent/nd_namespace.h"
#include "harness/agent/nd_region.h"
#include "harness/agent/region.h"

namespace famlab::agent {

DaxView read_dax_view(const DaxDevice& dax, const SystemRoots& roots) {
  DaxView v;
  v.name = dax.name();
  v.path = dax.char_device(roots.dev).string();
  v.size = dax.size();
  v.align = dax.align();
  v.mode = dax.mode();
  v.path_exists = fs::exists(v.path);
  return v;
}

namespace {

// The dax device of a pmem region sits below the devdax namespace of the
// nvdimm region that starts where the CXL region does.
std::optional<DaxDevice> pmem_region_dax(const SystemRoots& roots, const Region& region) {
  auto nd = NdRegion::at(roots.sys, region.resource());
  if (!nd) return std::nullopt;
  for (const auto& ns : nd->namespaces())
    if (ns.mode() == "dax") return ns.dax_device();
  return std::nullopt;
}

}  // namespace

RegionView read_region_view(const SystemRoots& roots, int index, const std::string& name) {
  Region region(roots.sys, name);
  RegionView v;
  v.index = index;
  v.name = name;
  v.size = region.size();
  v.ways = region.interleave_ways();
  v.granularity = region.interleave_granularity();
  v.resource = region.resource();
  for (uint32_t i = 0; i < v.ways; ++i) {
    std::string dec = region.target(i);
    if (dec.empty()) {
      v.targets.push_back("");
      v.target_serials.push_back(0);
      continue;
    }
    // endpoint decoder -> its endpoint port -> the memdev that port stands for
    CxlPort port(roots.sys, Decoder::named(roots.sys, dec).port_name());
    Memdev m(cxl_bus_devices(roots.sys) / port.uport_name());
    v.targets.push_back(m.name());
    v.target_serials.push_back(m.serial());
  }
  auto dax = region.mode() == "pmem" ? pmem_region_dax(roots, region) : region.dax_device();
  if (dax) v.dax = read_dax_view(*dax, roots);
  return v;
}

GuestView read_guest_view(const SystemRoots& roots, const std::map<int, std::string>& regions,
                          const std::map<int, std::string>& pmem_namespaces) {
  GuestView view;
  for (const auto& m : Memdev::all(roots.sys))
    view.memdevs.push_back({m.name(), m.serial(), m.ram_size(), m.pmem_size()});
  for (const auto& [index, name] : regions) view.regions.push_back(read_region_view(roots, index, name));
  for (const auto& [index, name] : pmem_namespaces) {
    NdNamespace ns(roots.sys, name);
    PmemView p;
    p.index = index;
    p.ns = name;
    p.start = ns.resource().value_or(0);
    if (auto dax = ns.dax_device()) p.dax = read_dax_view(*dax, roots);
    view.pmem.push_back(p);
  }
  return view;
}

}  // namespace famlab::agent
