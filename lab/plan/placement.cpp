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

namespace {

const topology::Device* device_of(const topology::Topology& t, const std::string& id) {
  for (const auto& d : t.devices)
    if (d.id == id) return &d;
  return nullptr;
}

}  // namespace

uint64_t device_dpa(const topology::Topology& t, const Placement& p) {
  const topology::Device* d = device_of(t, p.device_id);
  if (!d) throw Error("no device '" + p.device_id + "' in topology '" + t.name + "'");
  return p.kind == "persistent" ? d->volatile_size + p.file_offset : p.file_offset;
}

std::optional<RegionOffset> region_offset_of(const topology::Topology& t, const std::string& device_id,
                                             uint64_t dpa) {
  const topology::Device* d = device_of(t, device_id);
  if (!d) return std::nullopt;
  for (const auto& r : t.regions) {
    for (size_t position = 0; position < r.devices.size(); ++position) {
      if (r.devices[position] != device_id || r.granularity == 0) continue;
      const bool pmem = r.type == "pmem";
      const uint64_t base = pmem ? d->volatile_size : 0;
      const uint64_t size = pmem ? d->persistent_size : d->volatile_size;
      if (dpa < base || dpa - base >= size) return std::nullopt;
      const uint64_t in_partition = dpa - base;
      const uint64_t g = r.granularity;
      const uint64_t offset = ((in_partition / g) * r.devices.size() + position) * g + in_partition % g;
      if (offset >= r.size) return std::nullopt;
      return RegionOffset{r.index, offset};
    }
  }
  return std::nullopt;
}

}  // namespace famlab::plan
