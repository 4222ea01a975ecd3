#pragma once
// Topology file -> model. Checks what one value alone can tell (types, size
// syntax, ranges, id spelling, unknown keys); rules that relate several parts
// of the file live in validate.h.
#include <filesystem>
#include <optional>
#include <vector>

#include "lab/topology/diagnostic.h"
#include "lab/topology/model.h"

namespace famlab::topology {

// nullopt only when the file cannot be read or is not TOML; otherwise the
// model of everything that could be read, with problems added to `out`.
// Fills the derived fields: device serials, default region granularity,
// region sizes.
std::optional<Topology> parse_topology(const std::filesystem::path& file, std::vector<Diagnostic>& out);

// Ids everywhere: [a-z][a-z0-9_-]*.
bool is_valid_id(const std::string& id);

}  // namespace famlab::topology
