#pragma once
// Reading and writing a file's bytes through its map, straight on the
// device mapping: what the server does in fallback mode and what cp does.
// Files never grow: I/O is clamped to the file size.
#include <cstdint>
#include <optional>
#include <span>

#include "famfs/format/tree.h"

namespace famlab::famfs::format {

// Bytes copied (0 at or past the end of the file); nullopt when the map
// points outside the device, which only a corrupt log can make happen.
std::optional<size_t> read_file(std::span<const uint8_t> device, const Node& file, uint64_t pos,
                                std::span<uint8_t> out);
std::optional<size_t> write_file(std::span<uint8_t> device, const Node& file, uint64_t pos,
                                 std::span<const uint8_t> data);

}  // namespace famlab::famfs::format
