#pragma once
// Where a file's bytes live on the device. A simple map is a list of
// extents in file order; an interleaved map spreads the file chunk by chunk
// round-robin over N equal strips (chunk i goes to strip i % N, row i / N).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace famlab::famfs::format {

struct Extent {
  uint64_t offset = 0;  // device byte offset
  uint64_t length = 0;
  uint64_t end() const { return offset + length; }
  bool operator==(const Extent&) const = default;
};

// One interleaved extent of a map that has several (FileMap::stripes):
// `nbytes` of the file, interleaved over its strips.
struct Stripe {
  uint64_t nbytes = 0;  // file bytes it covers, whole 2 MiB units
  uint64_t chunk_size = 0;
  std::vector<Extent> strips;
  bool operator==(const Stripe&) const = default;
};

struct FileMap {
  enum class Kind { Simple, Interleaved };
  Kind kind = Kind::Simple;
  std::vector<Extent> extents;  // Simple: in file order. Interleaved: the strips.
  uint64_t chunk_size = 0;      // Interleaved only
  // Interleaved with several interleaved extents, in file order. Then
  // `extents` lists every strip of every stripe (all device ranges, for
  // the overlap and bounds checks) and `chunk_size` is the first one's.
  // Empty: one interleaved extent, `extents` and `chunk_size` above.
  std::vector<Stripe> stripes = {};
  bool operator==(const FileMap&) const = default;
};

// An interleaved map made of several interleaved extents, with `extents`
// and `chunk_size` filled in as FileMap says.
FileMap striped_map(std::vector<Stripe> stripes);

// Bytes of file the map can address.
uint64_t map_capacity(const FileMap& map);

// The device range holding file byte `pos` and the bytes contiguous from
// there (to the end of its extent or chunk, never past the extent's end);
// nullopt beyond the capacity.
std::optional<Extent> locate(const FileMap& map, uint64_t pos);

// Shape problems (alignment, strip rules, capacity vs size), in words;
// empty when the map is sound. Placement (overlap, bounds) is checked by
// the allocator.
std::vector<std::string> map_shape_problems(const FileMap& map, uint64_t file_size);

// "simple 1 extent: [0x400000, +2M)" and the like, for ls and getmap.
std::string describe(const FileMap& map);

}  // namespace famlab::famfs::format
