// famlab check FILE...: validates topology and scenario files without
// booting anything. Every problem is printed as file:line:col: message.
#include <fstream>
#include <iostream>
#include <sstream>

#include "lab/cli/commands.h"
#include "lab/scenario/scenario_check.h"
#include "lab/topology/load.h"

namespace famlab::cli {
namespace {

// A scenario names a topology and has steps; a topology does not.
bool looks_like_scenario(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    auto p = line.find_first_not_of(" \t");
    if (p == std::string::npos) continue;
    if (line.compare(p, 8, "[[step]]") == 0 || line.compare(p, 8, "topology") == 0) return true;
  }
  return false;
}

}  // namespace

int cmd_check(const std::vector<std::string>& files) {
  int problems = 0;
  for (const auto& f : files) {
    std::vector<topology::Diagnostic> diags;
    if (!std::ifstream(f)) {
      std::cerr << f << ": cannot read file\n";
      ++problems;
      continue;
    }
    bool scenario = looks_like_scenario(f);
    diags = scenario ? scenario::check_scenario(f) : topology::check_topology(f);
    for (const auto& d : diags) std::cerr << d.where.str() << ": " << d.message << "\n";
    problems += static_cast<int>(diags.size());
    if (diags.empty()) std::cout << f << ": valid " << (scenario ? "scenario" : "topology") << "\n";
  }
  return problems == 0 ? 0 : 2;
}

}  // namespace famlab::cli
