#pragma once
// Where a scenario's poison goes, in the terms QEMU and the guest kernel
// use. A scenario names a place as a device offset, a region offset or an
// offset in a famfs file; the host knows the famfs map (the agent's
// `famfs getmap --json`), the CXL interleave (topology) and the region's
// base address (the guest's bringup), so it computes the device, its DPA
// and the HPA the guest kernel must translate that DPA to: the arithmetic
// of check_placement, run the other way round.
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "famfs/format/file_map.h"
#include "lab/scenario/scenario.h"
#include "lab/topology/model.h"

namespace famlab::runner {

// What the host knows about one guest's memory.
struct GuestMemory {
  const topology::Topology* topology = nullptr;
  // Region index -> its HPA, as the guest's last bringup reported it.
  std::map<int, uint64_t> region_base;
  // Region index -> famfs file name -> its map, from the last famfs_mount.
  std::map<int, std::map<std::string, famfs::format::FileMap>> famfs_maps;
  // Device id -> QOM path (what cxl-inject-poison takes).
  std::function<std::string(const std::string& device)> qom_path;
};

// One contiguous range on one device.
struct PoisonTarget {
  std::string device;
  std::string qom_path;
  uint64_t serial = 0;  // how the guest names the device
  uint64_t dpa = 0;
  uint64_t length = 0;
  std::optional<int> region;  // the region the DPA is in, if any
  uint64_t region_offset = 0;
  std::optional<uint64_t> hpa;  // region base + region offset, when the guest reported the base
  std::string named_as;         // how the scenario named it: "region 0 + 0x10000", "file a + 0x1000"
  std::string step;             // the step that injected it

  // "mem0 DPA 0x1000 +64 (region 0 + 0x1000, HPA 0x490001000)"
  std::string describe() const;
};

// The device ranges a place covers, in order: a region or file range that
// crosses an interleave granule (or a famfs chunk) becomes one target per
// device piece; neighbouring pieces on one device are merged. Throws
// famlab::Error when it has no place (unknown device or file, past an end).
std::vector<PoisonTarget> resolve_poison(const scenario::MemorySpot& spot, const GuestMemory& memory);

nlohmann::json to_json(const PoisonTarget& t);

// A CXL trace field printed in hex, with or without 0x ("1000", "0x1000").
std::optional<uint64_t> parse_trace_hex(const std::string& text);

}  // namespace famlab::runner
