#include "harness/agent/plan_check.h"

#include "base/hex.h"
#include "base/units.h"

namespace famlab::agent {
namespace {

using protocol::GuestPlan;

void check_memdevs(const GuestPlan& plan, const GuestView& view, std::vector<std::string>& out) {
  if (view.memdevs.size() != plan.memdevs.size())
    out.push_back("memdevs: the guest has " + std::to_string(view.memdevs.size()) + ", topology says " +
                  std::to_string(plan.memdevs.size()));
  for (const auto& pm : plan.memdevs) {
    std::string who = "memdev " + pm.id + " (serial " + hex(pm.serial) + ")";
    const MemdevView* found = nullptr;
    for (const auto& m : view.memdevs)
      if (m.serial == pm.serial) found = &m;
    if (!found) {
      out.push_back(who + ": not found in the guest");
      continue;
    }
    who = "memdev " + pm.id + " (serial " + hex(pm.serial) + ", guest " + found->name + ")";
    if (found->ram_size != pm.ram_size)
      out.push_back(who + ": ram_size is " + format_size(found->ram_size) + ", topology says " +
                    format_size(pm.ram_size));
    if (found->pmem_size != pm.pmem_size)
      out.push_back(who + ": pmem_size is " + format_size(found->pmem_size) + ", topology says " +
                    format_size(pm.pmem_size));
  }
}

// Checks the dax device every planned devdax/system-ram target must end as.
void check_dax(const std::string& who, const std::optional<DaxView>& dax, const std::string& mode,
               std::vector<std::string>& out) {
  if (!dax) {
    out.push_back(who + ": no dax device");
    return;
  }
  if (dax->mode != mode)
    out.push_back(who + ": " + dax->name + " mode is " + dax->mode + ", topology says " + mode);
  if (mode == "devdax" && !dax->path_exists) out.push_back(who + ": " + dax->path + " does not exist");
}

std::string serial_name(uint64_t serial, const std::string& memdev) {
  return memdev.empty() ? "nothing" : "serial " + hex(serial) + " (" + memdev + ")";
}

void check_regions(const GuestPlan& plan, const GuestView& view, std::vector<std::string>& out) {
  for (const auto& pr : plan.regions) {
    std::string who = "region " + std::to_string(pr.index);
    const RegionView* r = nullptr;
    for (const auto& v : view.regions)
      if (v.index == pr.index) r = &v;
    if (!r) {
      out.push_back(who + ": not found in the guest");
      continue;
    }
    if (r->size != pr.size)
      out.push_back(who + ": size is " + format_size(r->size) + ", topology says " + format_size(pr.size));
    if (r->ways != pr.targets.size())
      out.push_back(who + ": interleave_ways is " + std::to_string(r->ways) + ", topology says " +
                    std::to_string(pr.targets.size()));
    if (r->granularity != pr.granularity)
      out.push_back(who + ": interleave_granularity is " + std::to_string(r->granularity) +
                    ", topology says " + std::to_string(pr.granularity));
    for (size_t i = 0; i < pr.targets.size() && i < r->target_serials.size(); ++i)
      if (r->target_serials[i] != pr.targets[i] || r->targets[i].empty())
        out.push_back(who + ": target " + std::to_string(i) + " is " +
                      serial_name(r->target_serials[i], r->targets[i]) + ", topology says serial " +
                      hex(pr.targets[i]));
    check_dax(who, r->dax, pr.mode, out);
    // A ram region's dax device spans it all; pmem namespaces keep some
    // room for their metadata.
    if (r->dax && pr.type == "ram" && r->dax->size != r->size)
      out.push_back(who + ": " + r->dax->name + " size is " + format_size(r->dax->size) +
                    ", region size is " + format_size(r->size));
    if (r->dax && pr.type == "pmem" && (r->dax->size == 0 || r->dax->size > r->size))
      out.push_back(who + ": " + r->dax->name + " size is " + format_size(r->dax->size) +
                    ", region size is " + format_size(r->size));
  }
}

void check_pmem(const GuestPlan& plan, const GuestView& view, std::vector<std::string>& out) {
  for (size_t i = 0; i < plan.pmem.size(); ++i) {
    const auto& pp = plan.pmem[i];
    std::string who = "pmem " + std::to_string(i) + " (memmap at " + hex(pp.start) + ")";
    const PmemView* p = nullptr;
    for (const auto& v : view.pmem)
      if (v.index == static_cast<int>(i)) p = &v;
    if (!p) {
      out.push_back(who + ": no namespace found in the guest");
      continue;
    }
    if (p->start != pp.start)
      out.push_back(who + ": " + p->ns + " starts at " + hex(p->start) + ", topology says " + hex(pp.start));
    check_dax(who, p->dax, "devdax", out);
    if (!p->dax) continue;
    if (p->dax->align != pp.align)
      out.push_back(who + ": " + p->dax->name + " align is " + format_size(p->dax->align) +
                    ", topology says " + format_size(pp.align));
    if (p->dax->size == 0 || p->dax->size > pp.size)
      out.push_back(who + ": " + p->dax->name + " size is " + format_size(p->dax->size) +
                    ", topology says at most " + format_size(pp.size));
  }
}

}  // namespace

std::vector<std::string> compare_with_plan(const GuestPlan& plan, const GuestView& view) {
  std::vector<std::string> out;
  check_memdevs(plan, view, out);
  check_regions(plan, view, out);
  check_pmem(plan, view, out);
  return out;
}

}  // namespace famlab::agent
