#pragma once
// A whole scenario check: the file itself, its topology, and the steps
// against that topology (regions exist, placement needs file backing,
// patterns fit their region).
#include <filesystem>
#include <vector>

#include "lab/scenario/scenario.h"
#include "lab/topology/diagnostic.h"
#include "lab/topology/model.h"

namespace famlab::scenario {

using topology::Diagnostic;

// Every problem of the scenario and of its topology; empty when valid.
std::vector<Diagnostic> check_scenario(const std::filesystem::path& file);

// A scenario that passes check_scenario, or famlab::Error with the first
// problem.
Scenario load_scenario(const std::filesystem::path& file);

// The checks of steps against an already loaded topology: the first
// guest's, or the named guest's steps against its own topology.
void check_steps_against(const Scenario& sc, const topology::Topology& t, std::vector<Diagnostic>& out);
void check_steps_against(const Scenario& sc, const std::string& guest, const topology::Topology& t,
                         std::vector<Diagnostic>& out);

}  // namespace famlab::scenario
