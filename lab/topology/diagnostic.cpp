#include "lab/topology/diagnostic.h"

#include <algorithm>
#include <map>

namespace famlab::topology {

std::string Diagnostic::str() const { return where.str() + ": " + message; }

void sort_by_position(std::vector<Diagnostic>& diagnostics) {
  // Files keep the order in which they were first reported (a scenario, then
  // its topology); within a file, problems go top to bottom.
  std::map<std::string, size_t> file_rank;
  for (const auto& d : diagnostics) file_rank.emplace(d.where.file, file_rank.size());
  std::stable_sort(diagnostics.begin(), diagnostics.end(), [&](const Diagnostic& a, const Diagnostic& b) {
    size_t ra = file_rank.at(a.where.file), rb = file_rank.at(b.where.file);
    if (ra != rb) return ra < rb;
    if (a.where.line != b.where.line) return a.where.line < b.where.line;
    return a.where.column < b.where.column;
  });
}

void throw_first(const std::vector<Diagnostic>& diagnostics) {
  if (diagnostics.empty()) return;
  throw famlab::Error(diagnostics.front().where, diagnostics.front().message);
}

}  // namespace famlab::topology
