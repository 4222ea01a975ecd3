#include "lab/topology/load.h"

#include "lab/topology/parse.h"
#include "lab/topology/validate.h"

namespace famlab::topology {

std::optional<Topology> read_topology(const std::filesystem::path& file, std::vector<Diagnostic>& out) {
  std::vector<Diagnostic> found;
  auto topo = parse_topology(file, found);
  if (topo) validate_topology(*topo, found);
  sort_by_position(found);
  out.insert(out.end(), found.begin(), found.end());
  return topo;
}

Topology load_topology(const std::filesystem::path& file) {
  std::vector<Diagnostic> problems;
  auto topo = read_topology(file, problems);
  throw_first(problems);
  return *topo;
}

std::vector<Diagnostic> check_topology(const std::filesystem::path& file) {
  std::vector<Diagnostic> problems;
  read_topology(file, problems);
  return problems;
}

}  // namespace famlab::topology
