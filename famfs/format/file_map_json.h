#pragma once
// A file's map as JSON: what `famfs getmap --json` prints and what the
// lab's host oracle reads back from the agent. One codec for both ends.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "famfs/format/file_map.h"

namespace famlab::famfs::format {

// {"kind": "simple"|"interleaved", "chunk_size": N, "extents": [{"offset", "length"}...]}
nlohmann::json file_map_to_json(const FileMap& map);
// Throws famlab::Error naming the bad field.
FileMap file_map_from_json(const nlohmann::json& j);

}  // namespace famlab::famfs::format
