#pragma once
// The topology API the rest of famlab uses: parse + validate.
#include <filesystem>
#include <optional>
#include <vector>

#include "lab/topology/diagnostic.h"
#include "lab/topology/model.h"

namespace famlab::topology {

// A valid topology, or famlab::Error with the first problem (file:line:col).
Topology load_topology(const std::filesystem::path& file);

// Every problem in the file, in file order; empty when it is valid.
std::vector<Diagnostic> check_topology(const std::filesystem::path& file);

// Both at once: the model (nullopt when the file is not readable TOML) and
// all problems. For checks that go on to look at the model (scenarios).
std::optional<Topology> read_topology(const std::filesystem::path& file, std::vector<Diagnostic>& out);

}  // namespace famlab::topology
