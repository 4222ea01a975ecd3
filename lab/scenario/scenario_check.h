#pragma once
// A whole scenario check: the file itself, the kernels it names, its
// topology, and the steps against that topology (regions exist, placement
// needs file backing, patterns fit their region).
#include <filesystem>
#include <string>
#include <vector>

#include "lab/scenario/scenario.h"
#include "lab/topology/diagnostic.h"
#include "lab/topology/model.h"

namespace famlab::scenario {

using topology::Diagnostic;

// Every problem of the scenario and of its topology; empty when valid.
// `known_kernels` are the names a scenario may use in `kernels` and in
// per-kernel expectations; without it, the lab's (kernel_names(): the
// variants of images/kernels.toml and stock).
std::vector<Diagnostic> check_scenario(const std::filesystem::path& file,
                                       const std::vector<std::string>& known_kernels);
std::vector<Diagnostic> check_scenario(const std::filesystem::path& file);

// A scenario that passes check_scenario, or famlab::Error with the first
// problem.
Scenario load_scenario(const std::filesystem::path& file, const std::vector<std::string>& known_kernels);
Scenario load_scenario(const std::filesystem::path& file);

// The kernel names the lab knows: its variants (images/kernels.toml of the
// checkout) and "stock".
std::vector<std::string> lab_kernel_names();

// Every kernel name the scenario writes is one of `known`.
void check_kernel_names(const Scenario& sc, const std::vector<std::string>& known,
                        std::vector<Diagnostic>& out);

// The checks of steps against an already loaded topology: the first
// guest's, or the named guest's steps against its own topology.
void check_steps_against(const Scenario& sc, const topology::Topology& t, std::vector<Diagnostic>& out);
void check_steps_against(const Scenario& sc, const std::string& guest, const topology::Topology& t,
                         std::vector<Diagnostic>& out);

}  // namespace famlab::scenario
