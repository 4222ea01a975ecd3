#pragma once
// The lab's own oracle for CXL interleaving: after the agent wrote the
// tagged pattern through a region's dax device (or through famfs files on
// it), every word must sit in the type-3 backing file and at the device
// offset that the arithmetic says: famfs interleave first (for files,
// famfs/format/file_map.h locate), then CXL interleave (plan/placement). A
// kernel or QEMU that computes an offset wrongly fails here even when
// reading back through the same wrong path looks right.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "famfs/format/file_map.h"
#include "lab/plan/qemu_args.h"
#include "lab/topology/model.h"

namespace famlab::runner {

struct PlacementReport {
  uint64_t granules_checked = 0;  // contiguous pieces read from a backing file
  uint64_t words_checked = 0;
  uint64_t mismatches = 0;
  std::vector<std::string> first_problems;  // "offset 0x2000 -> mem1+0x1000: ..."
  std::string summary() const;
};

// Where logical byte `offset` of what was written lives in the region, and
// how many bytes from there are contiguous; nullopt when it has no place.
struct RegionRun {
  uint64_t region_offset = 0;
  uint64_t length = 0;
};
using RegionMapper = std::function<std::optional<RegionRun>(uint64_t offset)>;

// What was written: `bytes` bytes (a multiple of 8) whose word at logical
// offset o is protocol::pattern_word(seed, o).
struct WrittenPattern {
  std::string what;  // "region 0", "file /i2": names it in problems
  uint64_t bytes = 0;
  uint64_t seed = 0;
  RegionMapper to_region;
};

// The one implementation: every word of `written`, looked for where the
// mapper and then the CXL interleave put it. Throws famlab::Error when a
// backing file is missing or short.
PlacementReport check_placement(const topology::Topology& topo, const std::vector<plan::BackingFile>& backing,
                                int region, const WrittenPattern& written);

// A write_pattern through the dax device: logical offset == region offset.
PlacementReport check_placement(const topology::Topology& topo, const std::vector<plan::BackingFile>& backing,
                                int region, uint64_t bytes, uint64_t seed);

// A famfs file of `size` bytes with `map` (device offsets in the region's
// dax device, which starts at region offset 0).
PlacementReport check_file_placement(const topology::Topology& topo,
                                     const std::vector<plan::BackingFile>& backing, int region,
                                     const std::string& name, const famfs::format::FileMap& map,
                                     uint64_t size, uint64_t seed);

}  // namespace famlab::runner
