#include "lab/plan/guest_plan.h"

#include "lab/topology/lookup.h"

namespace famlab::plan {

namespace {

bool has_region_mode(const topology::Topology& t, const std::string& mode) {
  for (const auto& r : t.regions) {
    if (r.mode == mode) return true;
  }
  return false;
}

// Modules this topology needs beyond the standard CXL/DAX/pmem set, which
// the agent loads at start from the image (images/initramfs.toml). kmem is
// not in that set on purpose: loaded, it takes every CXL dax device as
// System RAM, so only a system-ram region asks for it.
std::vector<std::string> extra_modules(const topology::Topology& t) {
  if (has_region_mode(t, "system-ram")) return {"kmem"};
  return {};
}

}  // namespace

protocol::GuestPlan make_guest_plan(const topology::Topology& t) {
  protocol::GuestPlan plan;
  plan.modules = extra_modules(t);
  for (const auto& d : t.devices) {
    plan.memdevs.push_back(protocol::PlannedMemdev{d.id, d.serial, d.volatile_size, d.persistent_size});
  }
  for (const auto& r : t.regions) {
    protocol::PlannedRegion region;
    region.index = r.index;
    region.window = r.window;
    region.type = r.type;
    for (const auto& id : r.devices) {
      if (const auto* d = topology::find_device(t, id)) region.targets.push_back(d->serial);
    }
    region.granularity = r.granularity;
    region.size = r.size;
    region.mode = r.mode;
    plan.regions.push_back(region);
  }
  for (const auto& p : t.pmem) {
    protocol::PlannedPmem pmem;
    pmem.start = p.start;
    pmem.size = p.size;
    plan.pmem.push_back(pmem);
  }
  return plan;
}

}  // namespace famlab::plan
