#pragma once
// The lab's own oracle for CXL interleaving: after the agent wrote the
// tagged pattern through a region's dax device, every granule must sit in
// the type-3 backing file and at the device offset that the interleave
// arithmetic (plan/placement) says. A kernel or QEMU that decodes an
// address wrongly fails here even when reading back through the same wrong
// path looks right.
#include <cstdint>
#include <string>
#include <vector>

#include "plan/qemu_args.h"
#include "topology/model.h"

namespace famlab::runner {

struct PlacementReport {
  uint64_t granules_checked = 0;
  uint64_t words_checked = 0;
  uint64_t mismatches = 0;
  std::vector<std::string> first_problems;  // "offset 0x2000 -> mem1+0x1000: ..."
  std::string summary() const;
};

PlacementReport check_placement(const topology::Topology& topo, const std::vector<plan::BackingFile>& backing,
                                int region, uint64_t bytes, uint64_t seed);

}  // namespace famlab::runner
