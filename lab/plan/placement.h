#pragma once
// The host's interleave oracle: which device, and where in its backing file,
// a byte of a region must land. The host checks the pattern the guest wrote
// against this, so a region built with the wrong target order or
// granularity fails even though the guest reads its own writes back fine.
#include <cstdint>
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

}  // namespace famlab::plan
