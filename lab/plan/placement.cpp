#include "lab/plan/placement.h"

#include "base/error.h"
#include "base/units.h"

namespace famlab::plan {

Placement locate(const topology::Topology& t, int region, uint64_t region_offset) {
  if (region < 0 || static_cast<size_t>(region) >= t.regions.size()) {
    throw Error(famlab::Location{t.file.string()}, "no region " + std::to_string(region) + " in topology '" +
                                                       t.name + "' (it has " +
                                                       std::to_string(t.regions.size()) + ")");
  }
  const topology::Region& r = t.regions[static_cast<size_t>(region)];
  if (r.devices.empty() || r.granularity == 0 || region_offset >= r.size) {
    throw Error(r.where, "offset " + std::to_string(region_offset) + " is outside region " +
                             std::to_string(region) + " (size " + format_size(r.size) + ")");
  }
  const uint64_t ways = r.devices.size();
  const uint64_t granularity = r.granularity;
  const uint64_t granule = region_offset / granularity;
  Placement p;
  p.device_id = r.devices[granule % ways];
  // Each partition has its own backing file, so the persistent partition's
  // DPA (which follows the volatile one) maps to file offset 0 onward too.
  p.kind = r.type == "pmem" ? "persistent" : "volatile";
  p.file_offset = (granule / ways) * granularity + region_offset % granularity;
  return p;
}

}  // namespace famlab::plan
