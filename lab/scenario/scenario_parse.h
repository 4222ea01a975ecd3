#pragma once
// Scenario file -> model. Checks everything the file alone can tell: keys,
// types, actions and the keys each takes, regexes, step order (a pattern
// needs a bringup before it; verify and placement need a write of that
// region). Checks against the topology live in scenario_check.h.
#include <filesystem>
#include <optional>
#include <vector>

#include "lab/scenario/scenario.h"
#include "lab/topology/diagnostic.h"

namespace famlab::scenario {

using topology::Diagnostic;

// nullopt only when the file cannot be read or is not TOML.
std::optional<Scenario> parse_scenario(const std::filesystem::path& file, std::vector<Diagnostic>& out);

}  // namespace famlab::scenario
