#pragma once
// Where a famfs kernel puts a file's bytes under a map it accepted
// (kernel-config/patches/README.md, "I/O"): simple extents one after the
// other; in an interleaved extent, chunk c of the extent is in strip
// c % nstrips, at strip offset (c / nstrips) * chunk. The fuzzer reads a
// file across these seams and compares with the device, so a kernel that
// translates an offset wrongly is caught even when it opens the file.
#include <cstdint>
#include <optional>
#include <vector>

#include "famfs/fuse/fmap_message.h"

namespace famlab::famfs::fuse {

struct FmapPlace {
  uint32_t dev = 0;
  uint64_t offset = 0;  // on the device
  uint64_t run = 0;     // bytes that follow contiguously on the device, up to the next seam
};

// nullopt past the map's last extent.
std::optional<FmapPlace> fmap_locate(const FmapMessage& map, uint64_t file_offset);

// File offsets where one contiguous device run ends and the next begins
// (extent ends, chunk ends), below `limit`, in order, at most `max`.
std::vector<uint64_t> fmap_seams(const FmapMessage& map, uint64_t limit, size_t max);

}  // namespace famlab::famfs::fuse
