#pragma once
// The host's interleave oracle: which device, and where in its backing file,
// a byte of a region must land. The host checks the pattern the guest wrote
// against this, so a region built with the wrong target order or
// granularity fails even though the guest reads its own writes back fine.
#include <cstdint>
#include <optional>
#include <string>

#include "lab/topology/model.h"

namespace famlab::plan {

struct Placement {
  std::string device_id;
  std::string kind;          // "volatile" | "persistent": which backing file
  uint64_t file_offset = 0;  // from the start of that partition's file
};

// For a region of W ways and granularity G, members in position order:
// offset o lives on member (o / G) % W at DPA (o / (G * W)) * G + o % G of
// the region's partition. Throws famlab::Error for a bad region index or an
// offset past the region's end.
Placement locate(const topology::Topology& t, int region, uint64_t region_offset);

// The device physical address of a placement: a device's volatile
// partition starts at DPA 0 and its persistent one follows it; a region
// takes its members' whole partition of its type, from its start.
uint64_t device_dpa(const topology::Topology& t, const Placement& p);

// The other way: where a device's DPA lies in the region it is a member
// of; nullopt when the device is in no region or the DPA is outside the
// region's partition. For position p of W ways, granularity G and
// partition offset d: region offset ((d / G) * W + p) * G + d % G.
struct RegionOffset {
  int region = 0;
  uint64_t offset = 0;
};
std::optional<RegionOffset> region_offset_of(const topology::Topology& t, const std::string& device_id,
                                             uint64_t dpa);

}  // namespace famlab::plan
